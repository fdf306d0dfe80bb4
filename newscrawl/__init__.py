"""newscrawl: crawl fashion-news sites into clean, deduplicated article records.

Data flows one way: spider -> response -> extract -> record -> dedup -> store.
``newscrawl.extract`` and ``newscrawl.dedup`` are plain Python (no Scrapy import) and work on
saved HTML and on any JSON Lines of records.
"""

__version__ = "0.1.0"
