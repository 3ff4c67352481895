"""Benchmark: hostile inputs against the ingest limits (issue 13.3).

Builds, in a temporary folder, the small inputs that took avert down in the fault
trial, and loads each into a fresh SQLite store in a fresh subprocess (so peak RSS is
per case), printing the outcome (loaded rows, or the refusal and its reason), the
seconds and the peak RSS:

* ``baseline``: a street file of two rows (the RSS of the interpreter, its
  libraries and an empty load, to read the others against);
* ``newlines_zip``: a police.uk street file of a header and 1 GiB of line breaks,
  zipped (about 1 MB): refused unread by the compression-ratio limit;
* ``newlines_plain``: the same file unzipped (1 GiB on disk), a row before and
  after the line breaks: streamed, and copied without its blank lines to a private
  file that is read in parts (2 rows loaded, peak RSS far below the file's size);
* ``single_line``: one line of 1 GiB: refused by the line-length limit, streamed in
  bounded memory;
* ``bundle_zip``: a bundle zip whose incidents.csv repeats one row 16 M times
  (about 1.6 GB from a few MB): refused unread by the compression-ratio limit;
* ``bundle_blank``: a bundle folder whose incidents.csv is two rows around 1 GiB of
  line breaks: streamed, the blank lines dropped on the way, 2 rows loaded;
* ``bundle_rows``: a legitimate bundle zip of ``--bundle-zip-rows`` distinct
  incidents (2 M by default, about 10:1 compressed): unpacked to a private file and
  loaded part by part, peak RSS bounded by the part size;
* ``bundle_parquet``: a bundle folder whose incidents.parquet repeats one row
  ``--parquet-rows`` times (4 M by default, a few hundred KB): decoded slice by
  slice (1 row loaded, the others duplicates), peak RSS bounded by the slice;
* ``rows_zip``: a zip of one street file of ``--zip-rows`` distinct rows (2 M by
  default; the trial's was 6.8 M from 4 MB): loaded part by part from a temporary
  unpacked copy, peak RSS bounded by the part size;
* ``members_N``: zips of N small police.uk members each (N = 500 and 2000 by
  default): seconds per member stay flat (the archive is opened once);
* ``table_rows``: a Toronto-like incident table of ``--table-rows`` distinct rows
  (620 k by default: the shared Toronto extract x 4), loaded through the shipped
  ``toronto-mci`` mapping into an EPSG:32617 store (``ingest table`` reads a file
  whole: peak RSS grows with it, the row checks build reasons for bad rows only);
* ``reload_rows``: a street file of ``--reload-rows`` distinct rows (1 M by
  default) loaded, then loaded again into the same store in a fresh process (every
  row a duplicate): the figures are the second load's, whose peak RSS should stay
  near the first's (stored rows are looked up a slice at a time).

The limits are the settings' defaults (``docs/settings.md``); nothing is hard-coded
in the figures: every one is measured in the run.

Usage: ``python benchmarks/ingest_limits.py [--gib 1] [--bundle-rows 16000000]
[--bundle-zip-rows 2000000] [--parquet-rows 4000000] [--zip-rows 2000000]
[--members 500 2000] [--table-rows 620000] [--reload-rows 1000000] [--case NAME]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from harness import add_step_arguments, last_json, peak_rss_mib

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
BUNDLE_HEADER = b"incident_id,occurred_at,offence_code,crime_type,lat,lon\n"
MANIFEST = {"format": "avert-bundle", "version": 1, "source": "benchmark"}
_BLOCK = 64 << 20
#: rows built and written at a time
_STEP = 100_000


def _row(i: int) -> str:
    return (
        f"id{i:08d},2018-07,West Yorkshire Police,West Yorkshire Police,-1.409547,"
        "53.598298,On or near Ash Mount,E01007329,Barnsley 003A,Violence and sexual "
        "offences,,"
    )


def _bundle_row(i: int) -> bytes:
    """One distinct bundle incident (time, place and offence vary with ``i``)."""
    return (
        f"B-{i:09d},2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d},"
        f"{('8N', '34B', '105A')[i % 3]},Violence with injury,"
        f"{51.3 + (i % 9973) / 20000:.5f},{-0.4 + (i % 7919) / 15000:.5f}\n"
    ).encode()


#: a Toronto MCI extract's header and the categories of its rows
TABLE_HEADER = (
    "occurrence_date,occurrence_hour,mci_category,premises_type,neighbourhood,"
    "latitude,longitude"
)
_MCI = ("Assault", "Robbery", "Break and Enter", "Auto Theft", "Theft Over")


def _table_row(i: int) -> str:
    """One distinct Toronto-like row (day, hour, category and place vary with ``i``)."""
    return (
        f"{2017 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 24},{_MCI[i % 5]},"
        f"House,Area {i % 140},{43.6 + (i % 99991) / 500000:.6f},"
        f"{-79.5 + (i % 99989) / 400000:.6f}"
    )


def _write_repeated(fh: object, head: bytes, unit: bytes, total: int) -> None:
    """Write ``head`` then ``unit`` repeated to about ``total`` bytes, in blocks."""
    write = fh.write  # type: ignore[attr-defined]
    write(head)
    block = unit * max(1, _BLOCK // len(unit))
    left = total
    while left > 0:
        piece = block[: min(len(block), left - left % len(unit) or len(unit))]
        write(piece)
        left -= len(piece)


@contextmanager
def _zip_member(
    path: Path, member: str, *, manifest: bool = False
) -> Iterator[IO[bytes]]:
    """One member of a new deflated zip, open for writing (zip64: it may be huge);
    with ``manifest``, a bundle's manifest.json goes in first."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest:
            zf.writestr("manifest.json", json.dumps(MANIFEST))
        with zf.open(member, "w", force_zip64=True) as fh:
            yield fh


def _steps(n: int) -> Iterator[range]:
    """0..n in ranges of ``_STEP``."""
    for start in range(0, n, _STEP):
        yield range(start, min(start + _STEP, n))


def build(case: str, folder: Path, args: argparse.Namespace) -> Path:
    """Write the input of one case; return the path to load."""
    gib = int(args.gib * (1 << 30))
    head = (STREET_HEADER + "\n").encode()
    if case == "baseline":
        path = folder / "2018-07-x-street.csv"
        path.write_text("\n".join([STREET_HEADER, _row(0), _row(1)]) + "\n")
        return path
    if case == "newlines_zip":
        path = folder / "newlines.zip"
        with _zip_member(path, "2018-07/2018-07-x-street.csv") as fh:
            _write_repeated(fh, head, b"\n", gib)
        return path
    if case == "newlines_plain":
        path = folder / "2018-07-x-street.csv"
        with path.open("wb") as fh:
            _write_repeated(fh, head + (_row(0) + "\n").encode(), b"\n", gib)
            fh.write((_row(1) + "\n").encode())
        return path
    if case == "single_line":
        path = folder / "line.csv"
        with path.open("wb") as fh:
            _write_repeated(fh, head, b"x", gib)
        return path
    if case == "bundle_zip":
        path = folder / "bundle.zip"
        row = b"I-1,2024-01-01 10:00,8P,Violence with injury,51.5,-0.1\n"
        with _zip_member(path, "incidents.csv", manifest=True) as fh:
            _write_repeated(fh, BUNDLE_HEADER, row, len(row) * args.bundle_rows)
        return path
    if case == "bundle_blank":
        path = folder / "bundle"
        path.mkdir()
        (path / "manifest.json").write_text(json.dumps(MANIFEST))
        with (path / "incidents.csv").open("wb") as fh:
            _write_repeated(fh, BUNDLE_HEADER + _bundle_row(0), b"\n", gib)
            fh.write(_bundle_row(1))
        return path
    if case == "bundle_rows":
        path = folder / "bundle-rows.zip"
        with _zip_member(path, "incidents.csv", manifest=True) as fh:
            fh.write(BUNDLE_HEADER)
            for rows in _steps(args.bundle_zip_rows):
                fh.write(b"".join(_bundle_row(i) for i in rows))
        return path
    if case == "bundle_parquet":
        import polars as pl

        path = folder / "bundle"
        path.mkdir()
        (path / "manifest.json").write_text(json.dumps(MANIFEST))
        n = args.parquet_rows
        row = _bundle_row(0).decode().strip().split(",")
        columns = ["incident_id", "occurred_at", "offence_code", "crime_type"]
        pl.DataFrame(
            {
                c: pl.repeat(v, n, eager=True)
                for c, v in zip([*columns, "lat", "lon"], row, strict=True)
            }
        ).write_parquet(path / "incidents.parquet")
        return path
    if case == "rows_zip":
        path = folder / "rows.zip"
        with _zip_member(path, "2018-07/2018-07-x-street.csv") as fh:
            fh.write(head)
            for rows in _steps(args.zip_rows):
                fh.write(("\n".join(_row(i) for i in rows) + "\n").encode())
        return path
    if case == "table_rows":
        path = folder / "toronto-like.csv"
        with path.open("w") as fh:
            fh.write(TABLE_HEADER + "\n")
            for rows in _steps(args.table_rows):
                fh.write("\n".join(_table_row(i) for i in rows) + "\n")
        return path
    if case == "reload_rows":
        path = folder / "2018-07-x-street.csv"
        with path.open("w") as fh:
            fh.write(head.decode())
            for rows in _steps(args.reload_rows):
                fh.write("\n".join(_row(i) for i in rows) + "\n")
        return path
    if case.startswith("members_"):
        n = int(case.split("_")[1])
        path = folder / f"members-{n}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for i in range(n):
                body = "\n".join([STREET_HEADER, _row(2 * i), _row(2 * i + 1)])
                zf.writestr(f"2018-07/2018-07-f{i:05d}-street.csv", body + "\n")
        return path
    msg = f"unknown case {case}"
    raise SystemExit(msg)


def run(case: str, path: str, db: str) -> None:
    """Load one input in this (fresh) process and print JSON."""
    from avert.store import Store
    from avert.workflows.load import load_files

    store = Store(db)
    store.upgrade()
    t0 = time.perf_counter()
    if case == "table_rows":
        report = load_files(
            store, [path], kind="table", mapping="toronto-mci", crs="EPSG:32617"
        )
    else:
        report = load_files(
            store, [path], kind="bundle" if "bundle" in case else "policeuk"
        )
    seconds = time.perf_counter() - t0
    store.close()
    # getattr: the same step also measures versions before FileReport.error
    errors = sorted({e for f in report.files if (e := getattr(f, "error", None))})
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mib": peak_rss_mib(),
                "files": len(report.files),
                "rows": report.rows,
                "loaded": report.loaded,
                "refused": sum(1 for f in report.files if f.kind == "refused"),
                "duplicates": report.duplicates,
                "errors": [e[:160] for e in errors[:2]],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--bundle-rows", type=int, default=16_000_000)
    parser.add_argument("--members", type=int, nargs="*", default=[500, 2000])
    parser.add_argument("--zip-rows", type=int, default=2_000_000)
    parser.add_argument("--bundle-zip-rows", type=int, default=2_000_000)
    parser.add_argument("--parquet-rows", type=int, default=4_000_000)
    parser.add_argument("--table-rows", type=int, default=620_000)
    parser.add_argument("--reload-rows", type=int, default=1_000_000)
    parser.add_argument("--case", action="append", default=None)
    add_step_arguments(parser)
    args = parser.parse_args()
    if args.step:
        run(args.step, args.file, args.db)
        return
    cases = args.case or [
        "baseline",
        "newlines_zip",
        "newlines_plain",
        "single_line",
        "bundle_zip",
        "bundle_blank",
        "bundle_rows",
        "bundle_parquet",
        "rows_zip",
        *(f"members_{n}" for n in args.members),
        "table_rows",
        "reload_rows",
    ]
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            path = build(case, folder, args)
            built = time.perf_counter() - t0
            files = sorted(path.rglob("*")) if path.is_dir() else [path]
            size = sum(f.stat().st_size for f in files if f.is_file())
            step = [
                sys.executable,
                __file__,
                "--step",
                case,
                "--file",
                str(path),
                "--db",
                f"sqlite:///{folder / 'bench.db'}",
            ]
            first = None
            if case == "reload_rows":  # the first load; the figures are the second's
                first = subprocess.run(
                    step, capture_output=True, text=True, check=False
                )
            out = subprocess.run(step, capture_output=True, text=True, check=False)
            if first is not None and first.returncode == 0:
                f = last_json(first.stdout)
                print(
                    f"{case:15s} first load: {f['loaded']:,} rows {f['seconds']:7.2f} s"
                    f"  peak RSS {f['peak_rss_mib']:7.0f} MiB; the load again:"
                )
            if out.returncode != 0:
                print(f"{case:15s} FAILED (exit {out.returncode}): {out.stderr[-500:]}")
                continue
            r = last_json(out.stdout)
            outcome = (
                f"refused {r['refused']} of {r['files']} file(s)"
                if r["refused"]
                else f"loaded {r['loaded']:,} of {r['rows']:,} rows"
                + (f", {r['duplicates']:,} dup." if r["duplicates"] else "")
            )
            per = (
                f"  {1000 * r['seconds'] / r['files']:.1f} ms per member"
                if case.startswith("members_")
                else ""
            )
            print(
                f"{case:15s} input {size / 2**20:9.1f} MiB (built in {built:.0f} s)  "
                f"{outcome:32s} {r['seconds']:7.2f} s  peak RSS "
                f"{r['peak_rss_mib']:7.0f} MiB{per}"
            )
            for e in r["errors"]:
                print(f"{'':15s} reason: {e}")


if __name__ == "__main__":
    main()
