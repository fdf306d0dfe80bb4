"""Scrapy item pipelines (installed as ``newscrawl.pipelines``)."""
