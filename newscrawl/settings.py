"""Scrapy settings for newscrawl: every knob in one place, with its default and why.

``scrapy crawl news`` reads this module (scrapy.cfg); ``newscrawl crawl`` starts from it and
overrides what its command-line options say. Settings named ``NEWSCRAWL_*`` are ours; the rest
are Scrapy's own. Any of them can be overridden with ``-s NAME=VALUE`` under ``scrapy crawl``.
"""

from __future__ import annotations

import importlib.util

from newscrawl import __version__

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# --- Politeness -------------------------------------------------------------------------------
# Identify ourselves; operators should put a contact URL or address here (--user-agent).
USER_AGENT = f"newscrawl/{__version__} (+https://github.com/newscrawl/newscrawl; fashion-news research crawler)"
ROBOTSTXT_OBEY = True
# Total parallel requests, and per site (a site = a download slot = a domain).
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy 2.19 does not enforce the per-domain limit (see newscrawl/crawl/downloader.py)
DOWNLOADER = "newscrawl.crawl.downloader.PoliteDownloader"
# Starting delay per site; AutoThrottle adapts it to the site's response times.
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# --- Robustness -------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30  # seconds per request: a slow site cannot hold a slot for long
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # bytes; larger responses are cancelled (counted as too-large)
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = True
METAREFRESH_MAXDELAY = 5
RETRY_ENABLED = True
RETRY_TIMES = 3  # retries after the first attempt
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Our retry middleware replaces Scrapy's: same settings, plus backoff and Retry-After.
NEWSCRAWL_RETRY_BACKOFF_BASE = 2.0  # seconds; attempt n waits base * 2**(n-1), with jitter
NEWSCRAWL_RETRY_MAX_DELAY = 120.0  # cap on any wait, including a server's Retry-After
# Scrapy processes each response's output with this many parallel asyncio workers, created
# anew per response. Our callbacks yield one page item at most, so 100 (the default) only
# costs CPU: about a third of the crawl's non-extraction time on a loopback benchmark.
CONCURRENT_ITEMS = 8
# Scrapy checks every request's callback for a generator that returns a value, re-reading
# and parsing its source whenever its weak cache forgets it: ~0.4 ms/page of CPU for a lint
# whose answer for our spider never changes (a test runs the check once instead).
WARN_ON_GENERATOR_RETURN_VALUE = False
COOKIES_ENABLED = False  # news pages need no session; cookies only invite session-id traps
DNSCACHE_ENABLED = True
REACTOR_THREADPOOL_MAXSIZE = 10
HTTPERROR_ALLOW_ALL = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
LOG_FORMATTER = "newscrawl.crawl.logformat.QuietDropFormatter"  # drops: one DEBUG line, no HTML
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# One page, one fingerprint: requests are deduplicated on the canonical URL key
# (no www., no tracking parameters, no AMP variant), not on the raw URL.
REQUEST_FINGERPRINTER_CLASS = "newscrawl.crawl.fingerprint.CanonicalRequestFingerprinter"
# Breadth-first-ish: priorities decide (articles before hubs); FIFO within a priority.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# Hand out first the requests of sites with the fewest downloads under way (Scrapy's
# DownloaderAwarePriorityQueue), and hold back those of a site whose slot already has one waiting
# out its delay (Retry-After, backoff): waiting requests count in CONCURRENT_REQUESTS and would
# take the places of the other sites. (The Redis scheduler of distributed crawls has its own queue.)
SCHEDULER_PRIORITY_QUEUE = "newscrawl.crawl.pqueue.PaceAwarePriorityQueue"
DEPTH_LIMIT = 0  # Scrapy's own depth counting is off; the spider counts link hops itself

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.crawl.middlewares.RetryAfterMiddleware": 550,
    # Scrapy's robots.txt middleware lets requests that wait for robots.txt through unchecked.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.spiders.robots.ConcurrentRobotsTxtMiddleware": 100,
    # Safety (docs/safety.md). Address policy on every request and redirect hop (before robots.txt
    # is even fetched), resolver refusals counted and not retried (after the retry middleware).
    "newscrawl.spiders.netguard.NetGuardMiddleware": 50,
    "newscrawl.spiders.netguard.RefusedLookupMiddleware": 560,
    # Hostile responses counted as newscrawl/hostile/<kind>: decoded bodies sniffed (between
    # decompression at 590 and retries at 550), decompression bombs, redirect loops.
    "newscrawl.spiders.hostile.HostileResponseMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.spiders.hostile.CountingHttpCompressionMiddleware": 590,
    "newscrawl.spiders.hostile.RedirectCounter": 610,
}
# Refuses DNS answers that are private/loopback/metadata addresses, on every connection.
TWISTED_DNS_RESOLVER = "newscrawl.spiders.netguard.GuardedResolver"
SPIDER_MIDDLEWARES: dict[str, int] = {}
ITEM_PIPELINES = {
    "newscrawl.pipelines.extract.ExtractPipeline": 100,
    # "newscrawl.pipelines.dedup.DedupPipeline": 200 — added at load time when available.
    "newscrawl.pipelines.store.StorePipeline": 900,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "newscrawl.crawl.progress.ProgressLine": 500,
}

# --- What to crawl ----------------------------------------------------------------------------
NEWSCRAWL_REGISTRY = None  # path to a registry file/folder; None = the shipped newscrawl/sites
NEWSCRAWL_SITES: list[str] = []  # registry site names to crawl (empty + no URLs = every site)
NEWSCRAWL_URLS: list[str] = []  # ad-hoc home URLs (sites not in the registry)
NEWSCRAWL_MAX_PAGES = 2000  # per-site budget of requests (pages, sitemaps and feeds)
NEWSCRAWL_DEPTH = 3  # link hops followed from a home page (sitemap/feed entries count as 1)
NEWSCRAWL_MAX_HUBS_PER_PATTERN = (
    25  # non-article pages of one URL shape per site (traps, pagination)
)
NEWSCRAWL_MAX_SITEMAPS = 50  # sitemap files fetched per site (indexes can list thousands)
NEWSCRAWL_SITEMAP_MAX_AGE_DAYS = 0  # skip sitemap entries older than this (0 = no limit)
NEWSCRAWL_FALLBACK_SITEMAP = True  # try /sitemap.xml when robots.txt names none
NEWSCRAWL_SINCE = None  # ISO date: ignore articles published before it (--since)
NEWSCRAWL_ALLOW_PRIVATE_NETWORK = False  # allow loopback/private addresses (demo, tests)

# --- Incremental runs and output --------------------------------------------------------------
NEWSCRAWL_STATE = "sqlite:.newscrawl/state.sqlite"  # --state
NEWSCRAWL_OUTPUT = "newscrawl-out"  # -o: a .jsonl file, or a folder for per-run files
NEWSCRAWL_RUN_ID = None  # set by the runner; generated when None
NEWSCRAWL_CONDITIONAL_REQUESTS = True  # send If-None-Match / If-Modified-Since from state
NEWSCRAWL_REVISIT_ARTICLES = False  # refetch known articles (conditionally) even when their sitemap lastmod is unchanged or absent
NEWSCRAWL_WRITE_BATCH = 50  # records per fsync-ed output batch
NEWSCRAWL_EXTRACT_NON_ARTICLE_URLS = True  # extract pages with article signals whatever the URL
NEWSCRAWL_PROGRESS = True  # progress line on stderr
NEWSCRAWL_PROGRESS_INTERVAL = 2.0  # seconds between progress lines (TTY); 10x that otherwise
NEWSCRAWL_TEMPLATE_MEMORY = True  # learn per-site boilerplate, kept next to the state
# Extraction is the crawl's main CPU cost. "auto" (default): 2 worker processes beside the
# reactor on a machine with 2+ CPUs (each ~150 MB; on a 2-core loopback benchmark ~1.7x the
# pages/s of in-process extraction), 0 on one CPU. 0: in the crawler process; N: N workers;
# -1: one per CPU.
NEWSCRAWL_EXTRACT_WORKERS = "auto"

# Dedup between extraction and storage (enabled when newscrawl.pipelines.dedup exists).
NEWSCRAWL_DEDUP = True
NEWSCRAWL_DEDUP_INDEX = None  # default: <state dir>/dedup.sqlite
NEWSCRAWL_DEDUP_MODE = "drop"  # "drop": copies are not written; "mark": written with dedup info

if importlib.util.find_spec("newscrawl.pipelines.dedup") is not None:
    ITEM_PIPELINES["newscrawl.pipelines.dedup.DedupPipeline"] = 500

FEED_EXPORT_ENCODING = "utf-8"
