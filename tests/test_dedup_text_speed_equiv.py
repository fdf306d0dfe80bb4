"""Dedup text features must not change when the code computing them is made faster.

The ids in :class:`~newscrawl.dedup.text.TextFeatures` (stems, names, body hashes, sentence
keys) are stored in persistent indexes, so a "faster but slightly different" features_batch
would silently split an existing index from new records. The golden digests below were
computed with the implementation of commit a4dcc3a (before the speed work) over realistic
texts in several languages and a seeded random corpus full of the awkward cases (quotes,
thousands separators, abbreviations, line breaks, non-ASCII that NFKC changes, empty
titles and bodies). Any change to a single id, count, flag or bound changes a digest.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from newscrawl.dedup import text
from newscrawl.dedup.text import TextFeatures, features, features_batch

TEXTS: list[tuple[str | None, str]] = [
    ("Balenciaga opens Seoul flagship",
     "Balenciaga has opened its first flagship store in Seoul, a four-storey building designed "
     "with the architect Mario Carpenter.\n\nThe new space covers 1,200 square metres. "
     "Mr. Smith, the brand's Asia director, said: “We expect 55,000 visitors in the first month "
     "alone, which is more than any other store we have.” Sales rose 3.5% in 2023.\n\n"
     "The store opens on Jan. 5 at 10 a.m. and St. James Street will be closed."),
    ("Zara owner Inditex posts record profit",
     "Inditex, the owner of Zara, reported a net profit of €5.4bn for the year, up 30% on the "
     "previous year. Chief executive Óscar García Maceiras said the group's 5,800 stores had "
     "\"performed exceptionally well\" despite inflation.\nShares rose 4.2 percent in Madrid. "
     "Analysts at J.P. Morgan called the results 'solid'. The dividend is 1.54 euros a share."),
    (None, "A title-less article. It still has sentences! Does it work? Yes... it does.\n"
     "Second line without a full stop\nThird line, numbers 1 2 3 and 2024-25 season."),
    ("", ""),
    ("Only a title here", ""),
    ("", "Body only, no title at all, with several content words following the comma."),
    ("Москва: неделя моды открылась показом Славы Зайцева",
     "В Москве в понедельник открылась неделя моды. Первым показал коллекцию Дом моды Славы "
     "Зайцева, который в этом году отмечает 60-летие.\n\n«Мы хотели показать, что русская мода "
     "жива и развивается», — сказал генеральный директор Егор Зайцев. По его словам, на показ "
     "пришли более 1 500 гостей.\n\nВыручка компании в 2023 году выросла на 12,5% и составила "
     "55 000 000 рублей. Неделя продлится до 15 марта."),
    ("Hugo Boss erhöht die Prognose",
     "Der Modekonzern Hugo Boss hat seine Prognose für das laufende Jahr erhöht. Der Umsatz "
     "soll nun um 15 Prozent auf rund 4,2 Milliarden Euro steigen, teilte das Unternehmen in "
     "Metzingen mit.\n„Wir sind mit der Entwicklung sehr zufrieden“, sagte Vorstandschef Daniel "
     "Grieder. Die Aktie stieg im frühen Handel um 5,3 Prozent. Das Unternehmen beschäftigt "
     "weltweit 55.000 Mitarbeiter."),
    ("Mango abre su mayor tienda en Nueva York",
     "La firma española Mango ha inaugurado en la Quinta Avenida de Nueva York su mayor tienda "
     "del mundo, con 2.000 metros cuadrados. ¿El objetivo? Duplicar las ventas en Estados "
     "Unidos antes de 2026.\n«Es un paso histórico para la compañía», afirmó el consejero "
     "delegado, Toni Ruiz. ¡La apertura atrajo a cientos de personas!"),
    ("Prada, ricavi in crescita del 17%",
     "Il gruppo Prada ha chiuso il primo semestre con ricavi per 2,55 miliardi di euro, in "
     "crescita del 17% a cambi costanti. L’amministratore delegato Andrea Guerra ha detto che "
     "“la domanda resta solida”. Miu Miu ha registrato un balzo dell’89%."),
    ("L’Oréal rachète Aesop",
     "L’Oréal a annoncé l’acquisition de la marque australienne Aesop pour 2,5 milliards de "
     "dollars. « C’est une marque unique », a déclaré Nicolas Hieronimus. L'opération doit être "
     "finalisée d'ici à la fin de l'année."),
    ("Farfetch: ações caem 40% após resultados",
     "As ações da Farfetch caíram 40% na bolsa de Nova York após a empresa adiar a divulgação "
     "dos resultados. O fundador José Neves não comentou.\r\nA empresa tem 6.700 funcionários."),
    ("ﬁnancial Ｒｅｓｕｌｔｓ ２０２４ – ½ year",
     "The ﬁrm’s Ｑ２ revenue hit ＄１２.５ million\u00a0— café (cafe\u0301) naïve résumé ™ №5.\t"
     "Tabs\tand\u2028line separators\u2029too. Ⅻ months, ① first, ㎏ weights, ﬀ ligature."),
    ("Numbers", "Figures: 1,000,000 and 1.000.000 and 12,34 and 1,2345 and 007 and 0.5 and 9 "
                "and 10,000. Also 3 000 and 55 000 and 1990s and 2x and x2 and 4th."),
    ("Quotes everywhere",
     "He said \"this is a rather long quotation indeed\" and then 'another quoted passage here' "
     "and “curly quotes with enough characters” plus «guillemets avec du texte» and „German "
     "quotes sind auch dabei“. Unbalanced \" quote runs to the end of the line\nNext line "
     "starts clean. Dr. No and Gen. Patton met Sen. Smith vs. Rep. Jones at St. Paul Inc."),
    ("Emoji 🎉 and symbols",
     "Launch party 🎉🎉 in N.Y.C. drew 300+ guests (and 2 dogs). Tickets: $45/£40/¥5,000. "
     "E-mail: press@example.com; web: https://example.com/a_b-c?d=1. C'est la vie... OK!?"),
    ("Short", "A. B. C. D. E. F. G. one two three four five six. U.S. sales grew. I am here."),
    ("   ", "   \n\n   \n"),
]


def _digest(f: TextFeatures) -> str:
    """Every output field of one document, in one hash (arrays by dtype, shape and bytes)."""
    h = hashlib.sha256()

    def arr(a: object) -> None:
        if a is None:
            h.update(b"None|")
        else:
            h.update(f"{a.dtype}{a.shape}|".encode())  # type: ignore[attr-defined]
            h.update(a.tobytes())  # type: ignore[attr-defined]

    h.update(repr(sorted(f.title)).encode())
    arr(f.stems)
    h.update(repr(f.stem_count).encode())
    arr(f.sent_keys)
    h.update(repr(list(f.narrative)).encode())
    h.update(repr(sorted(f.numbers)).encode())
    h.update(repr(sorted(f.names)).encode())
    h.update(repr(f.body_hash).encode())
    arr(f.sent_src)
    h.update(repr(f.sent_bounds).encode())
    return h.hexdigest()[:16]


def _fuzz_docs(seed: int, n: int) -> list[tuple[str | None, str]]:
    """Seeded random articles mixing words of several scripts, marks, digits and odd spacing."""
    rnd = random.Random(seed)
    words = [
        'the', 'and', 'of', 'said', 'Smith', 'Mr.', 'Dr.', 'Inc.', 'co.', 'no.', 'Jan.', 'Paris',
        'Zara', 'Prada', 'Москва', 'сказал', 'выручка', 'Umsatz', 'Prozent', 'und', 'der', 'die',
        'las', 'compañía', 'año', 'ação', 'l’année', "d'ici", 'naïve', 'café', 'ﬁrm', 'Ｑ２', '½',
        'ⅻ', 'cafe\u0301', 'St.', 'U.S.', 'N.Y.', 'a', 'I', 'x', '55,000', '55.000', '1,200', '3.5',
        '12,5', '2024', '007', '10%', '$45', '€5.4bn', '1990s', '4th', '000', '123', '1', '2', '3',
        'A', 'B', 'Ö', 'Élan', 'Über', 'über', 'Ñandú',
    ]
    seps = [" "] * 12 + [". ", ", ", "! ", "? ", "… ", "\n", "\n\n", " — ", "; ", ": ", "\t",
                         "\u00a0", " \" ", " “", "” ", " «", "» ", " „", "“ ", " '", "' ", "’",
                         " (", ") ", "\r\n", "...", ".\" ", "?» "]
    docs: list[tuple[str | None, str]] = []
    for _ in range(n):
        def chunk(k: int) -> str:
            out = []
            for _ in range(k):
                w = rnd.choice(words)
                out.append(w.capitalize() if rnd.random() < 0.2 else w)
                out.append(rnd.choice(seps))
            return "".join(out)

        title = None if rnd.random() < 0.1 else chunk(rnd.randint(0, 12))
        body = chunk(rnd.choice([0, 3, 20, 80, 200]))
        docs.append((title, body))
    return docs


GOLDEN = [
    'dd5bcb168a4481eb', '505c56a89176dee2', '75b2e49f0301a206', '549c7d08ef6d916b',
    'e7aaeaedf0a976e9', '4ff93d6800073eeb', '4e6eb9da66c1eb68', '269a3628946775e0',
    '9e0f8ace77a90c22', '942eb7d36db6bc70', '1ea9c1746384db80', 'b248351b8f237084',
    '84aff22f2386db00', 'cb32be90e3160642', '92d300d80d9fdc56', '17607ccdfd097777',
    '7db30e32d1126a3a', '549c7d08ef6d916b',
]
GOLDEN_FUZZ = 'cd61182fa71f6c9f'


def _combined(feats: list[TextFeatures]) -> str:
    return hashlib.sha256("".join(_digest(f) for f in feats).encode()).hexdigest()[:16]


def test_features_match_golden_values() -> None:
    assert [_digest(f) for f in features_batch(TEXTS)] == GOLDEN


def test_each_text_alone_matches_golden_values() -> None:
    """A document's features do not depend on the batch it came in."""
    assert [_digest(features(title, body)) for title, body in TEXTS] == GOLDEN


def test_random_corpus_matches_golden_value() -> None:
    docs = _fuzz_docs(seed=11, n=400)
    assert _combined(features_batch(docs)) == GOLDEN_FUZZ
    # split differently into batches, the result is the same
    assert _combined(features_batch(docs[:7]) + features_batch(docs[7:250]) + features_batch(docs[250:])) == GOLDEN_FUZZ


@pytest.mark.parametrize("limit", [2_000_000, 40])
def test_ids_do_not_depend_on_vocabulary_state(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """A fresh or constantly reset token table (row numbers differ) gives the same ids."""
    monkeypatch.setattr(text, "_VOCAB", text._Vocabulary(limit=limit))
    assert [_digest(f) for f in features_batch(TEXTS[::-1])] == GOLDEN[::-1]
    assert _combined(features_batch(_fuzz_docs(seed=11, n=400))) == GOLDEN_FUZZ


def test_readable_behaviour() -> None:
    """A few of the properties the digests pin down, spelled out."""
    launch, inditex, untitled, empty, title_only, *_ = features_batch(TEXTS)
    assert {"1200", "55000", "2023"} <= launch.numbers  # thousands separators dropped
    assert {"30", "5800"} <= inditex.numbers
    assert not untitled.title and untitled.stem_count > 0
    assert empty.stem_count == 0 and not empty.title and empty.sent_src is None
    assert title_only.title and title_only.stem_count == 0 and not title_only.names
    # "Smith" after "Mr." does not open a sentence, so it counts as a name
    assert text._VOCAB.column("name", text._VOCAB.rows(["Smith"]))[0] in launch.names
    assert len(launch.sent_keys) == len(launch.narrative) == len(launch.sent_bounds or []) - 1
    assert launch.narrative.count(False) >= 1  # the quoted sentence


@pytest.mark.parametrize("sample", [
    "ASCII only: \"quoted\", 55,000... done!",
    "Cyrillic «кавычки» и тире — 1 500 руб… конец?",
    "Mixed ’curly’ “quotes” ‘single’ – dashes — ellipsis… €5 £4 ¥3 © ® ™ ′ ″ · • ‚ ‛",
    "Beyond the table: 漢字 🎉 \U0001F600 ﬁ \u00a0\u2028\u3000 end.",
])
def test_translation_of_non_ascii_text_equals_str_translate(sample: str) -> None:
    """The numpy code-point table is the same mapping as ``str.translate`` with the table."""
    assert text._translate(sample) == sample.translate(text._TRANSLATE)
    assert text._cut(sample) == (sample.translate(text._TRANSLATE).replace("\x01", " \x01 ")
                                 .replace("\x02", " \x02 ").split())


def test_control_characters_in_text_are_spaces_not_marks() -> None:
    """U+0000-U+0005 are the batch's own marks (document, title end, sentence end, quote, line):
    a text holding them (seen in scraped JSON Lines) is read as if they were spaces, instead of
    failing the batch or shifting every later document's features."""
    dirty = [("title\x05", "a body \x04 with \x01 control\x03characters. Second \x02 one."), ("t", "b c d")]
    clean = [("title ", "a body   with   control characters. Second   one."), ("t", "b c d")]
    assert [_digest(f) for f in features_batch(dirty)] == [_digest(f) for f in features_batch(clean)]
