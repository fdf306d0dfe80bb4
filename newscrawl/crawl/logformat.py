"""Log lines for dropped items: one short line at DEBUG, never the whole page body.

Dropping is normal here (listing pages, unchanged articles, syndicated copies); Scrapy's
default logs each drop at WARNING with the full item, which for a page item is the HTML.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietDropFormatter(LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> dict[str, Any]:
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
