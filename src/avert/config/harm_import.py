"""Import the official Cambridge Crime Harm Index spreadsheet as an avert harm table.

The Cambridge Centre for Evidence-Based Policing publishes the CCHI as an xlsx workbook
whose sheet ``CCHI 2026 values sheet`` has one row per Home Office offence classification
(and ATHENA URN) with its CCHI value in days. A force that holds it can turn it into a
harm TOML with :func:`import_cchi_workbook` (``avert harm import PATH``) and use that
table through the ``harm_table`` setting.

How rows become avert codes: the classification code of a row (``046/01``, ``8N``,
``105A``, ``4/04`` ...) is matched to a code of the packaged table, in this order: the
code itself or an alias (``8N``); ``N/SS`` as the decimal code ``N.S`` (``4/04`` ->
``4.4``, ``37/01`` -> ``37.1``); ``N/SS`` as the only packaged code numbered ``N``
(``046/01`` -> ``46``). A packaged code matched by several rows takes their median (the
reason lists the rows' range). Rows that match no packaged code are kept as codes of
their own (with ``policeuk_published = false`` so that the police.uk category mix is
unchanged); packaged codes the workbook does not cover keep their packaged weight and
say so in their source. The TOML records the workbook's file name and SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from avert.config._toml import toml_value
from avert.config.choices import CCHI_SHEET
from avert.config.definitions import (
    HarmCode,
    HarmTable,
    _code_sort_key,
    code_key,
    load_harm,
)
from avert.errors import ConfigError

__all__ = [
    "CCHI_SHEET",
    "CchiRow",
    "ImportReport",
    "import_cchi_workbook",
    "read_cchi_rows",
]

_HEADER_SCAN_ROWS: Final = 30
_SLASH = re.compile(r"^0*(\d+)\s*/\s*0*(\d+)$")
_DECIMAL = re.compile(r"^\d+\.\d+$")
_MATCHING: Final = (
    "a row matches a packaged code by the code or alias itself, N/SS as N.S, or N/SS "
    "as the only packaged code numbered N; several rows: their median; rows matching "
    "no code are codes of their own (policeuk_published = false)"
)


@dataclass(frozen=True)
class CchiRow:
    """One classification row of the workbook."""

    code: str
    title: str
    days: float
    line: int


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the TOML written and how the rows matched."""

    path: Path
    source_file: str
    sha256: str
    rows: int
    matched_codes: int
    own_codes: int
    unmatched_packaged: tuple[str, ...]


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


def _code_score(name: str) -> int:
    """How surely a header names the Home Office classification code (0 = not)."""
    if not name or "athena" in name or "urn" in name:
        return 0
    words = set(re.split(r"[^a-z0-9]+", name))
    if "code" in words and ({"ho", "hocr", "home"} & words or "home office" in name):
        return 3
    if name in {"offence code", "classification code", "crime code"}:
        return 2
    if "classification" in words and not {"title", "description", "name"} & words:
        return 1
    return 0


def _days_score(name: str) -> int:
    """How surely a header names the CCHI value in days (0 = not)."""
    if not name or "code" in name:
        return 0
    if "cchi" in name and ("day" in name or "value" in name):
        return 3
    if "day" in name:
        return 2
    if "cchi" in name:
        return 1
    return 0


def _find_columns(
    header: list[object],
    code_column: str | None = None,
    days_column: str | None = None,
) -> tuple[int, int, int | None] | None:
    """Indices of the code, days and (optional) title columns of a header row.

    Named columns (``code_column``, ``days_column``; case and spacing ignored) win;
    otherwise the header that most surely names each is taken.
    """
    names = [_norm(h) for h in header]

    def best(score: Callable[[str], int], wanted: str | None) -> int | None:
        if wanted is not None:
            key = _norm(wanted)
            return names.index(key) if key in names else None
        scored = [(score(n), -i) for i, n in enumerate(names) if score(n) > 0]
        return -max(scored)[1] if scored else None

    code_col = best(_code_score, code_column)
    days_col = best(_days_score, days_column)
    if code_col is None or days_col is None or code_col == days_col:
        return None
    title_col = next(
        (
            i
            for i, n in enumerate(names)
            if i not in (code_col, days_col)
            and "athena" not in n
            and any(w in n for w in ("offence", "title", "description", "name"))
        ),
        None,
    )
    return code_col, days_col, title_col


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_cchi_rows(
    path: Path,
    sheet: str = CCHI_SHEET,
    *,
    code_column: str | None = None,
    days_column: str | None = None,
) -> list[CchiRow]:
    """Rows of the CCHI sheet: Home Office classification code, title and CCHI days.

    The header row is found in the first rows of the sheet by its column names (a code
    column naming the Home Office classification, a value column naming CCHI or days).
    ``code_column`` and ``days_column`` name the header cells when the guess would be
    wrong. Rows without a classification code (ATHENA-only rows) or without a numeric
    value are skipped.

    Raises
    ------
    ConfigError
        When the file is not a readable workbook, has no such sheet, or no header row.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a bad file
        msg = f"{path}: not a readable xlsx workbook ({err})"
        raise ConfigError(msg) from err
    try:
        names = {n.strip().lower(): n for n in book.sheetnames}
        if sheet.strip().lower() not in names:
            msg = f"{path}: no sheet {sheet!r}; the workbook has {book.sheetnames}"
            raise ConfigError(msg)
        ws = book[names[sheet.strip().lower()]]
        rows = ws.iter_rows(values_only=True)
        columns = None
        line = 0
        for line, row in enumerate(rows, start=1):
            columns = _find_columns(list(row), code_column, days_column)
            if columns is not None or line >= _HEADER_SCAN_ROWS:
                break
        if columns is None:
            msg = (
                f"{path}: sheet {sheet!r} has no header row naming a Home Office "
                "classification code column and a CCHI days column "
                f"in its first {_HEADER_SCAN_ROWS} rows"
            )
            raise ConfigError(msg)
        code_col, days_col, title_col = columns
        out: list[CchiRow] = []
        for line_no, row in enumerate(rows, start=line + 1):
            if code_col >= len(row) or days_col >= len(row):
                continue
            code, days = row[code_col], row[days_col]
            if code is None or not _code_text(code):
                continue
            if isinstance(days, str):
                try:
                    days = float(days.replace(",", ""))
                except ValueError:
                    continue
            if not isinstance(days, int | float) or isinstance(days, bool) or days < 0:
                continue
            title = (
                str(row[title_col] or "")
                if title_col is not None and title_col < len(row)
                else ""
            )
            out.append(CchiRow(_code_text(code), title.strip(), float(days), line_no))
        return out
    finally:
        book.close()


def _match(code: str, harm: HarmTable, by_number: dict[int, list[str]]) -> str | None:
    lookup = harm.code_lookup
    key = code.strip().upper()
    if code_key(key) in lookup:
        return lookup[code_key(key)]
    m = _SLASH.match(key)
    if m is None:
        return None
    number, sub = int(m.group(1)), int(m.group(2))
    decimal = f"{number}.{sub}"
    if decimal in lookup:
        return lookup[decimal]
    candidates = by_number.get(number, [])
    return candidates[0] if len(candidates) == 1 else None


def _leading_number(code: str) -> int | None:
    digits, _ = _code_sort_key(code)
    return digits if digits != 10_000 else None


def _fmt(days: float) -> str:
    return f"{days:g}"


def _median_reason(values: list[float]) -> dict[str, Any]:
    if min(values) == max(values):
        return {}
    return {
        "reason": f"median of {len(values)} CCHI rows ranging "
        f"{_fmt(min(values))}-{_fmt(max(values))} days"
    }


def _by_number(base: HarmTable) -> dict[int, list[str]]:
    """Packaged codes by their leading number (decimal codes left out)."""
    by_number: dict[int, list[str]] = {}
    for code in base.codes:
        n = _leading_number(code)
        if n is not None and not _DECIMAL.match(code):
            by_number.setdefault(n, []).append(code)
    return by_number


def _match_rows(
    rows: list[CchiRow], base: HarmTable, by_number: dict[int, list[str]]
) -> tuple[dict[str, list[CchiRow]], dict[str, list[CchiRow]]]:
    """Rows per matched packaged code, and rows per code of their own."""
    matched: dict[str, list[CchiRow]] = {}
    own: dict[str, list[CchiRow]] = {}
    names: dict[str, str] = {}  # code_key -> the first spelling, so "8/1" is "008/01"
    for row in rows:
        canon = _match(row.code, base, by_number)
        if canon is None:
            name = names.setdefault(code_key(row.code), row.code.upper())
            own.setdefault(name, []).append(row)
        else:
            matched.setdefault(canon, []).append(row)
    return matched, own


def _head_lines(
    workbook: Path, sheet: str, digest: str, summary: str, base: HarmTable
) -> list[str]:
    """The file comment, ``[table]``, ``[method]`` and ``[policeuk_unweighted]``."""
    src = f"{workbook.name} (sha256 {digest})"
    lines = [
        f"# Harm table imported by `avert harm import` from {workbook.name}, sheet {sheet!r}.",
        "# Use it with the harm_table setting (AVERT_HARM_TABLE) or --harm FILE.",
        "",
        "[table]",
        f"title = {toml_value(f'Cambridge Crime Harm Index values from {workbook.name}')}",
        f"source_file = {toml_value(workbook.name)}",
        f"source_sha256 = {toml_value(digest)}",
        f"imported = {toml_value(summary)}",
        "",
        "[method]",
        'scale = "cchi"',
        'unit = "days"',
        f"source = {toml_value('CCHI values per Home Office classification from ' + src)}",
        f"matching = {toml_value(_MATCHING)}",
    ]
    if "national_mix" in base.method:
        lines.append(f"national_mix = {toml_value(base.method['national_mix'])}")
    if base.unweighted:
        lines += ["", "[policeuk_unweighted]"]
        lines += [
            f"{toml_value(k)} = {toml_value(v)}" for k, v in base.unweighted.items()
        ]
    return lines


def _packaged_fields(
    entry: HarmCode, hits: list[CchiRow] | None, src: str, workbook: str
) -> dict[str, Any]:
    """The TOML keys of a packaged code: the workbook's median, or the packaged weight."""
    fields: dict[str, Any] = {
        "description": entry.description,
        "offence_group": entry.offence_group,
        "offence_subgroup": entry.offence_subgroup,
        "policeuk_category": entry.policeuk_category,
        "national_count": entry.national_count,
    }
    if entry.aliases:
        fields["aliases"] = list(entry.aliases)
    if not entry.policeuk_published:
        fields["policeuk_published"] = False
    if not hits:
        fields["days"] = entry.days
        fields["derived"] = entry.derived
        fields["source"] = f"not in {workbook}: packaged avert weight ({entry.source})"
        if entry.reason:
            fields["reason"] = entry.reason
        return fields
    values = [h.days for h in hits]
    listed = "; ".join(f"{h.code} {h.title}".strip() for h in hits[:6])
    more = f" and {len(hits) - 6} more" if len(hits) > 6 else ""
    fields["days"] = float(statistics.median(values))
    fields["derived"] = False
    fields["source"] = f"CCHI value from {src}, row(s) {listed}{more}"
    return fields | _median_reason(values)


def _own_fields(
    code: str,
    hits: list[CchiRow],
    base: HarmTable,
    by_number: dict[int, list[str]],
    src: str,
) -> dict[str, Any]:
    """The TOML keys of a workbook code that matches no packaged code."""
    values = [h.days for h in hits]
    number = _leading_number(code)
    sibling = by_number.get(number, []) if number is not None else []
    parent = base.codes[sibling[0]] if sibling else None
    fields: dict[str, Any] = {
        "description": hits[0].title or code,
        "offence_group": parent.offence_group if parent else "",
        "offence_subgroup": parent.offence_subgroup if parent else "",
        "policeuk_category": parent.policeuk_category if parent else "Other crime",
        "policeuk_published": False,
        "days": float(statistics.median(values)),
        "derived": False,
        "source": f"CCHI value from {src}, line {hits[0].line}",
    }
    return fields | _median_reason(values)


def _code_lines(code: str, fields: dict[str, Any]) -> list[str]:
    return ["", f"[codes.{toml_value(code)}]"] + [
        f"{k} = {toml_value(v)}" for k, v in fields.items()
    ]


def import_cchi_workbook(
    workbook: Path,
    out: Path,
    *,
    sheet: str = CCHI_SHEET,
    base: HarmTable | None = None,
    code_column: str | None = None,
    days_column: str | None = None,
) -> ImportReport:
    """Write a harm TOML from the Cambridge CCHI workbook.

    Parameters
    ----------
    workbook
        The official xlsx file.
    out
        The harm TOML to write (refused if it exists).
    sheet
        Sheet name (default ``CCHI 2026 values sheet``).
    code_column, days_column
        Header cells of the classification code and of the CCHI days, when the
        guess from the header row would be wrong.
    base
        Table whose codes, descriptions, police.uk categories and national counts are
        kept (default: the packaged table).

    Returns
    -------
    ImportReport
        Counts of rows and codes; the written TOML loads with :func:`load_harm`.
    """
    if out.exists():
        msg = f"{out} exists: give another --out or remove it first"
        raise ConfigError(msg)
    base = base if base is not None else load_harm()
    digest = hashlib.sha256(workbook.read_bytes()).hexdigest()
    rows = read_cchi_rows(
        workbook, sheet, code_column=code_column, days_column=days_column
    )
    if not rows:
        msg = f"{workbook}: sheet {sheet!r} has no rows with a classification code and CCHI days"
        raise ConfigError(msg)
    by_number = _by_number(base)
    matched, own = _match_rows(rows, base, by_number)
    src = f"{workbook.name} (sha256 {digest})"
    summary = (
        f"{len(rows)} rows of sheet {sheet!r}; {len(matched)} packaged codes matched, "
        f"{len(own)} own codes"
    )
    lines = _head_lines(workbook, sheet, digest, summary, base)
    for code in sorted(base.codes, key=_code_sort_key):
        fields = _packaged_fields(
            base.codes[code], matched.get(code), src, workbook.name
        )
        lines += _code_lines(code, fields)
    for code in sorted(own, key=_code_sort_key):
        lines += _code_lines(code, _own_fields(code, own[code], base, by_number, src))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_harm(out)  # the written table must load
    return ImportReport(
        path=out,
        source_file=workbook.name,
        sha256=digest,
        rows=len(rows),
        matched_codes=len(matched),
        own_codes=len(own),
        unmatched_packaged=tuple(
            sorted(set(base.codes) - set(matched), key=_code_sort_key)
        ),
    )
