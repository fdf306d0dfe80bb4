"""A plain install (``pip install .``, no ``[redis]`` extra) must crawl: the README's first command.

Scrapy's spider loader imports *every* module of ``newscrawl.spiders``, the Redis middlewares
included, so a top-level ``import redis`` there broke ``newscrawl demo`` on a fresh machine while
CI (which installs the extras) stayed green. These checks run with ``redis`` and
``scrapy_redis`` made unimportable.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK = 'import sys\nsys.modules["redis"] = None\nsys.modules["scrapy_redis"] = None\n'


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_spider_loader_imports_every_spider_module_without_redis() -> None:
    proc = run("""
        from scrapy.settings import Settings
        from scrapy.spiderloader import SpiderLoader
        import newscrawl.settings
        settings = Settings()
        settings.setmodule(newscrawl.settings)
        print(sorted(SpiderLoader.from_settings(settings).list()))
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "news" in proc.stdout


def test_modules_of_a_plain_crawl_import_without_redis() -> None:
    """Everything but the Redis backends themselves (which say what to install when used)."""
    proc = run("""
        import importlib, pkgutil
        import newscrawl
        failed = []
        for mod in pkgutil.walk_packages(newscrawl.__path__, "newscrawl."):
            if "redis" in mod.name or mod.name.endswith(("__main__", "crawl.distributed")):
                continue
            try:
                importlib.import_module(mod.name)
            except ImportError as exc:
                failed.append(f"{mod.name}: {exc}")
        print("\\n".join(failed))
        raise SystemExit(1 if failed else 0)
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
