"""Dates of birth, addresses and postcodes as free text writes them.

Partners and the board read police free text (an action's evidence, a tasking's
result, a plan's title) with stored ids and names replaced by pseudonyms
(:func:`avert.access.pseudonymise_authored`). A busy officer also types "DOB
03/04/2006, lives 14 Acacia Rd LS9 8AB": this module finds such words, so the
delivery workflows can show each as a withheld marker
(:func:`avert.workflows.delivery.stored_ids_shown`), through the same
replacement as the pseudonyms (so a partner's own words still read back as
typed, and a save puts the police's words back at their place).

What is withheld, and why (docs/delivery.md, "Dates of birth, addresses and
postcodes"):

* a **date** (``03/04/2006``, ``3/4/06``, ``3.4.2006``, ``2006-04-03``,
  ``2006/04/03``, ``3 April 2006``, ``3rd Apr 06``, ``April 3, 2006``, and as
  police systems print one, ``03-Apr-2006``, ``03APR2006``; with spaces about
  its separators, ``03 / 04 / 2006``, or spaces alone and a four-digit year,
  ``03 04 2006``; numbers day first, as in the UK; a two-digit year is either
  century) written right after a date-of-birth clue (``DOB``, ``D.O.B.``,
  ``date of birth``, ``born``; glued to it too, ``DOB03/04/2006``; there, its
  digits with no separator too, ``DOB 03042006``), whoever
  it belongs to (the clue with it, as one: a partner who cuts the clue, or
  types between, and saves leaves no date of birth without it); one that is the date of birth of a person the same texts name
  (by id or name); and one that is a stored person's date of birth and at least
  :data:`RECENT_DAYS` old. A younger stored date of birth alone is not enough: a
  force's store of 200,000 people holds someone born on nearly every day, so the
  dates of the work itself (a meeting, a review) would all go;
* a **postcode** in full (outward and inward code, any case and spacing:
  ``LS9 8AB``, ``ls98ab``), stored or not: partners never see a place finer than
  an area, and a unit postcode is a street's few addresses. An inward code that
  reads as an ordinal in lower case (``Y7 2nd``, ``A4 3rd``), or holds a letter
  no inward code holds (C, I, K, M, O, V: a road and a clock time, ``A61 9pm``),
  is withheld only when it is a stored address's postcode;
* an **address**: a stored address's street line (the first part with a house
  number, else its first part of two words or more, up to the street's kind:
  ``14 Acacia Road``), compared by :func:`address_key` (case, spacing,
  punctuation, and the usual abbreviations: ``14, acacia rd.``).

The markers name no person: a marker that said whose date of birth it hides
would tell the reader that the police hold one for that pseudonym.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

__all__ = [
    "ADDRESS_WITHHELD",
    "DATE_WITHHELD",
    "ID_WITHHELD",
    "POSTCODE_WITHHELD",
    "RECENT_DAYS",
    "WITHHELD_MARKERS",
    "WrittenDate",
    "WrittenPostcode",
    "address_candidates",
    "address_clue_text",
    "address_clues",
    "address_key",
    "address_key_expr",
    "address_lines",
    "postcode_key",
    "postcodes_in_expr",
    "street_lines",
    "withheld_dates",
    "written_dates",
    "written_postcodes",
]

#: What a withheld date, address and postcode are shown as.
DATE_WITHHELD: Final = "[date withheld]"
ADDRESS_WITHHELD: Final = "[address withheld]"
POSTCODE_WITHHELD: Final = "[postcode withheld]"
#: What a run of letters and digits holding a stored id whose digits go on
#: into more is shown as to partners and the board ("P000001607700900123").
ID_WITHHELD: Final = "[id withheld]"
#: Every marker that may stand for different words (a save leaves one a reader
#: typed as typed: which words it stood for is not known).
WITHHELD_MARKERS: Final = frozenset(
    {DATE_WITHHELD, ADDRESS_WITHHELD, POSTCODE_WITHHELD, ID_WITHHELD}
)
#: A stored date of birth written with no clue is withheld when at least this
#: many days old (five years): younger, it is as likely a date of the work.
RECENT_DAYS: Final = 5 * 365

_MONTHS: Final = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL: Final = r"(?:st|nd|rd|th)?"
#: A date as written (numbers day first): its separators with spaces around
#: them or none (``03 / 04 / 2006``), numbers apart by spaces alone with a
#: four-digit year (``03 04 2006``).
_DATE_BODY: Final = (
    r"(?:"
    r"(?P<d1>\d{1,2})\s*(?P<sep>[/.\-–])\s*(?P<m1>\d{1,2})\s*(?P=sep)\s*(?P<y1>\d{4}|\d{2})"
    r"|(?P<y2>\d{4})\s*(?P<sep2>[/.\-–])\s*(?P<m2>\d{1,2})\s*(?P=sep2)\s*(?P<d2>\d{1,2})"
    r"|(?P<d6>\d{1,2})[ \t]+(?P<m6>\d{1,2})[ \t]+(?P<y6>\d{4})"
    rf"|(?P<d3>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<n3>{_MONTH})\.?,?\s+(?P<y3>\d{{4}}|\d{{2}})"
    # as police systems print a date: 03-Apr-2006, 03/APR/2006, 03APR2006
    rf"|(?P<d5>\d{{1,2}})(?P<sep5>[/.\-]?)(?P<n5>{_MONTH})(?P=sep5)(?P<y5>\d{{4}}|\d{{2}})"
    rf"|(?P<n4>{_MONTH})\.?\s+(?P<d4>\d{{1,2}}){_ORDINAL},?\s+(?P<y4>\d{{4}})"
    # month first, a two-digit year (April 3 06), not a clock time's hour
    rf"|(?P<n9>{_MONTH})\.?\s+(?P<d9>\d{{1,2}}){_ORDINAL},?\s+(?P<y9>\d{{2}})(?![:.]\d)"
    r")(?![0-9A-Za-z])"
)
_DATE: Final = re.compile(r"(?<![0-9A-Za-z])" + _DATE_BODY, re.IGNORECASE)
#: A date read from where its date-of-birth clue ends: glued to it
#: (``DOB03/04/2006``, ``born on03/04/2006``), or its digits with no separator
#: (``DOB 03042006``, ``DOB 030406``: eight or six digits are a date only
#: there, else a reference number would be one).
_DATE_GLUED: Final = re.compile(
    rf"(?:{_DATE_BODY}|(?P<d7>\d{{2}})(?P<m7>\d{{2}})(?P<y7>\d{{4}}|\d{{2}})(?![0-9A-Za-z])"
    r"|(?P<d8>\d{1,2})[ \t]+(?P<m8>\d{1,2})[ \t]+(?P<y8>\d{2})(?![0-9A-Za-z]|[:.]\d))",
    re.IGNORECASE,
)
_GLUED_CLUE: Final = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\.?|\bdate\s+of\s+birth|\bborn(?:\s+on)?|\bbirthday)"
    r"\s*(?:is\s+)?[:=\-–(]?\s*(?=\d)",
    re.IGNORECASE,
)
#: Words just before a date that say it is a date of birth.
_BIRTH_CLUE: Final = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth|\bborn(?:\s+on)?|\bbirthday)"
    r"\s*(?:is\s+)?[:=\-–(]?\s*$",
    re.IGNORECASE,
)
#: A full UK postcode (outward and inward code), any case and spacing.
_POSTCODE: Final = re.compile(
    r"(?<![0-9A-Za-z])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})(?![0-9A-Za-z])"
)
#: A postcode inside stored address text (polars' regular expression).
_POSTCODE_IN_ADDRESS: Final = (
    r"(?-u:\b)[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}(?-u:\b)"
)
#: An inward code that reads as something else, not read as a postcode alone: an
#: ordinal in lower case (``2nd``), or one holding a letter no inward code holds
#: (C, I, K, M, O, V: a clock time, ``9pm``).
_DOUBTFUL_INWARD: Final = re.compile(r"[0-9](?:st|nd|rd|th)|[0-9].?[CIKMOVcikmov].?")
#: Abbreviations of an address's words, as :func:`address_key` compares them.
_ADDRESS_WORDS: Final = {
    "rd": "road",
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "dr": "drive",
    "cres": "crescent",
    "ct": "court",
    "pl": "place",
    "gdns": "gardens",
    "sq": "square",
    "tce": "terrace",
    "terr": "terrace",
    "gr": "grove",
    "gro": "grove",
    "pk": "park",
    "mt": "mount",
    "apt": "flat",
    "apartment": "flat",
}
#: The kinds of street an address's street line ends at.
_STREET_KINDS: Final = sorted(
    {*_ADDRESS_WORDS.values(), "way", "walk", "row", "hill", "view", "rise", "green"}
    - {"flat"}
)
#: Kinds of street that also name an area (``Hyde Park``, ``Chapel Allerton
#: Green``): a town before one is no house's name (:func:`address_lines`).
_AREA_KINDS: Final = frozenset({"park", "green", "hill", "view", "rise", "mount"})
#: The words a house's name ends at (``Rose Cottage``, ``The Old Barn``).
_HOUSE_KINDS: Final = (
    "cottage",
    "cottages",
    "house",
    "farm",
    "farmhouse",
    "barn",
    "lodge",
    "hall",
    "manor",
    "villa",
    "bungalow",
    "grange",
    "rectory",
    "vicarage",
)
#: Words a street's or house's name written in lower case does not start with
#: (``down the road``, ``at the house``: no address, and a word that would have
#: the store's addresses holding it keyed, :func:`address_clues`).
_NOT_A_NAME: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "at",
        "in",
        "on",
        "of",
        "by",
        "up",
        "down",
        "from",
        "into",
        "near",
        "off",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "its",
        "this",
        "that",
        "same",
        "main",
        "back",
        "front",
        "next",
        "each",
        "every",
        "any",
        "some",
        "no",
        "and",
        "or",
        "home",
        "family",
        "school",
        "police",
        "social",
        "care",
    ]
)
#: Most words of a street line looked for in free text.
_MAX_LINE_WORDS: Final = 8
#: Most words of a street's or house's name written in lower case, its kind
#: with them (``rose cottage``, ``acacia road``).
_MAX_LOWER_WORDS: Final = 4


@dataclass(frozen=True)
class WrittenDate:
    """A date as a text writes it: its words, the days it may be (a two-digit
    year is either century; none when it is no day), whether a date-of-birth
    clue comes just before it, and the clue's words through the date's
    (``with_clue``: ``DOB: 3/4/06``; withheld as one, so that a partner who cuts
    the clue, or types between, does not leave the date without it)."""

    text: str
    days: tuple[dt.date, ...]
    after_clue: bool
    with_clue: str | None = None
    loose: bool = False


@dataclass(frozen=True)
class WrittenPostcode:
    """A full postcode as a text writes it, its :func:`postcode_key`, and whether
    its inward code reads as something else (``doubtful``: an ordinal, ``2nd``,
    or a clock time, ``9pm``)."""

    text: str
    key: str
    doubtful: bool


def _days(day: str, month: int, year: str) -> tuple[dt.date, ...]:
    """The days ``day``/``month``/``year`` may be: both centuries of a two-digit
    year; none if it is no day (``31/02/2006``)."""
    years = [int(year)] if len(year) == 4 else [1900 + int(year), 2000 + int(year)]
    out = []
    for y in years:
        try:
            out.append(dt.date(y, month, int(day)))
        except ValueError:
            continue
    return tuple(out)


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def written_dates(texts: Iterable[str | None]) -> list[WrittenDate]:
    """Each date ``texts`` write, day first (:class:`WrittenDate`).

    >>> [(d.text, d.days, d.after_clue) for d in written_dates(["DOB: 3/4/06"])]
    [('3/4/06', (datetime.date(1906, 4, 3), datetime.date(2006, 4, 3)), True)]
    >>> [d.days for d in written_dates(["on 2006-04-03 and 3rd of April 2006"])]
    [(datetime.date(2006, 4, 3),), (datetime.date(2006, 4, 3),)]
    """
    out: list[WrittenDate] = []
    for text in texts:
        if not text:
            continue
        glued = (_DATE_GLUED.match(text, c.end()) for c in _GLUED_CLUE.finditer(text))
        found = {m.start(): m for m in (*_DATE.finditer(text), *glued) if m}
        out.extend(_written_date(text, found[at]) for at in sorted(found))
    return out


def _written_date(text: str, m: re.Match[str]) -> WrittenDate:
    """The :class:`WrittenDate` of ``m``, a date :data:`_DATE` found in ``text``,
    with the date-of-birth clue just before it if any."""
    g = m.groupdict()
    if g["d1"]:
        days = _days(g["d1"], int(g["m1"]), g["y1"])
    elif g["y2"]:
        days = _days(g["d2"], int(g["m2"]), g["y2"])
    elif g["d6"]:
        days = _days(g["d6"], int(g["m6"]), g["y6"])
    elif g.get("d7"):
        days = _days(g["d7"], int(g["m7"]), g["y7"])
    elif g.get("d8"):
        days = _days(g["d8"], int(g["m8"]), g["y8"])
    elif g["d3"]:
        days = _days(g["d3"], _month(g["n3"]), g["y3"])
    elif g["d5"]:
        days = _days(g["d5"], _month(g["n5"]), g["y5"])
    elif g["d4"]:
        days = _days(g["d4"], _month(g["n4"]), g["y4"])
    else:
        days = _days(g["d9"], _month(g["n9"]), g["y9"])
    before = max(0, m.start() - 40)
    clue = _BIRTH_CLUE.search(text[before : m.start()])
    with_clue = text[before + clue.start() : m.end()] if clue else None
    # "May 3 12 officers": a count after a date, unless its zero says a year
    loose = bool(g["n9"]) and not g["y9"].startswith("0") and clue is None
    return WrittenDate(m.group(0), days, clue is not None, with_clue, loose)


def withheld_dates(
    written: Sequence[WrittenDate],
    *,
    named_births: Iterable[dt.date],
    stored_births: Iterable[dt.date],
    today: dt.date,
) -> list[str]:
    """The words of each of ``written`` to withhold: after a date-of-birth
    clue (with the clue too, as one); the date of birth of a person the texts
    name (``named_births``); or a stored date of birth (``stored_births``) at
    least :data:`RECENT_DAYS` before ``today``.

    >>> ds = written_dates(["met 01/02/2024, DOB 5/6/07, 3 May 2001"])
    >>> withheld_dates(ds, named_births=[], stored_births=[dt.date(2001, 5, 3),
    ...     dt.date(2024, 2, 1)], today=dt.date(2025, 1, 1))
    ['DOB 5/6/07', '5/6/07', '3 May 2001']
    """
    named, stored = set(named_births), set(stored_births)
    old = today - dt.timedelta(days=RECENT_DAYS)
    return [
        words
        for d in written
        if d.after_clue
        or any(day in named for day in d.days)
        or (not d.loose and any(day in stored and day <= old for day in d.days))
        for words in ((d.with_clue, d.text) if d.with_clue else (d.text,))
    ]


def postcode_key(postcode: str) -> str:
    """A postcode as compared: upper case, no spaces.

    >>> postcode_key(" ls9  8ab")
    'LS98AB'
    """
    return "".join(postcode.split()).upper()


def written_postcodes(texts: Iterable[str | None]) -> list[WrittenPostcode]:
    """Each full postcode ``texts`` write (:class:`WrittenPostcode`).

    >>> [(p.text, p.key, p.doubtful) for p in written_postcodes(["LS9 8ab; Y7 2nd"])]
    [('LS9 8ab', 'LS98AB', False), ('Y7 2nd', 'Y72ND', True)]
    """
    return [
        WrittenPostcode(
            m.group(0), postcode_key(m.group(0)), bool(_DOUBTFUL_INWARD.fullmatch(m[2]))
        )
        for text in texts
        if text
        for m in _POSTCODE.finditer(text)
    ]


def postcodes_in_expr(address: pl.Expr) -> pl.Expr:
    """The :func:`postcode_key` of each postcode a stored address holds (a list)."""
    return address.str.extract_all(_POSTCODE_IN_ADDRESS).list.eval(
        pl.element().str.replace_all(r"\s+", "").str.to_uppercase()
    )


def _words_expr(text: pl.Expr) -> pl.Expr:
    """``text`` in lower case, apostrophes dropped, any other run of punctuation
    and space one space."""
    return (
        text.str.to_lowercase()
        .str.replace_all(r"['’]", "")
        .str.replace_all(r"[\W_]+", " ")
        .str.strip_chars()
    )


def address_key_expr(address: pl.Expr) -> pl.Expr:
    """Address words as compared, for a whole column: lower case, apostrophes
    dropped, any other run of punctuation and space one space, the usual
    abbreviations written out (``rd`` road, ``st`` street, ``ave`` avenue...),
    all at once (each word between spaces: a pass per abbreviation, or a
    look-up per word, took seconds for 200,000 stored addresses)."""
    spaced = pl.concat_str(pl.lit(" "), _words_expr(address), pl.lit(" "))
    short = [f" {k} " for k in _ADDRESS_WORDS]
    full = [f" {v} " for v in _ADDRESS_WORDS.values()]
    # twice: two abbreviations side by side share the space between them
    twice = spaced.str.replace_many(short, full).str.replace_many(short, full)
    return twice.str.strip_chars()


def address_key(address: str) -> str:
    """One address's key (:func:`address_key_expr`).

    >>> address_key("14, ACACIA Rd.") == address_key("14 acacia road")
    True
    """
    return str(pl.select(address_key_expr(pl.lit(address))).item())


def street_lines(addresses: pl.Series) -> pl.Series:
    """The :func:`address_key` of each stored address's street line: its first
    part (between commas, semicolons or new lines) that starts with a house
    number, else its first part if of two words or more, without a postcode,
    and up to the kind of street (``14 Acacia Road Leeds`` gives ``14 acacia
    road``; the first kind after a word of the street's name: ``5 St Anne's
    Road`` gives ``5 street annes road``, ``7 Green Lane`` ``7 green lane``).
    Null for an address with no such part. Step by step, each over the whole
    column once.

    >>> street_lines(pl.Series(["Flat 2, 7 Mill Ln Leeds LS6 1AA", "Leeds"])).to_list()
    ['7 mill lane', None]
    """
    plain = addresses.str.replace_all(_POSTCODE_IN_ADDRESS, "")
    frame = pl.DataFrame({"plain": plain}).select(
        pl.coalesce(
            pl.col("plain").str.extract(
                r"(?:^|[,;\n])\s*(\d+[A-Za-z]?(?-u:\b)[^,;\n]*)", 1
            ),
            pl.col("plain").str.extract(r"^\s*([^,;\n]*)", 1),
        ).alias("line")
    )
    line = frame.select(address_key_expr(pl.col("line")).alias("line"))["line"]
    line = line.set(~line.str.contains(" ").fill_null(value=False), None)
    kinds = "|".join(_STREET_KINDS)
    # a kind of street after a word of the street's own (``5 st annes road``
    # is cut at ``road``, not at ``st``); else at the first kind
    named = line.str.extract(rf"^(\S+ \S+.*? (?:{kinds}))(?: |$)", 1)
    cut = named.fill_null(line.str.extract(rf"^(.*? (?:{kinds}))(?: |$)", 1))
    return cut.fill_null(line).alias("line")


def address_lines(addresses: pl.Series) -> pl.Series:
    """The keys (:func:`address_key`) each stored address may be written by,
    a list per address: its :func:`street_lines`; the street line from its
    last house number, where words come before it with no comma (``Flat 2 14
    Acacia Road Leeds`` gives ``14 acacia road`` too); and a house's name, its
    first words with no number up to a house's kind (``Rose Cottage Mill Lane
    Leeds`` gives ``rose cottage``; :data:`_HOUSE_KINDS`); and a house's name
    of one word before its street (``Bramleys, Church Lane`` gives ``bramleys
    church lane``: :func:`_named_house_lines`). Each over the whole column at
    once.

    >>> address_lines(pl.Series(["Flat 2 14 Acacia Rd Leeds", "Rose Cottage Leeds"])).to_list()
    [['flat 2 14 acacia road', '14 acacia road'], ['rose cottage leeds', 'rose cottage']]
    """
    plain = addresses.str.replace_all(_POSTCODE_IN_ADDRESS, "")
    keyed = pl.DataFrame({"plain": plain}).select(
        address_key_expr(pl.col("plain")).alias("key")
    )["key"]
    kinds = "|".join(_STREET_KINDS)
    houses = "|".join(_HOUSE_KINDS)
    numbered = keyed.str.extract(
        rf"(?:^| )(\d+[a-z]? (?:[^\d ]+ )+?(?:{kinds}))(?: |$)", 1
    )
    house = keyed.str.extract(rf"^((?:[^\d ]+ )+?(?:{houses}))(?: |$)", 1)
    return pl.DataFrame(
        {
            "line": street_lines(addresses),
            "numbered": numbered,
            "house": house,
            "named": _named_house_lines(plain),
        }
    ).select(
        pl.concat_list("line", "numbered", "house", "named")
        .list.drop_nulls()
        .list.unique(maintain_order=True)
        .alias("lines")
    )["lines"]


def _named_house_lines(plain: pl.Series) -> pl.Series:
    """The key of each address that starts with a house's name of one word
    and no kind of house, then a part that is a street (``Bramleys, Church
    Lane, Leeds`` gives ``bramleys church lane``): the name and the street,
    up to the street's kind (a street of one word, ``Bramleys, Leeds``, gives
    none: a word alone, ``Bramleys``, is as often an ordinary word; nor does
    a kind that also names an area, ``Leeds, Hyde Park``:
    :data:`_AREA_KINDS`). Null for another address; over the whole column at
    once."""
    parts = pl.DataFrame({"plain": plain}).select(
        pl.col("plain")
        .str.extract(r"^\s*([^\d\s,;]+\s*[,;\n]\s*[^\d\s,;][^,;\n]*)", 1)
        .alias("named")
    )
    keyed = parts.select(address_key_expr(pl.col("named")).alias("named"))["named"]
    kinds = "|".join(k for k in _STREET_KINDS if k not in _AREA_KINDS)
    return keyed.str.extract(rf"^(\S+ (?:\S+ )+?(?:{kinds}))(?: |$)", 1)


def address_candidates(texts: Iterable[str | None]) -> dict[str, list[str]]:
    """The runs of two to :data:`_MAX_LINE_WORDS` words of ``texts`` that may be
    a street line, by their :func:`address_key` (keyed at once), as written:
    those starting with a word holding a digit (a house number), and those of
    capitalised words (a house's name: ``Rose Cottage``).

    >>> address_candidates(["at 14, Acacia Rd. by Rose Cottage"])["14 acacia road"]
    ['14, Acacia Rd']
    >>> sorted(address_candidates(["by Rose Cottage"]))
    ['rose cottage']
    """
    runs: set[str] = set()
    for text in texts:
        if not text:
            continue
        words = [
            (m.start(), m.end(), m.group(0))
            for m in re.finditer(r"[^\W_]+(?:['’][^\W_]+)*", text)
        ]
        for i, (start, _, first) in enumerate(words):
            numbered = any(ch.isdigit() for ch in first)
            runs.update(_named_runs(text, words[i : i + _MAX_LOWER_WORDS]))
            if not numbered and not first[0].isupper():
                continue
            for _, end, word in words[i + 1 : i + _MAX_LINE_WORDS]:
                if not numbered and not word[0].isupper():
                    break
                runs.add(text[start:end])
    if not runs:
        return {}
    frame = pl.DataFrame({"text": sorted(runs)}).with_columns(
        address_key_expr(pl.col("text")).alias("key")
    )
    out: dict[str, list[str]] = {}
    for key, text in zip(frame["key"].to_list(), frame["text"].to_list(), strict=True):
        out.setdefault(key, []).append(text)
    return out


def _named_runs(text: str, words: Sequence[tuple[int, int, str]]) -> set[str]:
    """The runs of ``words`` (from the first) of two words or more, in any
    case, that end at a kind of street or house (``rose cottage``, ``acacia
    rd``, ``the old barn``), with a word of a name before it, words apart by
    spaces only: none a number or a word no such name holds
    (:data:`_NOT_A_NAME`; ``the`` first only)."""
    kinds = {*_STREET_KINDS, *_HOUSE_KINDS, *_ADDRESS_WORDS}
    out: set[str] = set()
    named = False
    for n in range(1, len(words)):
        word = words[n - 1][2].lower()
        if (
            (word in _NOT_A_NAME and not (n == 1 and word == "the"))
            or any(ch.isdigit() for ch in word)
            or text[words[n - 1][1] : words[n][0]].strip()
        ):
            break
        named = named or (word != "the" and word not in kinds)
        if named and words[n][2].lower() in kinds:
            out.add(text[words[0][0] : words[n][1]])
    return out


def address_clues(keys: Iterable[str]) -> list[str]:
    """Words a stored address must hold (lower-cased, without apostrophes:
    :func:`address_clue_text`) for its street line to be one of ``keys``: each
    key's longest word that is no number, no kind of street or house, not
    ``the``, and of three letters or more, without a last ``s`` (``mary`` for ``7 street marys road``: the
    address may write ``Mary's``); a key of two words or more without one but
    with a kind of street (``7 green lane``, ``9 park road``, ``2 ox lane``) its
    first kind, as written out and abbreviated (``park``, ``pk``); none for
    another (``2 a``, ``3 in``: every address holds an ``a``; ``2 street``: no
    street line is a number and one kind of street but one cut at it, ``5 mount``
    of ``5 Mount Pleasant``, found by the text's longer run). A filter the store's
    addresses pass before they are keyed: keying each of 200,000 took 1.2 to
    2.5 s a page.

    >>> address_clues(["14 acacia road", "7 street marys road", "2 road", "2 a week"])
    ['acacia', 'mary', 'week']
    """
    kinds = {*_ADDRESS_WORDS.values(), *_STREET_KINDS, *_HOUSE_KINDS}
    out: set[str] = set()
    for key in keys:
        words = [w for w in key.split() if not any(c.isdigit() for c in w)]
        named = [w for w in words if w not in kinds and len(w) >= 3 and w != "the"]
        kind = next((w for w in words if w in kinds), None)
        if named:
            word = max(named, key=len)
            out.add(word[:-1] if word.endswith("s") else word)
        elif kind and len(words) > 1:
            out.add(kind)
            out.update(k for k, v in _ADDRESS_WORDS.items() if v == kind)
    return sorted(out)


def address_clue_text(address: pl.Expr) -> pl.Expr:
    """A stored address as :func:`address_clues` are looked for in it: lower
    case, apostrophes dropped (``O'Neill`` holds ``oneill``)."""
    return address.str.to_lowercase().str.replace_all(r"['’]", "")
