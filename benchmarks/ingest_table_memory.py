"""Benchmark: peak memory and seconds of ``avert ingest table`` by field separator.

Writes, in a temporary folder, a generated incident table of ``--rows`` rows (1 M by
default: id, time as ``%d/%m/%Y %H:%M``, police.uk category, British National Grid
easting and northing, a note holding commas) in each variant, with a few bad rows
among them (a ragged line, a decimal-comma easting, an unreadable time, a note with
the separator inside quotes, a run of blank lines), and loads each through a mapping
(``[table].delimiter`` as the variant's) into a fresh SQLite store, one fresh
process per variant, printing the file's size, the rows loaded and quarantined, the
seconds and the peak RSS:

* ``baseline``: the comma variant of 2 rows (the RSS of the interpreter, its
  libraries and an empty load, to read the others against);
* ``comma``: commas (the reader's own path);
* ``semicolon``: semicolons, as a spreadsheet saves a CSV where the comma is the
  decimal mark (``[table].delimiter = ';'``);
* ``tab``: tabs (``[table].delimiter = '\\t'``).

Peak RSS is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the child process
(:func:`harness.peak_rss_mib`): it counts Polars' and numpy's buffers, which
tracemalloc (Python's allocator only) would not. Seconds are wall-clock seconds of
the load (:func:`avert.workflows.load.load_files`, what the CLI command runs), the
file's generation and the store's creation left out. Every figure is measured in
the run; nothing is hard-coded.

Usage: ``python benchmarks/ingest_table_memory.py [--rows 1000000]
[--variant comma --variant semicolon ...]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from harness import add_step_arguments, last_json, peak_rss_mib

#: variant -> (field separator, its spelling in the mapping's TOML)
VARIANTS = {
    "baseline": (",", ","),
    "comma": (",", ","),
    "semicolon": (";", ";"),
    "tab": ("\t", "\\t"),
}
CATEGORIES = (
    "Violence and sexual offences",
    "Burglary",
    "Criminal damage and arson",
    "Robbery",
    "Public order",
)
HEADER = ("id", "when", "type", "e", "n", "note")


def _rows(n: int, sep: str) -> list[str]:
    """``n`` generated data lines separated by ``sep`` (seeded: the same each run)."""
    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 365 * 24 * 60, n)
    when = (
        pl.Series("m", minutes * 60_000_000, dtype=pl.Int64)
        .cast(pl.Datetime("us"))
        .dt.offset_by("54y")  # from 1970 to 2024
        .dt.strftime("%d/%m/%Y %H:%M")
    )
    frame = pl.DataFrame(
        {
            "id": pl.Series(np.arange(n)).cast(pl.String).str.zfill(8),
            "when": when,
            "type": pl.Series(np.array(CATEGORIES)[rng.integers(0, 5, n)]),
            "e": pl.Series(rng.integers(420_000, 440_000, n)).cast(pl.String),
            "n": pl.Series(rng.integers(425_000, 445_000, n)).cast(pl.String),
            "note": pl.Series(rng.integers(1, 200, n)).cast(pl.String),
        }
    )
    # one note in a hundred holds a comma (quoted where the comma separates fields)
    quote = '"' if sep == "," else ""
    frame = frame.with_columns(
        pl.when(pl.int_range(n) % 100 == 0)
        .then(
            pl.concat_str(pl.lit(f"{quote}Street "), "note", pl.lit(f", Leeds{quote}"))
        )
        .otherwise(pl.concat_str(pl.lit("Street "), "note", pl.lit(" Leeds")))
        .alias("note")
    )
    lines = frame.select(pl.concat_str(pl.all(), separator=sep)).to_series().to_list()
    bad = {
        n // 5: sep.join(["bad1", "01/02/2024 10:30", "Burglary", "430000"]),
        n // 4: sep.join(["bad2", "01/02/2024", "Burglary", "430000,5", "433000", "x"]),
        n // 3: sep.join(["bad3", "31/31/2024 10:30", "Burglary", "1", "2", "x"]),
        n // 2: sep.join(["q1", "01/02/2024 10:30", "Burglary", "430000", "433000"])
        + f'{sep}"a{sep}b, c"',
    }
    for at, line in sorted(bad.items(), reverse=True):
        lines.insert(at, line)
    lines.insert(2 * n // 3, "\n\n")
    return lines


def build(variant: str, folder: Path, rows: int) -> tuple[Path, Path]:
    """The variant's table and its mapping, written in ``folder``."""
    sep, spelled = VARIANTS[variant]
    n = 2 if variant == "baseline" else rows
    path = folder / f"{variant}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(sep.join(HEADER) + "\r\n")
        for line in _rows(n, sep):
            f.write(line + "\r\n")
    mapping = folder / f"{variant}.toml"
    mapping.write_text(
        f"[table]\nsource='bench'\ncrs='EPSG:27700'\ndelimiter='{spelled}'\n"
        "time_format='%d/%m/%Y %H:%M'\n[columns]\nincident_id='id'\n"
        "occurred_at='when'\ncrime_type='type'\nx='e'\ny='n'\nward='note'\n",
        encoding="utf-8",
    )
    return path, mapping


def run(path: str, db: str, mapping: str) -> None:
    """Load one table in this (fresh) process and print JSON."""
    from avert.store import Store
    from avert.workflows.load import load_files

    store = Store(db)
    store.upgrade()
    t0 = time.perf_counter()
    report = load_files(store, [path], kind="table", mapping=mapping)
    seconds = time.perf_counter() - t0
    store.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mib": peak_rss_mib(),
                "rows": report.rows,
                "loaded": report.loaded,
                "quarantined": report.quarantined,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--variant", action="append", default=None)
    parser.add_argument("--mapping", default="")
    add_step_arguments(parser)
    args = parser.parse_args()
    if args.step:
        run(args.file, args.db, args.mapping)
        return
    for variant in args.variant or list(VARIANTS):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path, mapping = build(variant, folder, args.rows)
            size_mib = path.stat().st_size / 2**20
            step = [
                sys.executable,
                __file__,
                "--step",
                variant,
                "--file",
                str(path),
                "--mapping",
                str(mapping),
                "--db",
                f"sqlite:///{folder / 'bench.db'}",
            ]
            out = subprocess.run(step, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(
                    f"{variant:10s} FAILED (exit {out.returncode}): {out.stderr[-800:]}"
                )
                continue
            r = last_json(out.stdout)
            print(
                f"{variant:10s} file {size_mib:7.1f} MiB  loaded {r['loaded']:,} "
                f"quarantined {r['quarantined']:,} of {r['rows']:,} rows  "
                f"{r['seconds']:7.2f} s  peak RSS {r['peak_rss_mib']:7.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
