"""Generated fashion-business news prose: every article its own story, in its own words.

Used by ``sitegen.py``. An article is a :class:`Story` — one company, its rivals, the people
quoted, a city, a product line — told in sentences drawn from a grammar whose slots pick from
word lists of ~60–120 entries each. Two articles then share function words and the odd common
phrase, as real news does, but almost never a whole sentence, a run of content words or a set
of names and figures: what a near-duplicate detector sees between *different* stories. (An
earlier generator drew every article's sentences from one shared pool, so each article shared
whole sentences with hundreds of others and every pair became a dedup candidate.)

Everything is a function of a ``random.Random`` the caller seeds per article, so a page is
byte-identical on every request and does not change when the site grows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

# fmt: off
SYLLABLES = (
    "ve", "lo", "ra", "mi", "san", "tor", "el", "ca", "no", "ri", "bel", "da", "fi", "or", "lan",
    "ce", "mar", "qui", "zo", "ta", "ber", "gio", "ka", "len", "mon", "pra", "sel", "tin", "ul",
    "var", "wen", "xa", "yor", "ze", "bru", "cla", "dre", "fon", "gar", "hal",
)
FIRST = (
    "Amelia", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ines", "Jonas",
    "Kenji", "Lucia", "Marcus", "Nadia", "Oskar", "Priya", "Rafael", "Sofia", "Tomas", "Yara",
    "Adele", "Bastien", "Carmen", "Diego", "Emeka", "Freya", "Giulia", "Hugo", "Ingrid", "Julien",
    "Katja", "Leon", "Mei", "Nikolai", "Olga", "Paolo", "Quentin", "Rosa", "Sven", "Talia",
    "Umberto", "Vera", "Wei", "Ximena", "Yusuf", "Zara", "Anouk", "Bilal", "Camille", "Dario",
)
CITIES = (
    "Milan", "Paris", "London", "New York", "Tokyo", "Seoul", "Copenhagen", "Madrid", "Lagos",
    "Shanghai", "Florence", "Antwerp", "Los Angeles", "Istanbul", "Lisbon", "Berlin", "Dubai",
    "Mumbai", "Sydney", "Stockholm", "Porto", "Barcelona", "Amsterdam", "Zurich", "Vienna",
    "Singapore", "Hong Kong", "Toronto", "Mexico City", "Sao Paulo", "Nairobi", "Cape Town",
    "Marrakesh", "Bangkok", "Jakarta", "Melbourne", "Oslo", "Helsinki", "Prague", "Warsaw",
)
ROLES = (
    "chief executive", "creative director", "head of merchandising", "chief financial officer",
    "founder", "buying director", "retail analyst", "head of sustainability", "managing director",
    "design director", "chief operating officer", "head of wholesale", "brand director",
    "supply chain director", "investor relations head", "head of e-commerce", "chairwoman",
    "chairman", "head of menswear", "head of womenswear",
)
PRODUCTS = (
    "outerwear", "knitwear", "handbags", "footwear", "denim", "tailoring", "eyewear", "fragrance",
    "swimwear", "leather goods", "jewellery", "sneakers", "lingerie", "activewear", "menswear",
    "childrenswear", "accessories", "bridalwear", "cashmere", "silk scarves", "trench coats",
    "loafers", "watches", "workwear", "skincare", "cosmetics", "hosiery", "outdoor gear",
    "evening gowns", "shirting", "suiting", "belts", "gloves", "hats", "sunglasses", "perfume",
    "lipstick", "sandals", "boots", "parkas", "puffer jackets", "raincoats", "cardigans",
    "tracksuits", "sleepwear", "loungewear", "ballet flats", "clogs", "mules", "backpacks",
    "luggage", "wallets", "fine jewellery", "costume jewellery", "home textiles", "bedding",
    "hair care", "nail polish", "bodycare", "uniforms",
)
MATERIALS = (
    "organic cotton", "recycled polyester", "merino wool", "vegetable-tanned leather", "linen",
    "hemp", "alpaca", "mohair", "recycled nylon", "lyocell", "deadstock fabric", "silk",
    "vegan leather", "bamboo viscose", "upcycled denim", "cork", "recycled gold", "lab-grown diamonds",
    "mushroom leather", "Tencel", "cashmere blends", "jersey", "tweed", "corduroy", "velvet",
    "seersucker", "gabardine", "chambray", "poplin", "suede",
)
TOPICS = (
    "margins", "inventory", "store openings", "wholesale orders", "online sales",
    "price increases", "supplier audits", "marketing budgets", "logistics costs",
    "full-price sell-through", "customer loyalty", "tourist spending", "repair services",
    "rental programmes", "traceability data", "sourcing contracts", "factory capacity",
    "franchise partners", "concession space", "loyalty schemes", "shipping delays",
    "currency swings", "freight rates", "wage bills", "energy costs", "licensing deals",
    "outlet stores", "department store accounts", "duty-free sales", "resale partnerships",
    "influencer campaigns", "sample sales", "pre-orders", "returns rates", "made-to-order lines",
    "capsule collections", "collaborations", "flagship leases", "warehouse automation",
    "carbon targets", "water use", "chemical management", "living wages", "worker safety",
    "dye houses", "spinning mills", "tanneries", "cutting rooms", "pattern archives",
    "trademark disputes", "counterfeits", "gift cards", "app downloads", "membership fees",
    "size ranges", "fit complaints", "delivery times", "click-and-collect orders", "pop-up shops",
)
VERBS = (
    "expanded", "reduced", "doubled", "reviewed", "accelerated", "postponed", "restructured",
    "relaunched", "tightened", "diversified", "outsourced", "reshored", "streamlined", "repriced",
    "digitised", "consolidated", "audited", "renegotiated", "protected", "rebuilt", "trimmed",
    "scrapped", "overhauled", "revived", "paused", "shelved", "widened", "narrowed", "tested",
    "piloted", "automated", "redesigned", "relocated", "centralised", "licensed", "acquired",
    "sold", "closed", "reopened", "merged", "refinanced", "quadrupled", "halved", "froze",
    "boosted", "capped", "extended", "shortened", "localised", "certified", "upgraded",
    "rationalised", "curtailed", "bolstered", "revamped", "simplified", "unbundled", "resumed",
    "delayed",
)
ADJECTIVES = (
    "quiet", "resilient", "cautious", "ambitious", "sharper", "leaner", "crowded", "volatile",
    "premium", "seasonal", "digital", "regional", "wholesale", "vertical", "circular", "tailored",
    "oversized", "heritage", "emerging", "profitable", "full-price", "discounted", "handcrafted",
    "technical", "recycled", "limited", "flagship", "independent", "mid-market", "luxury",
    "minimalist", "maximalist", "playful", "sombre", "bold", "muted", "sculptural", "relaxed",
    "utilitarian", "romantic", "sporty", "polished", "gender-neutral", "affordable", "niche",
    "experimental", "understated", "colourful", "monochrome", "lightweight", "durable",
    "modular", "seamless", "archival", "artisanal", "sleek", "boxy", "fluid", "structured",
    "cropped",
)
PERIODS = (
    "the first quarter", "the holiday season", "the pandemic", "the autumn shows",
    "the spring campaign", "a difficult winter", "the past decade", "this financial year",
    "the summer sales", "the months ahead", "the second half", "the last three years",
    "the Lunar New Year", "Black Friday", "fashion week", "the back-to-school period",
    "the wedding season", "the resort season", "the trade fair", "the latest reporting period",
)
ADVERBS = (
    "sharply", "steadily", "quietly", "briefly", "unexpectedly", "gradually", "modestly",
    "strongly", "slightly", "rapidly", "cautiously", "decisively", "markedly", "narrowly",
    "broadly", "repeatedly",
)
OUTLETS = ("Apparel Wire", "Moda Press", "Trade Dispatch", "Retail Syndicate", "Style Newswire")
# fmt: on

# Sentence shapes. Slots: {b} the story's company, {r} a rival, {p}/{q} people quoted with
# their {role}/{qrole}, {c} the story's city, {c2} another city, {prod}/{prod2} products,
# {mat} a material, {top}/{top2} business topics, {v}/{v2} verbs, {a}/{a2} adjectives,
# {per} a period, {adv} an adverb, {n}/{m} figures. Few fixed content words per shape, and
# each story uses its own subset of shapes (as each writer has their own turns of phrase),
# so sentences of different stories share little beyond their function words.
SHAPES = (
    "{b} {v} its {a} {prod} business during {per}, {p}, its {role}, said in {c}.",
    "{top_cap} at {b} rose {adv} in {c} during {per}, up {n} percent.",
    "“We {v} {top} because our {a} customers asked for it,” said {p}, {role} at {b}.",
    "Sales of {prod} at {b} climbed {n} percent to {m} million euros in {per}.",
    "The group {v} {top} across {n} {a} stores in {c} and {c2}.",
    "{p}, who previously worked at {r}, expects {top} to recover after {per}.",
    "Analysts in {c} said the {a} push into {prod} could lift {top} by {n} percent.",
    "{r} has {v} {top} for its {prod} line, moving production from {c} to {c2}.",
    "{b} employs {m} people and made {n} million euros from {prod} during {per}.",
    "Buyers from {c} called the {a} {prod} collection a turning point for {b}.",
    "“{a_cap} {prod} is where the growth is,” {p} told reporters at the {c} showroom.",
    "Competition from {r} has {v} {top} in the {a} segment since {per}.",
    "{p} said {b} would use more {mat} in {prod} and fewer {a2} finishes.",
    "A {a} capsule of {prod} in {mat} sold out {adv} in {c}, {q} said.",
    "Suppliers near {c2} learnt that {b} had {v} {top} before {per}, according to {q}.",
    "{b} {v} {top2} and {v2} {top}, which weighed on results in {per}.",
    "The {prod} range, cut from {mat}, accounts for {n} percent of revenue at {b}.",
    "Shares in {r} moved {adv} after {b} {v} its {top} plan.",
    "{q}, {qrole} at {r}, said rivals had {v} {top} {adv} over {per}.",
    "In {c}, {b} opened a {a} store with space for {prod} and {prod2}.",
    "Investors in {c2} questioned whether {b} had {v} {top} too {adv}.",
    "{b} plans {n} more doors in {c} and a {a} outlet near {c2} by {per}.",
    "“Our {prod} in {mat} outsold everything else,” {q} said of {per}.",
    "The {a} look of its {prod} owed much to {p}, who joined {b} from {r}.",
    "{top_cap} and {top2} remain the main worries for {b}, {q} said in {c}.",
    "Prices for {prod} rose {n} percent as {b} {v} {top}.",
    "{b} said it had {v} {top} in {c} and {v2} {top2} as well.",
    "Workshops in {c2} now make {n} percent of its {prod}, up from {m} pieces a week.",
    "{p} described the {a} mood among {c} buyers as {a2} but {adv} improving.",
    "A spokesperson for {r} declined to comment on {top}.",
    "{adv_cap}, {b} {v} {top} while {r} {v2} {top2}.",
    "Its {a} {prod} drew {n} buyers to {c} during {per}, {p} said.",
    "{p} joined {b} during {per} and {v} {top} within {n} weeks.",
    "For {per}, {b} expects {top} to stay {a}, {q} told staff in {c}.",
    "Wholesale partners in {c2} took {m} units of {prod} in {mat}.",
    "{r} {v} {top} after {p} left for {b}.",
    "At {c} stores, {prod} in {mat} now carry {a} labels explaining {top}.",
    "{q} argued that {top} mattered more than {top2} for {a} labels like {b}.",
    "Margins on {prod} narrowed to {n} percent, while {prod2} held up in {c}.",
    "{b} hired {n} {a} designers in {c} to rework {prod} and {prod2}.",
)
SHAPES_PER_STORY = 14  # each story is told in its own subset of shapes
@dataclass
class Story:
    """Who and what one article is about."""

    company: str
    rivals: list[str]
    people: list[tuple[str, str]]  # (name, role)
    city: str
    products: list[str]
    topics: list[str]
    shapes: list[str]


def _pick(rng: random.Random, seq: tuple | list) -> Any:
    """``rng.choice`` at a third of its cost (one C call): sentences make a dozen picks each."""
    return seq[int(rng.random() * len(seq))]


def _two(rng: random.Random, seq: tuple | list) -> tuple[Any, Any]:
    """Two different items of ``seq``, cheaply (``rng.sample(seq, 2)`` costs far more)."""
    n = len(seq)
    i = int(rng.random() * n)
    j = (i + 1 + int(rng.random() * (n - 1))) % n
    return seq[i], seq[j]


def story(rng: random.Random, companies: list[str], people: list[str]) -> Story:
    """Pick this article's cast from the site's (large) pools."""
    company, *rivals = rng.sample(companies, 4)
    cast = [(name, rng.choice(ROLES)) for name in rng.sample(people, 4)]
    return Story(
        company=company,
        rivals=rivals,
        people=cast,
        city=rng.choice(CITIES),
        products=rng.sample(PRODUCTS, 4),
        topics=rng.sample(TOPICS, 5),
        shapes=rng.sample(SHAPES, SHAPES_PER_STORY),
    )


def sentence(rng: random.Random, s: Story) -> str:
    """One sentence of the story: mostly about its own cast, sometimes the wider market."""
    shape = _pick(rng, s.shapes)
    (p, role), (q, qrole) = _two(rng, s.people)
    own = rng.random() < 0.7  # the story's own products/topics, else the market's
    top, top2 = _two(rng, s.topics if own else TOPICS)
    prod, prod2 = _two(rng, s.products if own else PRODUCTS)
    a, a2 = _two(rng, ADJECTIVES)
    v, v2 = _two(rng, VERBS)
    values = {
        "b": s.company, "r": _pick(rng, s.rivals), "p": p, "role": role, "q": q, "qrole": qrole,
        "c": s.city if rng.random() < 0.6 else _pick(rng, CITIES), "c2": _pick(rng, CITIES),
        "prod": prod, "prod2": prod2, "mat": _pick(rng, MATERIALS), "top": top, "top2": top2,
        "v": v, "v2": v2, "a": a, "a2": a2, "per": _pick(rng, PERIODS),
        "adv": _pick(rng, ADVERBS), "n": 2 + int(rng.random() * 96),
        "m": 120 + int(rng.random() * 9_680),
        "a_cap": a.capitalize(), "top_cap": top[0].upper() + top[1:],
        "adv_cap": _pick(rng, ADVERBS).capitalize(),
    }  # fmt: skip
    return shape.format(**values)


def paragraphs(rng: random.Random, s: Story, count: int) -> list[str]:
    """``count`` paragraphs of 2–4 sentences."""
    return [
        " ".join(sentence(rng, s) for _ in range(rng.randint(2, 4))) for _ in range(count)
    ]


def syndication_note(rng: random.Random) -> str:
    """The line a republished wire story carries."""
    return f"This article was first published by {rng.choice(OUTLETS)} and is republished with permission."
