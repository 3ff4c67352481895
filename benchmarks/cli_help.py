"""Benchmark: wall time of ``avert --help`` (issue 12.8: under 1 s).

Runs ``python -m avert --help`` in fresh interpreters and reports the median and
the fastest of ``--runs`` runs, beside a bare interpreter start (``python -c pass``)
and an interpreter that only imports Typer, so the part that is avert's own shows.
CPU seconds (user + system) are printed beside wall seconds: on a loaded machine
the wall time waits for a core, the CPU time much less.
Also lists the heavy modules ``--help`` imported (should be none; the test
``tests/cli/test_help_imports.py`` enforces it).

Run: ``.venv/bin/python benchmarks/cli_help.py [--runs 15]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

HEAVY = ("polars", "pyarrow", "numpy", "scipy", "sqlalchemy", "weasyprint", "fastapi")


def _times(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + system) of each run."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def _heavy_imported() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "avert", "--help"],
        check=True,
        capture_output=True,
        text=True,
    )
    names = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    return sorted(names & set(HEAVY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "python -m avert --help": [sys.executable, "-m", "avert", "--help"],
    }
    print(
        f"{'command':<28} {'median s':>9} {'fastest s':>10} {'median CPU s':>13}"
        f"  ({runs} runs)"
    )
    for name, args in cases.items():
        wall, cpu = _times(args, runs)
        print(
            f"{name:<28} {statistics.median(wall):>9.3f} {min(wall):>10.3f} "
            f"{statistics.median(cpu):>13.3f}"
        )
    print(f"heavy modules imported by --help: {_heavy_imported() or 'none'}")


if __name__ == "__main__":
    main()
