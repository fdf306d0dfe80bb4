"""Request fingerprints on the canonical URL key, so one page is one request.

Scrapy deduplicates requests by fingerprint. Fingerprinting the canonical key
(:func:`newscrawl.crawl.urls.url_key`) instead of the raw URL makes ``http://www.site/a/?utm_x=1``
and ``https://site/a`` one request. A redirect between two spellings of the same key
(``http`` to ``https``, adding ``www.``) must still be followed, so a redirected request whose
key equals the key it came from gets a distinct fingerprint.
"""

from __future__ import annotations

import hashlib
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request

from newscrawl.crawl.urls import url_key


class CanonicalRequestFingerprinter:
    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Any) -> CanonicalRequestFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        cached = self._cache.get(request)
        if cached is not None:
            return cached
        key = url_key(request.url) or request.url
        parts = [request.method.encode(), key.encode("utf-8"), request.body or b""]
        previous = request.meta.get("redirect_urls") if request.meta else None
        if previous and (url_key(previous[-1]) or previous[-1]) == key:
            parts.append(f"redirect-from-same-key:{len(previous)}".encode())
        digest = hashlib.sha1(b"\0".join(parts)).digest()
        self._cache[request] = digest
        return digest
