"""URL identity for the exact level: variants of one page's address map to one key.

Collapsed: scheme (http/https), ``www.``/``m.``/``amp.`` host prefixes, AMP paths
(``/amp``, ``/amp/``, ``.amp``, ``?amp=1``, ``?outputType=amp``), tracking parameters
(``utm_*``, ``fbclid``, ``gclid``, ...), fragments, trailing slashes, ``index.html``, default
ports, and parameter order. Kept: everything else in the path and query (``?id=`` often *is*
the article).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import xxhash

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|ref|ref_src|cmpid|ito|"
    r"share|source|amp|outputtype|ncid|sr_share|smid|cid)$", re.IGNORECASE)
_HOST_PREFIX = re.compile(r"^(www\d?|m|amp|mobile)\.")
_AMP_PATH = re.compile(r"(/amp/?$|\.amp(?=$|\.html?$)|/amp(?=/))", re.IGNORECASE)


def normalise_url(url: str) -> str:
    """The canonical form of a URL used for exact-level matching (see the module docstring)."""
    url = url.strip()
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url.lower()
    host = _HOST_PREFIX.sub("", host)
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    path = re.sub(r"/+", "/", path)
    path = re.sub(r"/index\.(html?|php)$", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    q = f"?{urlencode(query)}" if query else ""
    return f"{host}{path}{q}"


def url_key(url: str) -> int:
    """63-bit key of the normalised URL (an SQLite INTEGER)."""
    return xxhash.xxh64_intdigest(normalise_url(url).encode("utf-8")) >> 1
