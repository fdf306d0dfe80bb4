"""The site registry: shipped entries load, and every kind of mistake is a clear ConfigError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.crawl.registry import load_registry, select_sites, site_for_url
from newscrawl.errors import ConfigError


def test_shipped_registry_has_at_least_15_fashion_news_sites() -> None:
    sites = load_registry()
    assert len(sites) >= 15
    for required in ("wwd", "highxtar", "businessoffashion", "hypebeast", "modaes", "drapers"):
        assert required in sites
    assert sum(name.startswith("fashionunited-") for name in sites) >= 5
    for site in sites.values():
        # Entries lean on discovery: a home page and its domain, nothing guessed.
        assert site.home and site.domains and site.language
        assert not site.sitemaps and not site.feeds


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_file_with_site_tables(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[site]]
name = "maison-daily"
home = ["https://www.maison-daily.example/"]
language = "fr"
article_allow = ['/\\d{4}/\\d{2}/']
follow_deny = ['/boutique/']

[[site]]
name = "other"
home = "https://other.example/news/"
domains = ["other.example", "cdn-other.example"]
""",
    )
    sites = load_registry(path)
    assert list(sites) == ["maison-daily", "other"]
    assert sites["maison-daily"].domains == ("maison-daily.example",)
    assert sites["maison-daily"].article_allow[0].search("https://x/2024/05/y")
    assert sites["other"].home == ("https://other.example/news/",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\nhome = "https://x.example/"\nhomepage = "y"', "unknown key(s) homepage"),
        ('name = "x"', "missing required key 'home'"),
        ('name = "Bad Name"\nhome = "https://x.example/"', "must be lower-case"),
        ('name = "x"\nhome = "ftp://x.example/"', "is not an http(s) URL"),
        ('name = "x"\nhome = "https://x.example/"\nlanguage = "english"', "two-letter"),
        (
            'name = "x"\nhome = "https://x.example/"\narticle_deny = ["(unclosed"]',
            "not a valid regular expression",
        ),
        (
            'name = "x"\nhome = "https://x.example/"\ndomains = ["y.example"]',
            "outside the allowed domains",
        ),
        ('name = "x"\nhome = "https://x.example/"\nmax_pages = 0', "max_pages must be"),
        ('name = "x"\nhome = "https://x.example/"\ndepth = "deep"', "depth must be"),
        ('name = "x"\nhome = [', "not valid TOML"),
        (
            '[[site]]\nname = "x"\nhome = "https://x.example/"\n[[site]]\nname = "x"\nhome = "https://x.example/"',
            "also defined",
        ),
    ],
)
def test_invalid_entries_name_the_file_and_the_problem(
    tmp_path: Path, body: str, message: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_site_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"known sites: .*wwd"):
        select_sites(load_registry(), ["no-such-site"])


def test_missing_registry_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_registry(tmp_path / "nope.toml")


def test_site_for_url_names_an_ad_hoc_site_after_its_host() -> None:
    site = site_for_url("http://127.0.0.1:8601/")
    assert site.name == "127.0.0.1-8601" and site.domains == ("127.0.0.1:8601",)
    with pytest.raises(ConfigError):
        site_for_url("not a url")


def test_cli_exits_2_on_invalid_registry(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "x"\nhome = "https://x.example/"\ncolour = "red"')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newscrawl",
            "crawl",
            "--registry",
            str(path),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == exitcodes.CONFIG_ERROR
    assert "unknown key(s) colour" in proc.stderr
    assert not (tmp_path / "out").exists()
