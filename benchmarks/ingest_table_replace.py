"""Benchmark: seconds of ``avert ingest table --replace-file`` against a plain load.

Loads the Toronto Police Service Major Crime Indicators file (155,116 rows,
/work/shared/data, or ``--file``) into a fresh SQLite store through the shipped
mapping with its ``"Assault"`` translation left out (the file's assaults stored
untranslated, keyed without a code), then loads it again with ``"Assault" = "8N"``
and ``--replace-file`` (every assault comes back under a new key at its line:
replaced; the other rows unchanged), then the same again (replaces nothing), and
prints, per step, the wall-clock seconds of
:func:`avert.workflows.load.load_files` (what the command runs; classification
left out) and the counts (replaced, added, removed, unchanged). A plain load of the
corrected mapping into a second fresh store is the baseline the replace is read
against. Every figure is measured in the run; nothing is hard-coded.

Usage: ``python benchmarks/ingest_table_replace.py [--file PATH]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from avert.ingest.table import mapping_path
from avert.store import Store
from avert.workflows.load import load_files

SHARED = Path(
    "/work/shared/data/incidents-toronto-major-crime-indicators-2017-2021/"
    "toronto-mci-2017-2021.csv"
)


def _mappings(folder: Path) -> tuple[Path, Path]:
    """The shipped Toronto mapping without its assaults' translation, and with
    them given an offence code (part of a keyless row's key)."""
    text = mapping_path("toronto-mci").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith('"Assault"')]
    wrong, right = folder / "wrong.toml", folder / "right.toml"
    wrong.write_text("\n".join(lines) + "\n", encoding="utf-8")
    right.write_text("\n".join([*lines, '"Assault" = "8N"']) + "\n", encoding="utf-8")
    return wrong, right


def _timed(store: Store, file: Path, mapping: Path, **kw: bool) -> dict[str, object]:
    t0 = time.perf_counter()
    report = load_files(
        store,
        [str(file)],
        kind="table",
        mapping=mapping,
        crs="EPSG:32617",
        timezone="America/Toronto",
        **kw,
    )
    seconds = time.perf_counter() - t0
    [f] = report.files
    return {
        "seconds": round(seconds, 2),
        "loaded": f.loaded,
        "duplicates": f.duplicates,
        **(f.replacement or {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=SHARED)
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"no file {args.file}: give --file")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wrong, right = _mappings(folder)
        results: dict[str, object] = {}
        base = Store(f"sqlite:///{folder / 'base.db'}")
        base.upgrade()
        results["plain load, corrected mapping"] = _timed(base, args.file, right)
        base.close()
        store = Store(f"sqlite:///{folder / 'avert.db'}")
        store.upgrade()
        results["plain load, wrong mapping"] = _timed(store, args.file, wrong)
        results["--replace-file, corrected"] = _timed(
            store, args.file, right, replace_file=True
        )
        results["--replace-file, again"] = _timed(
            store, args.file, right, replace_file=True
        )
        results["incidents stored"] = store.count("incidents")
        store.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
