"""Scrapy spiders (installed as ``newscrawl.spiders``)."""
