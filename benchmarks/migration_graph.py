"""Benchmark: what finding the migrations' revision graph costs a command's start.

Every command checks its store's revision against the head of the migration
scripts (:func:`avert.store.migrate._cached_graph`): the graph is parsed from the
scripts only when they changed, else read from ``versions/__pycache__`` (a new
process) or this process's copy (a further store). Times, in milliseconds (the
fastest of ``--repeat`` rounds of ``--number`` calls each):

- ``stamp + process copy``: a further store in one process (the scripts stamped,
  the kept graph returned);
- ``stamp + cache file``: a command's first store (stamped, the file read);
- ``parse``: every script parsed (what the cache spares).

Run against another checkout with ``PYTHONPATH=other/src`` (the stamp was the
scripts' sizes and modification times before 2026-12, a SHA-256 of their
contents since).

Run: ``.venv/bin/python benchmarks/migration_graph.py [--number 200] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable

from avert.store import migrate


def fastest_ms(call: Callable[[], object], number: int, repeat: int) -> float:
    """Milliseconds a call of ``call`` takes, the fastest round's mean."""
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    folder = migrate._MIGRATIONS
    scripts = sorted((folder / "versions").glob("*.py"))
    size_kb = sum(s.stat().st_size for s in scripts) / 1024
    sys.dont_write_bytecode = False
    migrate._cached_graph(folder)  # the cache file written

    def from_file() -> object:
        migrate._GRAPHS.clear()  # a new process: only the file
        return migrate._cached_graph(folder)

    timed = {
        "stamp + process copy": lambda: migrate._cached_graph(folder),
        "stamp + cache file": from_file,
        "parse": lambda: migrate._read_graph(scripts),
    }
    print(f"{len(scripts)} scripts, {size_kb:.0f} KB ({migrate.__file__})")
    for name, call in timed.items():
        number = max(1, args.number // 20) if name == "parse" else args.number
        print(f"{name:<22} {fastest_ms(call, number, args.repeat):8.3f} ms")


if __name__ == "__main__":
    main()
