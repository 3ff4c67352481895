"""Parse population, confidence-survey and area-centroid files into canonical frames.

Accepted population layouts (detected from the header; ``docs/performance.md``):

``census-lsoa-ethnicity-wide``
    One row per area with a total column (``persons``, ``all``, ``total``) and count
    columns named after census ethnic groups (``WhiteBrit``, ``Irish``,
    ``GypsyTraveller``, ``OtherWhite``, ``Mixed``, ``Indian``, ``Pakistani``,
    ``Bangladeshi``, ``Chinese``, ``OtherAsian``, ``BlkAfrican``, ``BlkCaribbean``,
    ``OtherBlk``, ``Arab``, ``Other``), e.g. the 2011 Census by LSOA (ONS, via MLID).
    Groups are summed into the five top-level groups.
``ons-custom-long``
    An ONS "create a custom dataset" download: ``<Geography> Code``, ``<Geography>``,
    dimension pairs (``Sex ... Code``, ``Age ... Code``, ``Ethnic group ... Code``)
    and ``Observation``. Single years of age become bands ``A-A`` (``90+`` for the
    open top); an area total (``all`` everywhere) is added when absent.
``ons-mid-year-wide``
    ONS small-area mid-year estimates: an area code column (``LSOA11CD`` ...),
    optional ``...NM`` name and ``LAD..NM`` parent, and ``Persons_|Males_|Females_``
    columns for ``All-Ages`` and bands ``A-B`` / ``A+``.
``simple``
    ``area`` and ``population`` with optional ``year``, ``sex``, ``age_band``,
    ``ethnicity``, ``area_name``, ``area_type``, ``parent_area`` (any other header
    names mapped with ``mapping={"area": "LSOA21CD", "population": "Total"}``).

The year comes from the ``year`` argument, else a ``year`` column, else the first
four-digit 19xx/20xx number in the file name. A row with no area or a population that
is not a non-negative whole number is rejected with its line and column (a wide row
is rejected whole). ``Parsed.rows`` counts population records (a wide line gives one
per cell), plus one per rejected line, so a load balances.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from avert.errors import IngestError
from avert.ingest._csv import decode, encoding_note
from avert.ingest._rows import Check, csv_row_text, split_rows
from avert.ingest.result import PROBLEM_SCHEMA, Parsed, join_notes, problems_frame
from avert.schema import AREA_CENTROIDS, CONFIDENCE_SURVEY, POPULATIONS, TableSpec

__all__ = [
    "ETHNIC_COLUMNS",
    "detect_layout",
    "parse_centroids",
    "parse_confidence",
    "parse_population",
]

#: census ethnic-group column names (lower case) -> top-level group
ETHNIC_COLUMNS: Final[dict[str, str]] = {
    "whitebrit": "White",
    "irish": "White",
    "gypsytraveller": "White",
    "otherwhite": "White",
    "white": "White",
    "mixed": "Mixed",
    "indian": "Asian",
    "pakistani": "Asian",
    "bangladeshi": "Asian",
    "chinese": "Asian",
    "otherasian": "Asian",
    "asian": "Asian",
    "blkafrican": "Black",
    "blkcaribbean": "Black",
    "otherblk": "Black",
    "black": "Black",
    "arab": "Other",
    "other": "Other",
}
_TOTAL_NAMES: Final = ("persons", "all", "total", "all_persons", "population")
_MIDYEAR_RE: Final = re.compile(r"^(Persons|Males|Females)_(All-Ages|\d+-\d+|\d+\+)$")
_SEX_PREFIX: Final = {"Persons": "all", "Males": "M", "Females": "F"}
_YEAR_RE: Final = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_AREA_CODE_RE: Final = re.compile(
    r"^(LSOA|MSOA|LAD|LA|UTLA|LTLA|OA|WD|RGN)\d*CD$", re.I
)


#: Why a row with a NUL byte is rejected (as a bundle's Parquet cell is).
_NUL_REASON: Final = "NUL byte in the value (a database cannot store it)"


def _nul_checks(columns: list[str]) -> list[Check]:
    """A check per column: a value holding a NUL byte (U+0000) is rejected.

    PostgreSQL cannot store one in text ("invalid byte sequence for encoding
    UTF8: 0x00"): without the check one such cell stopped the whole load there
    with a traceback, while SQLite loaded it.
    """
    return [
        (
            pl.lit(c),
            pl.when(pl.col(c).str.contains("\x00", literal=True)).then(
                pl.lit(_NUL_REASON)
            ),
        )
        for c in columns
    ]


def _folder_given(path: Path) -> IngestError:
    """The error for a folder given where a file is wanted, naming the CSV files in
    it (a data folder holds one or two beside its README)."""
    names = sorted(p.name for p in path.iterdir() if p.suffix.lower() == ".csv")
    if not names:
        return IngestError(
            f"Cannot read {path}: it is a folder with no CSV file in it."
        )
    more = f" and {len(names) - 10:,} more" if len(names) > 10 else ""
    shown = ", ".join(names[:10]) + more
    return IngestError(
        f"Cannot read {path}: it is a folder: give a file in it ({shown})."
    )


def _read(path: Path) -> tuple[pl.DataFrame, str, str | None]:
    """The file's records (``_line``: the physical line each starts on), its
    digest, and the report's note of the encoding read (None: UTF-8, a byte order
    mark dropped), else cp1252 or latin-1, or UTF-8 but for lines read as latin-1
    (:func:`~avert.ingest._csv.decode`; a latin-1 census file naming "Ynys Môn"
    was refused, "invalid utf-8 sequence"; a mostly UTF-8 file's other lines were
    read as latin-1 without a word)."""
    if path.is_dir():
        raise _folder_given(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        msg = f"Cannot read {path}: {err}"
        raise IngestError(msg) from err
    digest = hashlib.sha256(data).hexdigest()
    data, encoding, latin1_lines = decode(data)
    try:
        frame = pl.read_csv(data, infer_schema=False, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError as err:
        msg = f"{path} is not a readable CSV: {err}"
        raise IngestError(msg) from err
    # a quoted header field may hold line breaks too: the header's own lines
    header_lines = 1 + sum(c.count("\n") for c in frame.columns)
    frame = frame.rename({c: c.strip() for c in frame.columns})
    lines = _first_lines(frame, quoted=b'"' in data, header_lines=header_lines)
    note = encoding_note(encoding, latin1_lines=latin1_lines)
    frame = frame.with_columns(lines)
    blank = _blank_line_numbers(data)
    if blank.size:  # Polars reads a blank line as a record of nulls
        frame = frame.filter(~pl.col("_line").is_in(pl.Series(blank.tolist())))
    return frame, digest, note


def _blank_line_numbers(data: bytes) -> np.ndarray:
    """The 1-based numbers of the empty physical lines of ``data`` (nothing but a
    line end, CR LF or LF): not records, as the bundle and police.uk readers skip
    them (:func:`avert.ingest._csv.read_csv`: "blank lines are neither rows nor
    problems"). A line of only commas is a record (of blank cells), as there."""
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = ends - starts
    has_cr = (length > 0) & (arr[np.maximum(ends - 1, 0)] == ord("\r"))
    return np.flatnonzero(length - has_cr == 0) + 1


def _first_lines(
    frame: pl.DataFrame, *, quoted: bool, header_lines: int = 1
) -> pl.Series:
    """``_line``: the physical line each record of ``frame`` starts on (the header
    takes ``header_lines`` from line 1).

    A quoted field may hold line breaks, so a record spans one line plus the line
    feeds in its fields, and starts after the header and the lines of the records
    before it (a blank line is a record of its own here, dropped after). Without
    quotes each record
    is one line.
    """
    n = frame.height
    first = header_lines + 1
    if not quoted or frame.width == 0:
        return pl.Series("_line", range(first, n + first), dtype=pl.Int64)
    span = frame.select(
        pl.sum_horizontal(
            pl.lit(1, pl.Int64),
            *(
                pl.col(c).str.count_matches("\n", literal=True).fill_null(0)
                for c in frame.columns
            ),
        ).alias("_span")
    )["_span"]
    return (span.cum_sum() - span + first).cast(pl.Int64).alias("_line")


def detect_layout(columns: list[str]) -> str:
    """The population layout of a header (see the module docstring)."""
    lower = {c.lower() for c in columns}
    if "observation" in lower and any(c.lower().endswith(" code") for c in columns):
        return "ons-custom-long"
    if any(_MIDYEAR_RE.match(c) for c in columns):
        return "ons-midyear-wide"
    if lower & set(_TOTAL_NAMES) and len(lower & set(ETHNIC_COLUMNS)) >= 3:
        return "census-lsoa-ethnicity-wide"
    return "simple"


def _year_of(path: Path, year: int | None) -> int | None:
    if year is not None:
        return year
    found = _YEAR_RE.search(path.name)
    return int(found.group(1)) if found else None


def _area_type(name: str) -> str:
    low = name.lower()
    for key, kind in (
        ("lsoa", "lsoa"),
        ("lower layer", "lsoa"),
        ("msoa", "msoa"),
        ("middle layer", "msoa"),
        ("upper tier", "utla"),
        ("utla", "utla"),
        ("lower tier", "la"),
        ("local authorit", "la"),
        ("lad", "la"),
        ("region", "region"),
        ("england and wales", "national"),
        ("country", "national"),
    ):
        if key in low:
            return kind
    return "area"


def _int_expr(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars().str.replace_all(",", "")
    return text.cast(pl.Float64, strict=False)


def _bad_count(column: str) -> pl.Expr:
    value = _int_expr(column)
    return value.is_null() | (value < 0) | (value != value.floor())


def _blank(column: str) -> pl.Expr:
    """True where the column is missing or blank."""
    return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")


def _problems(
    frame: pl.DataFrame, bad: pl.Expr, column: pl.Expr, reason: pl.Expr, cols: list[str]
) -> pl.DataFrame:
    """The rows ``bad`` marks, rejected whole; ``raw`` is the row as one CSV line
    (:func:`~avert.ingest._rows.csv_row_text`), so a count written ``"1,234"``
    reads back as one field."""
    rejected = frame.filter(bad)
    return rejected.select(
        pl.col("_line").alias("line"),
        column.cast(pl.String).alias("column"),
        reason.cast(pl.String).alias("reason"),
        csv_row_text(cols).alias("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit("populations").alias("target_table"),
    ).cast(dict(PROBLEM_SCHEMA))  # type: ignore[arg-type]


def _first_bad_column(columns: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """(name of the first bad count column, reason) for a wide row."""
    col: pl.Expr = pl.lit(None, dtype=pl.String)
    for c in reversed(columns):
        col = pl.when(_bad_count(c)).then(pl.lit(c)).otherwise(col)
    return col, pl.lit("population is not a non-negative whole number")


def _split_wide(
    frame: pl.DataFrame, area: str, counts: list[str], cols: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Wide rows with an area code and whole counts, and the others rejected whole.

    A rejected row names its area column when the code is missing, else its first
    count column that is not a non-negative whole number.
    """
    bad_count = pl.any_horizontal([_bad_count(c) for c in counts])
    no_area = _blank(area)
    bad_col, reason = _first_bad_column(counts)
    problems = _problems(
        frame,
        no_area | bad_count,
        pl.when(no_area).then(pl.lit(area)).otherwise(bad_col),
        pl.when(no_area).then(pl.lit("no area code")).otherwise(reason),
        cols,
    )
    return frame.filter(~(no_area | bad_count)), problems


def _long_from_wide(
    good: pl.DataFrame,
    *,
    keys: dict[str, pl.Expr],
    cells: dict[str, tuple[str, str, str]],
) -> pl.DataFrame:
    """Unpivot wide count columns: ``cells`` maps column -> (sex, age_band, ethnicity)."""
    parts = []
    for column, (sex, age, eth) in cells.items():
        parts.append(
            good.select(
                *[e.alias(k) for k, e in keys.items()],
                pl.lit(sex).alias("sex"),
                pl.lit(age).alias("age_band"),
                pl.lit(eth).alias("ethnicity"),
                _int_expr(column).cast(pl.Int64).alias("population"),
                pl.col("_line").alias("source_line"),
            )
        )
    out = pl.concat(parts)
    return out.group_by(
        [*keys, "sex", "age_band", "ethnicity"], maintain_order=True
    ).agg(pl.col("population").sum(), pl.col("source_line").min())


def _col_named(columns: list[str], *names: str) -> str | None:
    lower = {c.lower(): c for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def _area_column(columns: list[str]) -> str:
    for c in columns:
        if _AREA_CODE_RE.match(c):
            return c
    found = _col_named(columns, "area", "code", "area_code", "geography code")
    if found is None:
        msg = f"no area code column among {columns}"
        raise IngestError(msg)
    return found


def _census_wide(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = [c for c in frame.columns if c != "_line"]
    area = _area_column(cols)
    total = _col_named(cols, *_TOTAL_NAMES)
    assert total is not None
    groups = {c: ETHNIC_COLUMNS[c.lower()] for c in cols if c.lower() in ETHNIC_COLUMNS}
    counts = [total, *groups]
    good, problems = _split_wide(frame, area, counts, cols)
    parent = _col_named(cols, "lad_name", "lad11nm", "lad_code", "lad11cd")
    keys = {
        "area": pl.col(area).str.strip_chars(),
        "parent_area": pl.col(parent) if parent else pl.lit(None, pl.String),
        "area_type": pl.lit(_area_type(area)),
    }
    cells = {total: ("all", "all", "all")} | {
        c: ("all", "all", g) for c, g in groups.items()
    }
    return _long_from_wide(good, keys=keys, cells=cells), problems


def _midyear_wide(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = [c for c in frame.columns if c != "_line"]
    area = _area_column(cols)
    name = area[:-2] + "NM" if area.upper().endswith("CD") else None
    name = _col_named(cols, name) if name else None
    parent = next(
        (c for c in cols if re.match(r"^(LAD|LA|LTLA|UTLA)\d*NM$", c, re.I)), None
    )
    cells: dict[str, tuple[str, str, str]] = {}
    for c in cols:
        m = _MIDYEAR_RE.match(c)
        if m:
            band = "all" if m.group(2) == "All-Ages" else m.group(2)
            cells[c] = (_SEX_PREFIX[m.group(1)], band, "all")
    good, problems = _split_wide(frame, area, list(cells), cols)
    keys = {
        "area": pl.col(area).str.strip_chars(),
        "area_name": pl.col(name) if name else pl.lit(None, pl.String),
        "parent_area": pl.col(parent) if parent else pl.lit(None, pl.String),
        "area_type": pl.lit(_area_type(area)),
    }
    return _long_from_wide(good, keys=keys, cells=cells), problems


def _age_band(code: pl.Expr, label: pl.Expr) -> pl.Expr:
    """Single year of age -> 'A-A'; 'and over' labels -> 'A+'."""
    text = code.cast(pl.String).str.strip_chars()
    return (
        pl.when(label.str.to_lowercase().str.contains("over|\\+"))
        .then(text + pl.lit("+"))
        .when(text.str.contains(r"^\d+$"))
        .then(text + pl.lit("-") + text)
        .otherwise(label)
    )


def _sex(label: pl.Expr) -> pl.Expr:
    low = label.str.to_lowercase().str.strip_chars()
    return (
        pl.when(low.str.starts_with("f"))
        .then(pl.lit("F"))
        .when(low.str.starts_with("m"))
        .then(pl.lit("M"))
        .otherwise(pl.lit("all"))
    )


def _ethnic_label(label: pl.Expr) -> pl.Expr:
    low = label.str.to_lowercase().str.strip_chars()
    out: pl.Expr = pl.lit(None, dtype=pl.String)
    for prefix, group in (
        ("other", "Other"),
        ("mixed", "Mixed"),
        ("black", "Black"),
        ("asian", "Asian"),
        ("white", "White"),
    ):
        out = pl.when(low.str.starts_with(prefix)).then(pl.lit(group)).otherwise(out)
    return out


def _custom_long(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = [c for c in frame.columns if c != "_line"]
    code_cols = [c for c in cols if c.lower().endswith(" code")]
    area = code_cols[0]
    area_name = _col_named(cols, area[: -len(" code")])

    def label_of(code: str) -> pl.Expr:
        """The label column of a code column: same name without ' Code', else the
        column right after it (ONS writes code, label pairs)."""
        named = _col_named(cols, code[: -len(" code")])
        if named is None:
            after = cols.index(code) + 1
            if after < len(cols) and not cols[after].lower().endswith(" code"):
                named = cols[after]
        return pl.col(named if named else code).cast(pl.String)

    obs = _col_named(cols, "observation")
    assert obs is not None
    sex_col = next((c for c in code_cols[1:] if c.lower().startswith("sex")), None)
    age_col = next((c for c in code_cols[1:] if c.lower().startswith("age")), None)
    eth_col = next((c for c in code_cols[1:] if c.lower().startswith("ethnic")), None)
    eth = _ethnic_label(label_of(eth_col)) if eth_col else pl.lit("all")
    no_area = _blank(area)
    bad = _bad_count(obs)
    problems = _problems(
        frame,
        no_area | bad,
        pl.when(no_area).then(pl.lit(area)).otherwise(pl.lit(obs)),
        pl.when(no_area)
        .then(pl.lit("no area code"))
        .otherwise(pl.lit("population is not a non-negative whole number")),
        cols,
    )
    good = frame.filter(~(no_area | bad)).with_columns(eth.alias("_eth"))
    # 'does not apply' categories (ONS code -8) carry no residents
    good = good.filter(pl.col("_eth").is_not_null())
    rows = good.select(
        pl.col(area).str.strip_chars().alias("area"),
        (pl.col(area_name) if area_name else pl.lit(None, pl.String)).alias(
            "area_name"
        ),
        pl.lit(_area_type(area)).alias("area_type"),
        pl.lit(None, pl.String).alias("parent_area"),
        (_sex(label_of(sex_col)) if sex_col else pl.lit("all")).alias("sex"),
        (
            _age_band(pl.col(age_col), label_of(age_col)) if age_col else pl.lit("all")
        ).alias("age_band"),
        pl.col("_eth").alias("ethnicity"),
        _int_expr(obs).cast(pl.Int64).alias("population"),
        pl.col("_line").alias("source_line"),
    )
    keys = ["area", "area_name", "area_type", "parent_area"]
    out = rows.group_by(
        [*keys, "sex", "age_band", "ethnicity"], maintain_order=True
    ).agg(pl.col("population").sum(), pl.col("source_line").min())
    has_total = (
        (pl.col("sex") == "all")
        & (pl.col("age_band") == "all")
        & (pl.col("ethnicity") == "all")
    )
    totals = (
        out.group_by(keys, maintain_order=True)
        .agg(
            pl.col("population").sum(),
            pl.col("source_line").min(),
            has_total.any().alias("_has"),
        )
        .filter(~pl.col("_has"))
        .drop("_has")
        .with_columns(
            pl.lit("all").alias("sex"),
            pl.lit("all").alias("age_band"),
            pl.lit("all").alias("ethnicity"),
        )
    )
    return pl.concat([out, totals.select(out.columns)]), problems


def _simple(
    frame: pl.DataFrame, mapping: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = [c for c in frame.columns if c != "_line"]

    def source(name: str) -> str | None:
        if name in mapping:
            if mapping[name] not in cols:
                msg = f"mapped column {mapping[name]!r} (for {name}) is not in {cols}"
                raise IngestError(msg)
            return mapping[name]
        return _col_named(cols, name)

    area, pop = source("area"), source("population")
    if area is None or pop is None:
        msg = (
            f"no 'area' and 'population' columns among {cols}: map them, e.g. "
            "--map area=LSOA21CD --map population=Total"
        )
        raise IngestError(msg)
    no_area = _blank(area)
    bad = _bad_count(pop)
    year_col = source("year")
    bad_year = (
        pl.col(year_col).cast(pl.Int32, strict=False).is_null()
        if year_col
        else pl.lit(value=False)
    )
    problems = _problems(
        frame,
        no_area | bad | bad_year,
        pl.when(no_area)
        .then(pl.lit(area))
        .when(bad)
        .then(pl.lit(pop))
        .otherwise(pl.lit(year_col)),
        pl.when(no_area)
        .then(pl.lit("no area code"))
        .when(bad)
        .then(pl.lit("population is not a non-negative whole number"))
        .otherwise(pl.lit("year is not a whole number")),
        cols,
    )
    good = frame.filter(~(no_area | bad | bad_year))

    def text(name: str, default: str | None) -> pl.Expr:
        col = source(name)
        if col is None:
            return pl.lit(default, pl.String).alias(name)
        return pl.col(col).str.strip_chars().fill_null(default or "").alias(name)

    eth_col = source("ethnicity")
    ethnicity = (
        pl.when(
            pl.col(eth_col)
            .str.to_lowercase()
            .str.strip_chars()
            .is_in(["all", "total", ""])
        )
        .then(pl.lit("all"))
        .otherwise(_ethnic_label(pl.col(eth_col)).fill_null(pl.col(eth_col)))
        if eth_col
        else pl.lit("all")
    )
    sex_col = source("sex")
    out = good.select(
        pl.col(area).str.strip_chars().alias("area"),
        text("area_name", None),
        text("area_type", "area"),
        text("parent_area", None),
        (_sex(pl.col(sex_col).fill_null("all")) if sex_col else pl.lit("all")).alias(
            "sex"
        ),
        text("age_band", "all").str.replace(r"^$", "all"),
        ethnicity.alias("ethnicity"),
        _int_expr(pop).cast(pl.Int64).alias("population"),
        pl.col("_line").alias("source_line"),
        (pl.col(year_col).cast(pl.Int32) if year_col else pl.lit(None, pl.Int32)).alias(
            "_year"
        ),
    )
    return out, problems


def parse_population(
    path: str | Path,
    *,
    year: int | None = None,
    mapping: Mapping[str, str] | None = None,
    area_type: str | None = None,
    layout: str | None = None,
) -> Parsed:
    """Parse one population file (layout detected from its header unless given).

    Parameters
    ----------
    path
        A CSV file.
    year
        Census or estimate year (default: a ``year`` column, else the file name).
    mapping
        Canonical column -> file column, for the ``simple`` layout.
    area_type
        Overrides the detected area type (``lsoa``, ``la``, ...).
    layout
        Force a layout instead of detecting it.
    """
    p = Path(path)
    frame, digest, encoding_read = _read(p)
    n_read = frame.height
    cols = [c for c in frame.columns if c != "_line"]
    frame, nul_problems = split_rows(
        frame, cols, _nul_checks(cols), target="populations"
    )
    kind = layout or detect_layout(cols)
    if mapping and layout is None:
        kind = "simple"
    if kind == "census-lsoa-ethnicity-wide":
        rows, problems = _census_wide(frame)
    elif kind == "ons-midyear-wide":
        rows, problems = _midyear_wide(frame)
    elif kind == "ons-custom-long":
        rows, problems = _custom_long(frame)
    elif kind == "simple":
        rows, problems = _simple(frame, mapping or {})
    else:
        msg = f"Unknown population layout {kind!r}"
        raise IngestError(msg)
    problems = pl.concat([nul_problems, problems])
    fallback = _year_of(p, year)
    year_expr = pl.lit(fallback, pl.Int32)
    if "_year" in rows.columns:
        year_expr = pl.coalesce(pl.lit(year, pl.Int32), pl.col("_year"), year_expr)
        rows = rows.with_columns(year_expr.alias("year")).drop("_year")
    else:
        rows = rows.with_columns(year_expr.alias("year"))
    no_year = rows.filter(pl.col("year").is_null())
    if no_year.height:
        line_problems = problems_frame(
            [
                (
                    0,
                    "year",
                    "no year: give --year, a 'year' column or a year in the file name",
                    None,
                    "rejected",
                    "populations",
                )
            ]
        )
        problems = pl.concat([problems, line_problems])
        rows = rows.filter(pl.col("year").is_not_null())
    if area_type:
        rows = rows.with_columns(pl.lit(area_type).alias("area_type"))
    # never null text: SQLite readers type a column from its first rows (ADBC), so
    # a null-led text column read back as integers; the name falls back to the code
    rows = rows.with_columns(
        pl.lit(kind).alias("source"),
        pl.col("source_line").cast(pl.Int64),
        pl.coalesce(pl.col("area_name"), pl.col("area")).alias("area_name")
        if "area_name" in rows.columns
        else pl.col("area").alias("area_name"),
        pl.col("parent_area").fill_null("")
        if "parent_area" in rows.columns
        else pl.lit("").alias("parent_area"),
    )
    out = rows.select(
        [c for c in POPULATIONS.names if c in rows.columns or c == "source"]
    )
    n_rejected = problems.filter(pl.col("line") > 0)["line"].n_unique()
    n_rows = out.height + n_rejected + (no_year.height if no_year.height else 0)
    return Parsed(
        file=str(path),
        sha256=digest,
        kind=f"population-{kind}",
        rows=n_rows,
        frames={"populations": out},
        problems=problems,
        note=join_notes(encoding_read, _rows_note(kind, n_read=n_read, n_rows=n_rows)),
    )


#: How each layout turns the file's data rows into population rows.
_ROWS_FROM_LINES: Final = {
    "census-lsoa-ethnicity-wide": "each line's total and ethnic-group columns, "
    "a row each",
    "ons-midyear-wide": "each line's columns of residents (all ages, each age "
    "band, by sex), a row each",
    "ons-custom-long": "lines of one area and group summed into one row (the "
    "census's finer groups), 'Does not apply' lines (no residents) left out, and "
    "a total row per area where the file gives none",
}


def _rows_note(kind: str, *, n_read: int, n_rows: int) -> str | None:
    """Why the load's ``rows`` (population rows, which balance loaded + quarantined
    + duplicates) is not the file's data rows, and how one gives the other: the
    2021 ethnic-group file's 1,392 data rows read "rows 1,044" and looked as if
    348 were lost. None when they are equal."""
    if n_read == n_rows:
        return None
    how = _ROWS_FROM_LINES.get(kind, "rows reshaped by the layout")
    return (
        f"{n_read:,} data rows read give {n_rows:,} population rows, the rows "
        f"counted here (loaded + quarantined + duplicates): {how}."
    )


def _period(value: pl.Expr) -> pl.Expr:
    text = value.cast(pl.String).str.strip_chars()
    quarter = text.str.extract_groups(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$")
    q_date = pl.date(
        quarter.struct.field("1").cast(pl.Int32, strict=False),
        (quarter.struct.field("2").cast(pl.Int32, strict=False) - 1) * 3 + 1,
        1,
    )
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        (text + "-01").str.to_date("%Y-%m-%d", strict=False),
        q_date,
    )


def _check(column: str, bad: pl.Expr, reason: str) -> Check:
    """The row check naming ``column`` and ``reason`` where ``bad`` holds."""
    return pl.lit(column), pl.when(bad).then(pl.lit(reason))


def _canonical(frame: pl.DataFrame, table: TableSpec) -> pl.DataFrame:
    """The table's columns that ``frame`` holds, in the table's order."""
    return frame.select([c for c in table.names if c in frame.columns])


def parse_confidence(
    path: str | Path,
    *,
    measure: str = "deal_with_what_matters",
    source: str | None = None,
) -> Parsed:
    """Parse a confidence survey series: ``area``, ``period``, ``pct_agree``.

    ``period`` is ``YYYY-MM-DD``, ``YYYY-MM`` or a quarter ``YYYY Qn`` (stored as
    its first day); ``pct_agree`` (also ``agree``, ``% agree``, ``percent_agree``)
    is 0-100; ``respondents`` and ``measure`` are optional columns.
    """
    p = Path(path)
    frame, digest, encoding_read = _read(p)
    cols = [c for c in frame.columns if c != "_line"]
    area = _col_named(cols, "area", "area_code", "borough", "force")
    period = _col_named(cols, "period", "date", "month", "quarter")
    pct = _col_named(cols, "pct_agree", "agree", "% agree", "percent_agree")
    if area is None or period is None or pct is None:
        msg = (
            f"a confidence survey needs area, period and pct_agree columns, not {cols}"
        )
        raise IngestError(msg)
    resp = _col_named(cols, "respondents", "n", "base")
    meas = _col_named(cols, "measure", "question")
    value = (
        pl.col(pct)
        .str.strip_chars()
        .str.strip_suffix("%")
        .cast(pl.Float64, strict=False)
    )
    good, problems = split_rows(
        frame,
        cols,
        [
            *_nul_checks(cols),
            _check(area, _blank(area), "no area"),
            _check(
                period,
                _period(pl.col(period)).is_null(),
                "period is not YYYY-MM-DD, YYYY-MM or YYYY Qn",
            ),
            _check(
                pct,
                value.is_null() | (value < 0) | (value > 100),
                "pct_agree is not a number from 0 to 100",
            ),
        ],
        target="confidence_survey",
    )
    out = good.select(
        pl.col(area).str.strip_chars().alias("area"),
        _period(pl.col(period)).alias("period"),
        (pl.col(meas).fill_null(measure) if meas else pl.lit(measure)).alias("measure"),
        value.alias("pct_agree"),
        (
            pl.col(resp).cast(pl.Int64, strict=False)
            if resp
            else pl.lit(None, pl.Int64)
        ).alias("respondents"),
        pl.lit(source or p.name).alias("source"),
        pl.col("_line").alias("source_line"),
    )
    frames = {"confidence_survey": _canonical(out, CONFIDENCE_SURVEY)}
    return Parsed(
        str(path),
        digest,
        "confidence-survey",
        frame.height,
        frames,
        problems,
        encoding_read,
    )


def parse_centroids(path: str | Path) -> Parsed:
    """Parse area centroids: an area code column and ``latitude``/``longitude``.

    Accepts ``LSOACD``/``lsoa11cd``/``LSOA21CD``/``area``/``code`` for the code and
    ``latitude``/``lat`` and ``longitude``/``lon``/``long``. Coordinates outside
    WGS84 ranges are rejected.
    """
    p = Path(path)
    frame, digest, encoding_read = _read(p)
    cols = [c for c in frame.columns if c != "_line"]
    area = _col_named(cols, "area", "LSOACD", "LSOA21CD", "LSOA11CD", "code")
    lat = _col_named(cols, "latitude", "lat")
    lon = _col_named(cols, "longitude", "lon", "long")
    if area is None or lat is None or lon is None:
        msg = f"centroids need an area code, latitude and longitude, not {cols}"
        raise IngestError(msg)
    la = pl.col(lat).cast(pl.Float64, strict=False)
    lo = pl.col(lon).cast(pl.Float64, strict=False)
    bad_xy = la.is_null() | lo.is_null() | (la.abs() > 90) | (lo.abs() > 180)
    good, problems = split_rows(
        frame,
        cols,
        [
            *_nul_checks(cols),
            _check(area, _blank(area), "no area code"),
            _check(lat, bad_xy, "latitude/longitude missing or out of range"),
        ],
        target="area_centroids",
    )
    out = good.select(
        pl.col(area).str.strip_chars().alias("area"),
        la.alias("lat"),
        lo.alias("lon"),
        pl.col("_line").alias("source_line"),
    )
    frames = {"area_centroids": _canonical(out, AREA_CENTROIDS)}
    return Parsed(
        str(path),
        digest,
        "area-centroids",
        frame.height,
        frames,
        problems,
        encoding_read,
    )
