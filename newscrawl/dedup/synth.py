"""Synthetic syndication test sets built from real article texts (for tests and benchmarks).

Given source articles (title + body), :func:`build_set` makes, per source, a *family*: the original
plus copies made the way syndication makes them — wire copy with another outlet's lead/tail
boilerplate, shortened to the first paragraphs, extended with extra paragraphs, retitled,
paragraphs reordered, lightly edited, run through a synonym spinner, or "machine-translated back"
(per-sentence synonym, word-order and function-word changes) — often several at once. Hard
negatives are added next to them: another story about the same brand/names, a different story
in the same site template, and an independent write-up of the same event that shares the
original's quotes, names and numbers and a similar headline. Every other pair of sources is a
negative too (the extraction-dev pages contain several independent write-ups of the same events).

Ground truth is the family id: two records are copies iff they carry the same ``family``.
Everything is seeded, so a set is reproducible from (sources, seed).

:func:`cheap_corpus` makes the large throughput corpus: pseudo-word articles with Zipfian
vocabulary and planted copy families, fast to generate at 200,000 records.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

SPINNER_SYNONYMS: dict[str, list[str]] = {
    "announced": ["revealed", "unveiled", "disclosed"], "new": ["fresh", "novel"],
    "partnership": ["collaboration", "alliance", "tie-up"], "support": ["back", "assist", "help"],
    "help": ["aid", "assist"], "brand": ["label", "house", "marque"], "company": ["firm", "business", "group"],
    "said": ["stated", "noted", "remarked"], "says": ["states", "notes"], "big": ["large", "major"],
    "large": ["big", "sizeable"], "important": ["significant", "key", "crucial"],
    "show": ["display", "present"], "shows": ["displays", "presents"], "launch": ["debut", "introduce"],
    "launched": ["debuted", "introduced", "rolled out"], "collection": ["line", "range"],
    "designer": ["creative", "couturier"], "children": ["kids", "youngsters"], "child": ["kid", "youngster"],
    "criticism": ["backlash", "condemnation"], "quickly": ["swiftly", "rapidly"], "removed": ["withdrew", "pulled"],
    "images": ["pictures", "photos"], "public": ["general", "popular"], "awareness": ["consciousness", "understanding"],
    "professionals": ["experts", "specialists"], "programme": ["scheme", "initiative"], "program": ["scheme", "initiative"],
    "estimated": ["approximately", "roughly"], "nearly": ["almost", "close to"], "about": ["around", "roughly"],
    "increase": ["rise", "growth", "boost"], "decrease": ["drop", "decline", "fall"], "sales": ["revenue", "turnover"],
    "market": ["sector", "marketplace"], "customers": ["clients", "shoppers", "consumers"], "store": ["shop", "boutique"],
    "stores": ["shops", "boutiques"], "began": ["started", "commenced"], "start": ["begin", "commence"],
    "end": ["finish", "conclude"], "buy": ["purchase", "acquire"], "bought": ["purchased", "acquired"],
    "people": ["individuals", "persons", "folks"], "report": ["study", "document"], "reported": ["stated", "disclosed"],
    "week": ["seven days"], "recently": ["lately", "of late"], "also": ["additionally", "as well"],
    "however": ["nevertheless", "yet"], "because": ["since", "as"], "many": ["numerous", "several", "lots of"],
    "first": ["initial", "earliest"], "last": ["final", "previous"], "major": ["key", "big", "leading"],
    "leading": ["top", "foremost"], "world": ["globe", "planet"], "global": ["worldwide", "international"],
    "government": ["administration", "authorities"], "officials": ["authorities", "representatives"],
    "police": ["authorities", "officers"], "killed": ["slain", "left dead"], "died": ["passed away", "perished"],
    "protests": ["demonstrations", "rallies"], "attack": ["assault", "strike"], "investigation": ["probe", "inquiry"],
    "statement": ["declaration", "release"], "told": ["informed", "said to"], "asked": ["questioned", "queried"],
    "decision": ["ruling", "move"], "plan": ["scheme", "proposal"], "plans": ["intends", "aims"],
    "team": ["squad", "group"], "game": ["match", "title"], "games": ["matches", "titles"], "play": ["perform", "compete"],
    "win": ["victory", "triumph"], "won": ["secured", "clinched"], "fans": ["supporters", "followers"],
    "platform": ["service", "system"], "users": ["customers", "subscribers"], "service": ["offering", "platform"],
    "price": ["cost", "rate"], "prices": ["costs", "rates"], "money": ["cash", "funds"], "deal": ["agreement", "pact"],
    "trade": ["commerce", "business"], "talks": ["negotiations", "discussions"], "country": ["nation", "state"],
    "city": ["town", "metropolis"], "home": ["house", "residence"], "work": ["job", "labour"],
    "working": ["operating", "functioning"], "made": ["created", "produced"], "make": ["create", "produce"],
    "use": ["utilise", "employ"], "used": ["utilised", "employed"], "using": ["utilising", "employing"],
    "get": ["obtain", "receive"], "got": ["obtained", "received"], "give": ["provide", "offer"],
    "provide": ["offer", "supply"], "need": ["require"], "needed": ["required"], "want": ["wish", "desire"],
    "wanted": ["wished", "desired"], "learn": ["discover", "find out"], "find": ["discover", "locate"],
    "found": ["discovered", "located"], "think": ["believe", "reckon"], "believe": ["think", "feel"],
    "known": ["recognised", "famed"], "famous": ["renowned", "celebrated"], "popular": ["well-liked", "favoured"],
    "beautiful": ["gorgeous", "stunning"], "clothing": ["apparel", "garments", "clothes"], "clothes": ["garments", "apparel"],
    "fashion": ["style", "couture"], "luxury": ["high-end", "premium"], "model": ["mannequin", "figure"],
    "event": ["occasion", "function"], "campaign": ["drive", "push"], "campaigns": ["drives", "pushes"],
    "years": ["yrs", "annums"], "year": ["twelvemonth", "annum"], "month": ["thirty days"], "months": ["several weeks"],
    "today": ["this day", "now"], "later": ["afterwards", "subsequently"], "before": ["prior to", "ahead of"],
    "after": ["following", "subsequent to"], "during": ["throughout", "amid"], "around": ["about", "roughly"],
    "between": ["amongst", "among"], "against": ["versus", "opposed to"], "impact": ["effect", "influence"],
    "effects": ["impacts", "consequences"], "ability": ["capacity", "capability"], "access": ["entry", "admission"],
    "treatment": ["therapy", "care"], "health": ["wellbeing", "wellness"], "safety": ["security", "protection"],
    "future": ["prospects", "times ahead"], "grateful": ["thankful", "appreciative"], "lasting": ["enduring", "permanent"],
}

# Function-word swaps a translation round trip produces.
FUNCTION_SWAPS = {"the": ["a", "this", ""], "a": ["one", "the"], "that": ["which", ""], "of": ["from"],
                  "with": ["alongside"], "in": ["within", "inside"], "on": ["upon"], "to": ["towards"],
                  "is": ["was"], "are": ["were"], "will": ["is going to"], "has": ["have"]}

OUTLETS = [
    ("wwd.example", "WWD", "By Staff Reporter", "Subscribe to WWD for unlimited access."),
    ("fashionwire.example", "FashionWire", "(FashionWire) —", "Copyright FashionWire. All rights reserved."),
    ("modanews.example", "ModaNews", "Redazione ModaNews", "Follow ModaNews on Instagram and Twitter."),
    ("stylepress.example", "StylePress", "Source: AFP", "Read more: the week in fashion, in ten stories."),
    ("luxedaily.example", "LuxeDaily", "Photo: courtesy of the brand", "Sign up for our newsletter."),
    ("apparelbiz.example", "ApparelBiz", "By Wire Service", "This article was originally published by a partner."),
]


@dataclass
class Source:
    """A real article text used to build a family."""

    key: str
    title: str
    body: str
    url: str = ""


@dataclass
class Item:
    """One generated record (a plain dict of ArticleRecord fields plus ground truth)."""

    record: dict
    family: str  # ground truth: copies share it
    kind: str  # "original", the transformations applied, or the kind of hard negative
    tags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- source loading

def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]


def _usable(title: str, body: str) -> bool:
    ws = body.split()
    if len(ws) < 80:
        return False
    return sum(len(w) for w in ws) / len(ws) < 12  # skip scripts written without spaces (ja, ko, zh)


def _clip(body: str, max_paras: int = 14, max_words: int = 1200) -> str:
    out, n = [], 0
    for p in _paragraphs(body):
        out.append(p)
        n += len(p.split())
        if len(out) >= max_paras or n >= max_words:
            break
    return "\n\n".join(out)


def _first_sentence(body: str, max_words: int = 14) -> str:
    first = re.split(r"(?<=[.!?])\s", body.strip(), maxsplit=1)[0]
    return " ".join(first.split()[:max_words])


def load_sources(shared: Path | None = None, fixtures: Path | None = None) -> list[Source]:
    """Source texts: fixture gold bodies, the extraction-dev ground truth and the seed texts.

    ``fixtures`` is ``fixtures/pages`` (gold JSON files with title/body); ``shared`` is
    ``../shared``. Missing folders are skipped.
    """
    sources: list[Source] = []
    seen: set[str] = set()
    if shared and (shared / "seeds").is_dir():
        # The seed pair is evaluated on its own (:func:`seed_pair`); its texts — and fixture pages
        # rebuilt from them — are kept out of the generated families, where the pair would be two
        # unlabelled copies of one story.
        for path in sorted((shared / "seeds").glob("*.txt")):
            seen.add(_signature(seed_text(path.read_text("utf-8"))[1]))
    if fixtures and fixtures.is_dir():
        for path in sorted(fixtures.glob("*.json")):
            try:
                gold = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                continue
            body, title = gold.get("body") or "", gold.get("title") or ""
            if isinstance(body, str) and _usable(title, body):
                sources.append(Source(f"fixture:{path.stem}", title, _clip(body), gold.get("url") or ""))
    if shared and (shared / "extraction-dev" / "ground-truth.json").is_file():
        truth = json.loads((shared / "extraction-dev" / "ground-truth.json").read_text("utf-8"))
        for key, row in sorted(truth.items()):
            body = row.get("articleBody") or ""
            if _usable("", body):
                body = _clip(body)
                sources.append(Source(f"dev:{key[:12]}", _first_sentence(body), body, row.get("url") or ""))
    unique = []
    for src in sources:  # the same text twice would be a copy pair nobody labelled
        sig = _signature(src.body)
        if sig not in seen:
            seen.add(sig)
            unique.append(src)
    return unique


def _signature(body: str) -> str:
    return " ".join(re.findall(r"\w+", body.lower())[:40])


def seed_pair(shared: Path) -> list[dict]:
    """The two seed texts as records (boilerplate stripped roughly), or [] if absent."""
    out = []
    for i, path in enumerate(sorted((shared / "seeds").glob("*.txt"))):
        title, body = seed_text(path.read_text("utf-8"))
        out.append(_record(f"https://seed{i}.example/{path.stem}", f"seed{i}.example", title, body, None))
    return out


_SEED_BOILERPLATE = re.compile(
    r"^(membership,|home$|news$|business$|by [A-Z]|loading\.\.\.|scroll down|image:|ver esta|una publicaci|"
    r"sigue toda|you may also|©|balenciaga$|kering$|balenciaga to show)", re.IGNORECASE)


def seed_text(raw: str) -> tuple[str, str]:
    """Title and body of a seed text with its boilerplate stripped roughly (lines, not words).

    Until the extractor handles the seed fixture pages this stands in for it: drop menu, byline,
    social-embed and footer lines, take the first remaining line as the title.
    """
    lines = [ln.strip().lstrip("•").strip() for ln in raw.splitlines()]
    kept = [ln for ln in lines if ln and not _SEED_BOILERPLATE.match(ln)]
    title = kept[0] if kept else ""
    body = [ln for ln in kept[1:] if ln != title]
    return title, "\n\n".join(body)


# ---------------------------------------------------------------------------- transformations

def _sentences(par: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?”])\s+(?=[“\"A-ZÀ-ÖА-Я0-9])", par) if s]


def _spin_word(word: str, rnd: random.Random, table: dict[str, list[str]], prob: float) -> str:
    low = word.lower()
    core = low.strip(".,;:!?\"“”()")
    if core in table and rnd.random() < prob:
        repl = rnd.choice(table[core])
        if word[:1].isupper():
            repl = repl[:1].upper() + repl[1:]
        return word.lower().replace(core, repl, 1) if word.islower() else word.replace(word.strip(".,;:!?\"“”()"), repl, 1)
    return word


def spin(body: str, rnd: random.Random, prob: float = 0.6) -> str:
    """Synonym spinner: replace words found in the synonym table with probability ``prob``."""
    return "\n\n".join(" ".join(_spin_word(w, rnd, SPINNER_SYNONYMS, prob) for w in p.split())
                       for p in _paragraphs(body))


def back_translate(body: str, rnd: random.Random) -> str:
    """Simulate a translation round trip: per sentence, synonyms, function-word swaps/drops, and
    moving a trailing clause to the front (or a leading one to the back)."""
    out_pars = []
    for par in _paragraphs(body):
        sents = []
        for s in _sentences(par):
            ws = [_spin_word(w, rnd, SPINNER_SYNONYMS, 0.45) for w in s.split()]
            ws = [w for w in (_spin_word(w, rnd, FUNCTION_SWAPS, 0.35) for w in ws) if w]
            text = " ".join(ws)
            if "," in text and rnd.random() < 0.5:
                head, _, tail = text.rstrip(".").partition(", ")
                if 3 <= len(tail.split()) <= 14 and '"' not in text and "“" not in text:
                    text = f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:]}."
            sents.append(text)
        out_pars.append(" ".join(sents))
    return "\n\n".join(out_pars)


def light_edit(body: str, rnd: random.Random) -> str:
    """Drop a sentence here and there, change punctuation and a few words."""
    out = []
    for par in _paragraphs(body):
        sents = [s for s in _sentences(par) if rnd.random() > 0.12] or _sentences(par)[:1]
        text = " ".join(sents).replace(" — ", ", ").replace("’", "'")
        out.append(" ".join(_spin_word(w, rnd, SPINNER_SYNONYMS, 0.1) for w in text.split()))
    return "\n\n".join(out)


def shorten(body: str, rnd: random.Random) -> str:
    pars = _paragraphs(body)
    words_needed, out = 60, []
    for p in pars:
        out.append(p)
        if len(out) >= 2 and sum(len(x.split()) for x in out) >= words_needed and rnd.random() < 0.45:
            break
    return "\n\n".join(out)


def extend(body: str, extra: list[str], rnd: random.Random) -> str:
    pars = _paragraphs(body)
    add = extra[: rnd.randint(1, 2)]
    return "\n\n".join(pars + add) if rnd.random() < 0.7 else "\n\n".join(add[:1] + pars + add[1:])


def reorder(body: str, rnd: random.Random) -> str:
    pars = _paragraphs(body)
    head, rest = pars[:1], pars[1:]
    rnd.shuffle(rest)
    return "\n\n".join(head + rest)


def wire_wrap(body: str, rnd: random.Random) -> tuple[str, str]:
    site, _name, lead, tail = rnd.choice(OUTLETS)
    pars = _paragraphs(body)
    return site, "\n\n".join([lead, *pars, tail])


def retitle(title: str, rnd: random.Random) -> str:
    ws = title.split()
    if len(ws) > 4 and rnd.random() < 0.5:
        return " ".join(_spin_word(w, rnd, SPINNER_SYNONYMS, 0.7) for w in ws[: max(4, len(ws) - 3)])
    return rnd.choice(["Breaking: ", "Exclusive: ", "Update: ", ""]) + " ".join(reversed(ws[:6])).capitalize()


# ---------------------------------------------------------------------------- hard negatives

_CAPS = re.compile(r"\b[A-Z][a-zA-Z]{3,}\b")


def _top_names(text: str, k: int = 3) -> list[str]:
    counts: dict[str, int] = {}
    for m in _CAPS.finditer(text):
        counts[m.group()] = counts.get(m.group(), 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def same_brand_story(src: Source, other: Source) -> tuple[str, str]:
    """Another story (``other``'s text) about the brand/names of ``src``: names swapped in."""
    mine, theirs = _top_names(src.title + " " + src.body), _top_names(other.title + " " + other.body)
    body, title = other.body, other.title
    for a, b in zip(theirs, mine, strict=False):
        body, title = body.replace(a, b), title.replace(a, b)
    if mine and mine[0] not in title:
        title = f"{mine[0]}: {title}"
    return title, body


_QUOTE_SPAN = re.compile(r"“[^”“\n]{20,300}”|(?<!\w)\"[^\"\n]{20,300}\"(?!\w)")


def independent_writeup(src: Source, other: Source, rnd: random.Random) -> tuple[str, str]:
    """An independent article on the same event: own narrative (from ``other``, names swapped),
    the original's quotes with new attribution, its numbers, and a near-identical headline."""
    _title, body = same_brand_story(src, other)
    quotes = _QUOTE_SPAN.findall(src.body)
    nums = re.findall(r"\b\d[\d,.]*\d\b", src.body)
    pars = _paragraphs(body)
    names = _top_names(src.body, 2) or ["a spokesperson"]
    for q in quotes[:3]:
        pars.insert(rnd.randint(1, max(1, len(pars))), f"{q}, {names[-1]} told reporters on the call.")
    if nums:
        pars.append(f"The figures cited were {', '.join(nums[:4])}, according to people familiar with the matter.")
    return retitle(src.title, rnd) if rnd.random() < 0.5 else src.title, "\n\n".join(pars)


def template_story(other: Source, rnd: random.Random, template: tuple[str, str, str, str]) -> tuple[str, str, str]:
    site, name, lead, tail = template
    pars = _paragraphs(other.body)[:4]
    body = "\n\n".join([f"{name} newsroom. {lead}", *pars,
                        tail, f"More from {name}: trends, runway reports and business news every day."])
    return site, other.title, body


# ---------------------------------------------------------------------------- building a set

_BASE = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _record(url: str, site: str, title: str, body: str, published: datetime | None) -> dict:
    return {"url": url, "canonical_url": url, "site": site, "title": title, "body": body,
            "published": published.isoformat() if published else None,
            "word_count": len(body.split()), "language": None}


COPY_RECIPES: list[tuple[str, ...]] = [
    ("wire",), ("shorten", "wire"), ("extend",), ("retitle", "light"), ("reorder",),
    ("spin",), ("backtranslate",), ("shorten", "spin", "retitle"), ("backtranslate", "wire"),
    ("light", "extend", "retitle"), ("reorder", "spin"), ("shorten", "backtranslate"),
]


def _family(seed: int, sources: list[Source], src: Source) -> str:
    return f"f{seed}-{sources.index(src)}"


def _background(others: list[Source], rnd: random.Random) -> list[str]:
    """Extra paragraphs an outlet adds: single sentences from several unrelated articles."""
    pool = rnd.sample(others, min(6, len(others)))
    sents = [rnd.choice(_sentences(rnd.choice(_paragraphs(s.body)))) for s in pool]
    return [" ".join(sents[:3]), " ".join(sents[3:])]


def build_set(sources: list[Source], seed: int = 0, copies_per_family: tuple[int, int] = (3, 6)) -> list[Item]:
    """One syndication test set: a family per source plus hard negatives (see module docstring)."""
    rnd = random.Random(seed)
    items: list[Item] = []
    for i, src in enumerate(sources):
        fam = f"f{seed}-{i}"
        t0 = _BASE + timedelta(days=i, minutes=rnd.randint(0, 600))
        others = [s for s in sources if s.key != src.key]
        items.append(Item(_record(f"https://origin{i % 7}.example/news/{i}-{seed}", f"origin{i % 7}.example",
                                  src.title, src.body, t0), fam, "original"))
        for c in range(rnd.randint(*copies_per_family)):
            recipe = rnd.choice(COPY_RECIPES)
            title, body, site = src.title, src.body, f"copy{c}.example"
            for step in recipe:
                if step == "wire":
                    site, body = wire_wrap(body, rnd)
                elif step == "shorten":
                    body = shorten(body, rnd)
                elif step == "extend":
                    body = extend(body, _background(others, rnd), rnd)
                elif step == "retitle":
                    title = retitle(title, rnd)
                elif step == "reorder":
                    body = reorder(body, rnd)
                elif step == "light":
                    body = light_edit(body, rnd)
                elif step == "spin":
                    body = spin(body, rnd)
                elif step == "backtranslate":
                    body = back_translate(body, rnd)
            when = t0 + timedelta(hours=rnd.randint(1, 24 * 20)) if rnd.random() < 0.9 else None
            items.append(Item(_record(f"https://{site}/{fam}/copy-{c}", site, title, body, when), fam,
                              "+".join(recipe)))
        if not others:
            continue
        # Hard negatives borrow another source's narrative; that makes them (altered) copies of
        # *that* source, so they carry the donor's family: ground truth stays honest both ways.
        d = rnd.randrange(len(others))
        title, body = same_brand_story(src, others[d])
        items.append(Item(_record(f"https://brandnews.example/{fam}/other", "brandnews.example", title, body,
                                  t0 + timedelta(days=3)), _family(seed, sources, others[d]), "neg:same-brand"))
        d = rnd.randrange(len(others))
        title, body = independent_writeup(src, others[d], rnd)
        items.append(Item(_record(f"https://rival.example/{fam}/own-take", "rival.example", title, body,
                                  t0 + timedelta(hours=2)), _family(seed, sources, others[d]),
                          "neg:independent-writeup"))
        d = rnd.randrange(len(others))
        site, title, body = template_story(others[d], rnd, OUTLETS[i % len(OUTLETS)])
        items.append(Item(_record(f"https://{site}/{fam}/template", site, title, body, t0 + timedelta(days=1)),
                          _family(seed, sources, others[d]), "neg:same-template"))
    return items


# ---------------------------------------------------------------------------- cheap large corpus

_FUNCTION_WORDS = ["the", "of", "and", "to", "a", "in", "that", "is", "was", "for", "on", "it", "with", "as", "by", "at", "from", "his", "her", "an", "have", "has", "be", "are", "were", "which", "this", "but", "they", "not", "or", "their", "had", "also", "its", "after", "been", "one", "who"]


def cheap_corpus(n: int, seed: int = 0, copy_rate: float = 0.2) -> Iterator[tuple[dict, int]]:
    """``n`` pseudo-word articles (Zipfian vocabulary mixed with English function words, names
    and figures; 5–10 paragraphs of 1–3 sentences);
    about ``copy_rate`` of them are planted copies (shortened, wrapped, reordered, edited) of an
    earlier article. Yields (record dict, family id)."""
    rnd = random.Random(seed)
    syll = ["ka", "lo", "mi", "ra", "te", "so", "vu", "ne", "di", "pa", "ri", "go", "be", "fa", "zu",
            "chi", "mon", "tar", "len", "vis", "or", "el", "an", "ust", "ber", "qui"]
    vocab = sorted({"".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4))) for _ in range(40000)})
    rnd.shuffle(vocab)
    weights = [1.0 / (r + 1.5) for r in range(len(vocab))]
    content_mass = sum(weights)
    words = vocab + _FUNCTION_WORDS
    weights += [0.45 / 0.55 * content_mass / len(_FUNCTION_WORDS)] * len(_FUNCTION_WORDS)
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    cum_np = np.array(cum)
    np_rng = np.random.default_rng(seed)
    names = [w.capitalize() for w in vocab[:3000]] + [str(rnd.randint(10, 99999)) for _ in range(2000)]
    recent: list[tuple[dict, int]] = []
    for i in range(n):
        if recent and rnd.random() < copy_rate:
            orig, fam = rnd.choice(recent)
            pars = orig["body"].split("\n\n")
            op = rnd.random()
            if op < 0.3:
                pars = pars[: rnd.randint(2, max(2, len(pars) - 1))]
            elif op < 0.5:
                pars = [pars[0], *rnd.sample(pars[1:], len(pars) - 1)]
            elif op < 0.8:
                pars = [" ".join(w for w in p.split() if rnd.random() > 0.08) for p in pars]
            pars = ["Wire service report.", *pars, f"Copyright outlet {i % 50}."] if rnd.random() < 0.5 else pars
            title = orig["title"] if rnd.random() < 0.6 else "Update " + orig["title"]
            when = datetime.fromisoformat(orig["published"]) + timedelta(hours=rnd.randint(1, 200))
            rec = _record(f"https://outlet{i % 50}.example/a/{i}", f"outlet{i % 50}.example", title,
                          "\n\n".join(pars), when)
            yield rec, fam
            continue
        pars = []
        shape = [[rnd.randint(14, 40) for _ in range(rnd.randint(1, 3))] for _ in range(rnd.randint(5, 10))]
        # one vectorised draw per article; real text is ~45% function words, part of the distribution
        drawn = np.searchsorted(cum_np, np_rng.random(sum(map(sum, shape))) * total).tolist()
        pos = 0
        for par_shape in shape:
            sents = []
            for k in par_shape:
                mixed = [words[j] for j in drawn[pos:pos + k]]
                pos += k
                if rnd.random() < 0.5:  # a name or a figure now and then, as news has
                    mixed.insert(rnd.randrange(1, len(mixed)), rnd.choice(names))
                sentence = " ".join(mixed)  # (not str.capitalize: it would lowercase the names)
                sents.append(sentence[0].upper() + sentence[1:] + ".")
            pars.append(" ".join(sents))
        title = " ".join(rnd.choices(vocab, k=6)).capitalize()
        rec = _record(f"https://outlet{i % 50}.example/a/{i}", f"outlet{i % 50}.example", title,
                      "\n\n".join(pars), _BASE + timedelta(minutes=i))
        recent.append((rec, i))
        if len(recent) > 2000:
            recent.pop(rnd.randrange(len(recent)))
        yield rec, i


def write_jsonl(path: Path, records: list[dict]) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
