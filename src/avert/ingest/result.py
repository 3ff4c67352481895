"""What a parser returns for one file, and what a load reports for it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import polars as pl

from avert.ingest.limits import Refused

__all__ = [
    "PROBLEM_SCHEMA",
    "REFUSED",
    "FileReport",
    "Parsed",
    "Reference",
    "join_notes",
    "problems_frame",
    "refused",
    "refused_before_first",
]

#: kind of a file refused as a whole (a limit, unreadable, a parser failure)
REFUSED: Final = "refused"

#: Columns of a problem frame (one row per rejected or conflicting input row).
PROBLEM_SCHEMA: Final = pl.Schema(
    [
        ("line", pl.Int64()),
        ("column", pl.String()),
        ("reason", pl.String()),
        ("raw", pl.String()),
        ("kind", pl.String()),
        ("target_table", pl.String()),
    ]
)


class Reference(NamedTuple):
    """A column whose value names a row of another table (its one-column key).

    A load rejects a row whose value is neither accepted in the load nor stored.
    ``where`` (column, value) limits the rule to the rows whose ``column`` holds
    ``value`` (an intelligence ``subject_id`` names a person only when its
    ``subject_type`` is ``person``); None: every row. A missing value names
    nothing and is not checked.

    ``implied``: None, or the ``source`` (the bundle manifest's) of a row of its key
    alone that a value absent from ``table`` adds there, instead of rejecting the
    row that names it (a bundle without the optional people or groups file:
    FORMATS.md lets it name people it does not list).
    """

    column: str
    table: str
    where: tuple[str, str] | None = None
    implied: str | None = None


#: how a note may already end a sentence
_SENTENCE_ENDS: Final = (".", "!", "?", ".)")


def join_notes(*notes: str | None) -> str | None:
    """The notes given as one text, each a sentence of its own (None: none).

    Notes are written to stand alone after a file's name (``file: note``), so most
    start in lower case and some have no full stop; joined with a bare space they
    ran into one another ("...accented letters and symbols 1,392 data rows read
    give..."). When there are two or more, each ends with a full stop and each
    after the first starts with a capital; a note given alone is left as it is, and
    a note the text already says (a file read in parts says it in each) is left out.

    >>> join_notes("read as Latin-1: check its symbols", None, "4 rows read give 3.")
    'read as Latin-1: check its symbols. 4 rows read give 3.'
    >>> join_notes("empty file"), join_notes(None, ""), join_notes("a b.", "a b")
    ('empty file', None, 'a b.')
    """
    given: list[str] = []
    for note in notes:
        note = (note or "").strip()
        if note and not any(_said_in(note, n) for n in given):
            given.append(note)
    if len(given) < 2:
        return given[0] if given else None
    sentences = [n if n.endswith(_SENTENCE_ENDS) else f"{n}." for n in given]
    return " ".join([sentences[0], *(n[0].upper() + n[1:] for n in sentences[1:])])


def _said_in(note: str, text: str) -> bool:
    """Whether ``text`` already says ``note`` (case and its full stop aside)."""
    return note.removesuffix(".").lower() in text.lower()


def problems_frame(
    rows: list[tuple[int, str | None, str, str | None, str, str | None]] | None = None,
) -> pl.DataFrame:
    """Build a problem frame from a few literal rows (file-level problems)."""
    return pl.DataFrame(rows or [], schema=PROBLEM_SCHEMA, orient="row")


@dataclass
class Parsed:
    """One input file after parsing, before it meets the store.

    Attributes
    ----------
    file
        The file as given (``archive.zip!member`` for zip members).
    sha256
        Digest of the file's bytes.
    kind
        Detected kind, e.g. ``policeuk-street`` or ``bundle-incidents``.
    rows
        Data rows read (non-blank physical lines after the header; records for JSON).
        A population file counts the population rows it gives instead (a wide
        file's line is many; a census file's finer groups are summed, and area
        totals added): what its report balances (loaded + quarantined +
        duplicates); ``note`` says how many data rows were read.
    frames
        Canonical frames per table; each carries ``source_line``.
    problems
        Rejected rows (schema :data:`PROBLEM_SCHEMA`), one row per input row.
    note
        What the file's report should say beside its counts (None: nothing).
    """

    file: str
    sha256: str
    kind: str
    rows: int
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: pl.DataFrame = field(default_factory=problems_frame)
    note: str | None = None


def refused(name: str, err: BaseException, *, target: str | None = None) -> Parsed:
    """A file refused as a whole: no rows, one problem at line 0 naming the reason.

    ``err`` is what stopped it: avert's own refusals (limits, unreadable files) give
    their message; anything else (a parser failure on odd input) is named with its
    type, so that it can be reported and fixed, and the load goes on.
    """
    from avert.errors import AvertError

    why = str(err) if isinstance(err, AvertError) else f"{type(err).__name__}: {err}"
    why = why.replace("\x00", "\ufffd")[:2000] or type(err).__name__
    if not why.startswith("not read"):
        why = f"not read: {why}"
    return Parsed(
        name,
        "",
        REFUSED,
        0,
        problems=problems_frame([(0, None, why, None, "rejected", target)]),
    )


def refused_before_first(
    parts: Iterable[Parsed],
    name: str,
    *,
    target: str | None = None,
    raising: tuple[type[BaseException], ...] = (),
) -> Iterator[Parsed]:
    """The ``parts`` of one file, a failure before the first of them as one refusal.

    A file that cannot be read at all (over a limit, unreadable, not text, a parser
    failure, also a Polars panic, which is a ``BaseException``) is one
    :func:`refused` part naming the reason (with ``target``), so that one odd file
    never sinks a load. A failure after a part was handed on is raised: that part
    may already be written, and only the whole load's rollback undoes it. An
    interrupt (and the consumer closing the generator) is always raised, and so is
    an error of a type in ``raising`` that is not a :class:`Refused`.
    """
    started = False
    try:
        for parsed in parts:
            started = True
            yield parsed
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as err:
        if started or (isinstance(err, raising) and not isinstance(err, Refused)):
            raise
        yield refused(name, err, target=target)


@dataclass
class FileReport:
    """What happened to one file: ``rows == loaded + quarantined + duplicates``.

    ``quarantined`` counts rows rejected (``kind='rejected'``); ``duplicates`` counts
    rows whose key was already present (in the same file, an earlier file of the load
    or the database). Duplicates whose fields differ are also written to the
    quarantine table with ``kind='duplicate'`` and counted in ``conflicts``.
    ``replaced`` counts stored stops of the file's force-month that a load with
    ``replace_months`` deleted because this file no longer holds them (None: the
    load was not asked to, or the file names no force-month); they are not rows of
    this file, so they are outside the balance. For an incident table loaded with
    ``replace_files``, ``replaced`` counts the stored incidents of its earlier loads
    replaced or removed, and ``replacement`` gives the counts (replaced, added,
    removed, unchanged, quarantine_removed).
    """

    file: str
    kind: str
    rows: int
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    conflicts: int = 0
    sha256: str = ""
    note: str | None = None
    #: why the file as a whole was refused or not read as data (None: it was read)
    error: str | None = None
    #: stored stops of the file's force-month deleted because it no longer holds them
    replaced: int | None = None
    #: an incident table's replaced earlier loads (``replace_files``): the counts
    replacement: dict[str, int] | None = None

    @property
    def balanced(self) -> bool:
        """True when every row is accounted for."""
        return self.rows == self.loaded + self.quarantined + self.duplicates

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON object: file, kind, rows, loaded, quarantined, duplicates,
        conflicts (and ``replaced``, ``note``, ``error`` when they apply)."""
        out: dict[str, Any] = {
            "file": self.file,
            "kind": self.kind,
            "rows": self.rows,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
        }
        if self.replaced is not None:
            out["replaced"] = self.replaced
        if self.replacement is not None:
            out["replacement"] = dict(self.replacement)
        if self.note:
            out["note"] = self.note
        if self.error:
            out["error"] = self.error
        return out
