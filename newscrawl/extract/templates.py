"""Per-site template memory: text blocks that recur across many pages of a site are boilerplate.

A site's template repeats on every page ("Sign up for the Stylewire briefing", an author box,
a legal line in the story container) in wording no phrase list knows. The memory learns it
from the pages a crawl sees: each page's body blocks are fingerprinted (xxhash of the
normalised text) and counted once per distinct URL. A block is template once it was seen on
at least ``min_pages`` distinct URLs *and* on at least ``min_fraction`` of the pages seen.

Genuine text must survive: the same story published under several URLs (AMP, syndication,
category paths) would look like a template made of a whole article. So a page whose
recurring blocks would be most of its text (``max_share``) is treated as a repeat of a story
the memory already saw, and nothing is removed from it.

Storage: one small JSON file per site in ``directory``, written atomically (temp file +
``os.replace``) by ``save()``, at most ``max_blocks`` fingerprints and ``max_urls`` URL hashes
per site (least-seen, oldest fingerprints are evicted first). A file that cannot be read is
ignored with a warning and relearnt; it never stops extraction. Several processes sharing
one directory do not corrupt files, but the last ``save()`` wins.
"""

from __future__ import annotations

import heapq
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from newscrawl.errors import StateError
from newscrawl.extract.boilerplate import normalize_line
from newscrawl.fileio import atomic_write

LOGGER = logging.getLogger(__name__)
FORMAT_VERSION = 1
_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def fingerprint(text: str) -> str:
    """Stable 64-bit fingerprint of a block, insensitive to case, spacing and edge punctuation."""
    return xxhash.xxh64_hexdigest(normalize_line(text).encode("utf-8"))


@dataclass
class SiteTemplate:
    """What the memory knows about one site."""

    pages: int = 0
    blocks: dict[str, list[int]] = field(
        default_factory=dict
    )  # fp -> [pages seen on, last page no]
    urls: list[str] = field(
        default_factory=list
    )  # hashes of URLs already learnt from, oldest first
    dirty: bool = False
    # Not stored: ``urls`` as a set for O(1) membership, and a min-heap of
    # (pages seen on, last page no, fp) so eviction pops the least-seen, oldest blocks
    # instead of re-sorting every block on every page. Heap entries go stale when a block
    # is seen again or evicted; stale ones are skipped when popped (see ``_evict``).
    url_set: set[str] = field(default_factory=set, repr=False, compare=False)
    heap: list[tuple[int, int, str]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.url_set = set(self.urls)

    def to_json(self, site: str) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "site": site, "pages": self.pages,
                "blocks": self.blocks, "urls": self.urls}  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> SiteTemplate:
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError("not a template memory file of this version")
        pages, blocks, urls = data["pages"], data["blocks"], data["urls"]
        if not isinstance(pages, int) or not isinstance(blocks, dict) or not isinstance(urls, list):
            raise ValueError("malformed template memory file")
        clean: dict[str, list[int]] = {}
        for fp, value in blocks.items():
            if not (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) for v in value)
            ):
                raise ValueError(f"malformed entry for block {fp!r}")
            clean[str(fp)] = value
        return cls(pages=pages, blocks=clean, urls=[str(u) for u in urls])


class TemplateMemory:
    """Learns each site's recurring blocks and says which blocks of a page are template."""

    def __init__(
        self,
        directory: Path,
        *,
        min_pages: int = 4,
        min_fraction: float = 0.3,
        max_share: float = 0.5,
        max_blocks: int = 3000,
        max_urls: int = 2000,
    ) -> None:
        self.directory = Path(directory)
        self.min_pages = min_pages
        self.min_fraction = min_fraction
        self.max_share = max_share
        self.max_blocks = max_blocks
        self.max_urls = max_urls
        self._sites: dict[str, SiteTemplate] = {}

    def path_for(self, site: str) -> Path:
        name = _UNSAFE.sub("_", site.lower()).strip("._")[:120] or "_"
        return self.directory / f"{name}.json"

    def observe(self, site: str, url: str, blocks: Iterable[str]) -> set[str]:
        """Learn from one page (once per URL) and return its blocks that are site template."""
        texts = [t for t in blocks if t.strip()]
        state = self._site(site)
        fps = {t: fingerprint(t) for t in texts}
        url_key = xxhash.xxh64_hexdigest(url.encode("utf-8")) if url else ""
        if url_key not in state.url_set:
            self._learn(state, set(fps.values()), url_key)
        recurring = {t for t, fp in fps.items() if self._is_template(state, fp)}
        total = sum(len(t) for t in texts)
        if recurring and sum(len(t) for t in recurring) > self.max_share * total:
            return set()  # a repeat of a story already seen, not a template
        return recurring

    def is_template(self, site: str, text: str) -> bool:
        return self._is_template(self._site(site), fingerprint(text))

    def save(self) -> None:
        """Write every site learnt from since the last save (atomically, one file per site)."""
        for site, state in self._sites.items():
            if state.dirty:
                self._write(site, state)
                state.dirty = False

    # --- internals ---------------------------------------------------------------------------

    def _is_template(self, state: SiteTemplate, fp: str) -> bool:
        entry = state.blocks.get(fp)
        if entry is None:
            return False
        seen = entry[0]
        return seen >= self.min_pages and seen >= self.min_fraction * state.pages

    def _learn(self, state: SiteTemplate, fps: set[str], url_key: str) -> None:
        state.pages += 1
        page = state.pages
        heap = state.heap
        for fp in fps:
            entry = state.blocks.get(fp)
            if entry is None:
                entry = state.blocks[fp] = [1, page]
            else:
                entry[0] += 1
                entry[1] = page
            if heap is not None:
                heapq.heappush(heap, (entry[0], page, fp))
        if url_key:
            state.urls.append(url_key)
            state.url_set.add(url_key)
            if len(state.urls) > self.max_urls:
                for old in state.urls[: -self.max_urls]:
                    state.url_set.discard(old)
                del state.urls[: -self.max_urls]
                if len(state.url_set) != len(state.urls):  # a loaded file listed a hash twice
                    state.url_set = set(state.urls)
        if len(state.blocks) > self.max_blocks:
            self._evict(state)
        state.dirty = True

    def _evict(self, state: SiteTemplate) -> None:
        """Drop the least-seen, oldest blocks until at most ``max_blocks`` remain.

        Same blocks as sorting all by (pages seen on, last page no) and keeping the top
        ``max_blocks`` (ties aside), without a full sort per page."""
        blocks = state.blocks
        if state.heap is None or len(state.heap) > 4 * max(len(blocks), self.max_blocks):
            state.heap = [(entry[0], entry[1], fp) for fp, entry in blocks.items()]
            heapq.heapify(state.heap)
        heap = state.heap
        while len(blocks) > self.max_blocks and heap:
            seen, last, fp = heapq.heappop(heap)
            entry = blocks.get(fp)
            if entry is not None and entry[0] == seen and entry[1] == last:
                del blocks[fp]

    def _site(self, site: str) -> SiteTemplate:
        state = self._sites.get(site)
        if state is None:
            state = self._read(site)
            self._sites[site] = state
        return state

    def _read(self, site: str) -> SiteTemplate:
        path = self.path_for(site)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return SiteTemplate()
        except OSError as exc:
            LOGGER.warning("template memory for %s unreadable (%s); starting afresh", site, exc)
            return SiteTemplate()
        try:
            return SiteTemplate.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            LOGGER.warning("template memory file %s is corrupt (%s); ignoring it", path, exc)
            return SiteTemplate()

    def _write(self, site: str, state: SiteTemplate) -> None:
        path = self.path_for(site)
        try:
            with atomic_write(path) as handle:
                json.dump(state.to_json(site), handle, separators=(",", ":"))
        except OSError as exc:
            raise StateError(f"cannot write template memory {path}: {exc}") from exc
