"""Imported once by the extraction workers' fork server (see ``extract_worker``).

Importing extraction and loading the language model here, before any worker is forked, means
every worker starts with both in place (shared copy-on-write) instead of each paying about a
second and a half of CPU for them. Importing this module anywhere else has that cost too, so
nothing else imports it.
"""

from __future__ import annotations

import newscrawl.crawl.extract_worker  # noqa: F401  (the functions the pool runs)
from newscrawl.extract.language import detect_text

detect_text("Loading the language model once, before the workers are forked.")
