"""URL canonicalisation: one identity per page, decided before anything is fetched.

Two functions with two jobs:

- :func:`clean_url` gives the URL to *fetch*: fragment, tracking and session parameters and AMP
  variants removed, query sorted, percent-encoding normalised — but scheme and host kept as the
  site wrote them (dropping ``www.`` could point at a host that does not answer).
- :func:`url_key` gives the page's *identity*: the clean URL with scheme, ``www.`` and a trailing
  slash also ignored. Two URLs with one key are one page; the request fingerprinter, the crawl
  state and the record id all use it, so no page is fetched or emitted twice.

Plain Python (w3lib for the percent-encoding rules), no Scrapy import. Both functions are
memoised (bounded LRU): the same navigation links appear on every page of a site.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a click came from. Exact names (lower-cased) ...
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "cmp",
        "ncid",
        "ocid",
        "sr_share",
        "share",
        "spm",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "vero_conv",
        "s_cid",
        "s_kwcid",
        "wt.mc_id",
        "wt_mc_id",
        "trk",
        "trkcampaign",
        "taid",
        "soc_src",
        "soc_trk",
        "smid",
        "xtor",
        "__twitter_impression",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "ito",
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "piwik_campaign",
        "piwik_kwd",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "int_source",
        "int_medium",
        "int_campaign",
        "utm",
    }
)
# ... and prefixes (utm_source, utm_medium, itm_*, ...).
TRACKING_PREFIXES = ("utm_", "itm_", "pk_", "mtm_", "hmb_", "ga_", "vgo_ee")
# Session identifiers: each visit gets a new one, so every page would look new (a classic trap).
SESSION_PARAMS = frozenset(
    {
        "jsessionid",
        "phpsessid",
        "sid",
        "sessionid",
        "session_id",
        "aspsessionid",
        "cfid",
        "cftoken",
        "zenid",
        "oscsid",
        "sessid",
        "s",
    }
)
# Query switches that ask for the AMP rendering of the same page.
AMP_PARAMS = {"amp": None, "outputtype": "amp", "output": "amp", "usqp": None, "amp_js_v": None}

_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.I)
_AMP_SUFFIX = re.compile(r"/amp/?$", re.I)
_AMP_PREFIX = re.compile(r"^/amp(?=/)", re.I)
_AMP_EXT = re.compile(r"\.amp(\.html?)?$", re.I)
_VALID_NETLOC = re.compile(r"[a-z0-9._-]+(?::\d{1,5})?|\[[0-9a-f:.]+\](?::\d{1,5})?")
_DEFAULT_PORT = {"http": 80, "https": 443}


def _keep_param(name: str, value: str) -> bool:
    low = name.lower()
    if low in TRACKING_PARAMS or low in SESSION_PARAMS or low.startswith(TRACKING_PREFIXES):
        # ``s`` and ``src`` are common enough as real parameters only when they carry long values
        # such as search terms; a session id is long and opaque, a search term usually is not.
        return bool(low == "s" and not re.fullmatch(r"[0-9a-f]{16,}", value, re.I))
    if low in AMP_PARAMS:
        wanted = AMP_PARAMS[low]
        return not (wanted is None or value.lower() == wanted)
    return True


def _strip_amp_path(path: str) -> str:
    path = _AMP_SUFFIX.sub("/", path)
    path = _AMP_PREFIX.sub("", path)
    return _AMP_EXT.sub(lambda m: m.group(1) or "", path)


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@lru_cache(maxsize=16384)
def clean_url(url: str) -> str | None:
    """The URL to fetch for ``url``, or None when it is not a usable http(s) URL."""
    url = url.strip()
    if not is_http_url(url):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return None
    if host.startswith("amp."):
        host = host[4:]
    if not host or any(c in host for c in " /\\@"):
        return None
    scheme = parts.scheme.lower()
    netloc = host if port in (None, _DEFAULT_PORT[scheme]) else f"{host}:{port}"
    path = _strip_amp_path(_PATH_SESSION.sub("", parts.path)) or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _keep_param(k, v)]
    )
    try:
        result = canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))
    except ValueError:
        return None
    # IDNA encoding can still yield a host no resolver accepts; such a URL is not fetchable.
    return result if _VALID_NETLOC.fullmatch(urlsplit(result).netloc) else None


@lru_cache(maxsize=16384)
def url_key(url: str) -> str | None:
    """The identity of the page at ``url`` (scheme-less, no ``www.``, no trailing slash)."""
    clean = clean_url(url)
    if clean is None:
        return None
    parts = urlsplit(clean)
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/") if parts.path != "/" else ""
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


@lru_cache(maxsize=16384)
def host_of(url: str) -> str:
    """Lower-case host without ``www.`` (what allowed-domain checks compare).

    A non-default port is kept (``127.0.0.1:8601``): sites served side by side on one address,
    as the local fixture web is, are different sites.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return ""
    host = host[4:] if host.startswith("www.") else host
    if port is not None and port != _DEFAULT_PORT.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


def in_domains(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a subdomain of one."""
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in domains)
