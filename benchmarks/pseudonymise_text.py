"""Benchmark: pseudonymising police free text for a partner on a force-scale store.

Builds a SQLite store in a temporary folder holding ``--people`` stored people
(names from a frame built here: first names by surnames, some stored "SURNAME,
First") and a few groups, then times what one partner output does with its texts
(:func:`avert.workflows.delivery._common.stored_ids_shown` with one
:class:`avert.store.queries.StoredNames` per output, then
:func:`avert.access.pseudonymise_ids`) for each of ``--texts`` (default 50 and
1,000 police texts of about 66 words, each naming three stored people and one
stored person's id). ``--lookalike F``: that share of the texts writes its id
with invisible or look-alike characters (a zero width space inside it, fullwidth
or Arabic-Indic digits, a soft hyphen then more digits: the forms
:func:`avert.access._id_fold` reads). Prints CPU seconds (``time.process_time``:
the machine may be shared, and wall time then measures the others' load) and
wall seconds per output and per text (median of ``--repeat``); ``--profile``
prints the cProfile of one output's largest run. Nothing is hard-coded.

    PYTHONPATH=src .venv/bin/python benchmarks/pseudonymise_text.py [--people N]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from avert.access import Pseudonymiser, pseudonymise_ids
from avert.store import Store, queries
from avert.workflows.delivery._common import stored_ids_shown

FIRST = [
    "John",
    "Mary",
    "Amy",
    "Sean",
    "Łukasz",
    "Mohammed",
    "Aisha",
    "Jamal",
    "Priya",
    "Chloe",
    "Daniel",
    "Grace",
    "Oliver",
    "Ruth",
    "Tom",
    "Kwame",
    "Fatima",
    "Liam",
    "Zofia",
    "Ahmed",
    "Ella",
    "Connor",
    "Jade",
    "Kieran",
    "Leah",
    "Marcus",
    "Nadia",
]
SUR = [
    "Smith",
    "Jones",
    "Young",
    "Green",
    "O'Neil",
    "Nowak",
    "Khan",
    "Patel",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Hall",
    "Wood",
    "Clarke",
    "Begum",
    "Hussain",
    "Murphy",
    "Kelly",
    "Lewis",
    "Roberts",
    "Ali",
    "Shah",
    "Ahmed",
    "Davies",
    "Jackson",
    "Harris",
]
FILLER = [
    "officers",
    "attended",
    "the",
    "address",
    "after",
    "a",
    "report",
    "of",
    "youths",
    "gathering",
    "near",
    "the",
    "shops",
    "and",
    "the",
    "subject",
    "was",
    "seen",
    "with",
    "known",
    "associates",
    "in",
    "the",
    "park",
    "later",
    "that",
    "evening",
    "CCTV",
    "reviewed",
    "by",
    "partners",
    "agreed",
    "a",
    "plan",
    "to",
    "visit",
    "the",
    "family",
    "school",
    "referral",
    "made",
    "warning",
    "given",
    "no",
    "further",
    "action",
    "at",
    "this",
    "time",
]


def _letters(n: int) -> str:
    """``n`` written in the letters a-z (a name's word holds no digit)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if not n:
            return out


def people_frame(n: int, seed: int) -> pl.DataFrame:
    """``n`` stored people with names from :data:`FIRST` and :data:`SUR` (some
    with a middle name, some stored surname first), ids ``P1``.."""
    rng = random.Random(seed)
    names = []
    for i in range(n):
        first, sur = rng.choice(FIRST), rng.choice(SUR)
        middle = f" {rng.choice(FIRST)}" if i % 3 == 0 else ""
        tail = f"{sur}{_letters(i % 997)}" if i % 4 else sur  # distinct surnames
        names.append(
            f"{tail.upper()}, {first}{middle}"
            if i % 5 == 0
            else f"{first}{middle} {tail}"
        )
    return pl.DataFrame(
        {"person_id": [f"P{i}" for i in range(1, n + 1)], "name": names}
    )


#: Ways of writing an id with invisible or look-alike characters
#: (``--lookalike``): a zero width space inside it, fullwidth digits,
#: Arabic-Indic digits, a soft hyphen and more digits after it.
LOOKALIKES = (
    lambda i: f"{i[:2]}\u200b{i[2:]}",
    lambda i: i[0] + "".join(chr(0xFF10 + int(d)) for d in i[1:]),
    lambda i: i[0] + "".join(chr(0x0660 + int(d)) for d in i[1:]),
    lambda i: f"{i}\u00ad45",
)


def texts_naming(
    people: pl.DataFrame, n: int, seed: int, lookalike: float = 0.0
) -> list[str]:
    """``n`` texts of about 66 words, each naming three stored people (in full,
    surname first, upper case) and one by id, between ordinary words; the id
    of a ``lookalike`` share of them written with :data:`LOOKALIKES`."""
    rng = random.Random(seed)
    ids, names = people["person_id"].to_list(), people["name"].to_list()
    out = []
    for _ in range(n):
        words = [rng.choice(FILLER) for _ in range(58)]
        for k in range(3):
            name = names[rng.randrange(len(names))]
            written = name.upper() if k == 1 else name
            words.insert(rng.randrange(len(words)), written)
        ident = ids[rng.randrange(len(ids))]
        if rng.random() < lookalike:
            ident = rng.choice(LOOKALIKES)(ident)
        words.insert(rng.randrange(len(words)), ident)
        words[0] = words[0].capitalize()
        out.append(" ".join(words) + ".")
    return out


def one_output(store: Store, texts: list[str]) -> list[str | None]:
    """What one partner output does with ``texts``: the stored names read once."""
    pseudo = Pseudonymiser("benchmark-key")
    shown = stored_ids_shown(store, pseudo, texts, names=queries.StoredNames(store))
    return pseudonymise_ids(texts, shown)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--texts", type=int, nargs="+", default=[50, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lookalike", type=float, default=0.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", default="", help="write the last output's texts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'avert.db'}")
        store.upgrade()
        people = people_frame(args.people, seed=1)
        with store.transaction() as tx:
            tx.append("person_identity", people)
            tx.append(
                "people",
                people.select("person_id").with_columns(source=pl.lit("benchmark")),
            )
            tx.append(
                "groups",
                pl.DataFrame({"group_id": ["G1", "G2"], "name": ["Riverside", "Park"]}),
            )
        print(f"store: {store.count('person_identity'):,} people")
        for n in args.texts:
            texts = texts_naming(people, n, seed=n, lookalike=args.lookalike)
            cpu, wall = [], []
            for _ in range(args.repeat):
                c, t = time.process_time(), time.perf_counter()
                one_output(store, texts)
                cpu.append(time.process_time() - c)
                wall.append(time.perf_counter() - t)
            s = statistics.median(cpu)
            print(
                f"{n:,} texts: {s:.3f} s CPU per output, {1000 * s / n:.2f} ms per "
                f"text (median of {args.repeat}; min {min(cpu):.3f}, max "
                f"{max(cpu):.3f}); wall {statistics.median(wall):.3f} s"
            )
        if args.save:
            Path(args.save).write_text(
                "\n".join(str(t) for t in one_output(store, texts))
            )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            one_output(store, texts)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
