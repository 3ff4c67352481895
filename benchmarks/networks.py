"""Benchmark: co-offending graph + Leiden + group matrix on 1 M incidents / 300 k people.

Synthetic frames are generated here with numpy (planted groups of 3-15 people doing
60 % of incidents, the rest by random people alone or in pairs), then timed:

1. ``co_offending_edges`` (graph build from involvements),
2. ``detect_groups`` (igraph Leiden, modularity),
3. conflicts + profiles + continuum + matrix (``group_conflicts``, ``group_profiles``,
   ``assign_continuum``, ``prioritise_groups``),
4. the networkx baseline: ``nx.Graph`` from the same edge list and
   ``nx.community.louvain_communities`` (on a subsample of edges when asked).

Prints seconds per stage, peak RSS (``resource.getrusage``), and the adjusted Rand
index of each method against the planted groups. Nothing is hard-coded.

Run: ``.venv/bin/python benchmarks/networks.py [--incidents N] [--people N] [--nx-edges N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time

import numpy as np
import polars as pl

from avert.analyse import networks as nw
from avert.config.networks import CommunityConfig, NetworksConfig


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def make_frames(
    n_incidents: int, n_people: int, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """Incidents, involvements and the planted group of each person (-1: none)."""
    rng = np.random.default_rng(seed)
    # planted groups cover about a third of people
    sizes = rng.integers(3, 16, n_people // 27)
    sizes = sizes[np.cumsum(sizes) <= n_people // 3]
    n_grouped = int(sizes.sum())
    group_of = np.full(n_people, -1, np.int64)
    perm = rng.permutation(n_people)
    group_of[perm[:n_grouped]] = np.repeat(np.arange(len(sizes)), sizes)
    members = perm[:n_grouped]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    # 60 % group incidents with 2-4 members, 40 % solo or random pairs
    is_group = rng.random(n_incidents) < 0.6
    gi = np.flatnonzero(is_group)
    g = rng.integers(0, len(sizes), gi.size)
    k = rng.integers(2, 5, gi.size)
    inc_g = np.repeat(gi, k)
    who_g = members[
        starts[g].repeat(k)
        + (rng.random(k.sum()) * sizes[g].repeat(k)).astype(np.int64)
    ]
    oi = np.flatnonzero(~is_group)
    k2 = np.where(rng.random(oi.size) < 0.2, 2, 1)
    inc_o = np.repeat(oi, k2)
    who_o = rng.integers(0, n_people, k2.sum())
    inc_idx = np.concatenate([inc_g, inc_o])
    who = np.concatenate([who_g, who_o])
    role = np.where(rng.random(inc_idx.size) < 0.5, "offender", "suspect")
    victim = rng.integers(0, n_people, n_incidents)
    start = dt.datetime(2022, 1, 1)
    seconds = rng.integers(0, 3 * 365 * 86400, n_incidents)
    ids = pl.Series("incident_id", np.arange(n_incidents)).cast(pl.String)
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": pl.Series(
                (seconds + int((start - dt.datetime(1970, 1, 1)).total_seconds()))
                * 1_000_000
            ).cast(pl.Datetime("us")),
            "harm_days": rng.lognormal(2.0, 2.0, n_incidents),
            "in_definition": rng.random(n_incidents) < 0.35,
            "weapon": np.array(["none", "knife", "firearm", "other"])[
                rng.choice(4, n_incidents, p=[0.85, 0.1, 0.02, 0.03])
            ],
        }
    )
    pid = np.char.add("p", np.arange(n_people).astype(str))
    involvements = pl.DataFrame(
        {
            "incident_id": pl.Series(
                np.concatenate([inc_idx, np.arange(n_incidents)])
            ).cast(pl.String),
            "person_id": np.concatenate([pid[who], pid[victim]]),
            "role": np.concatenate([role, np.full(n_incidents, "victim")]),
        }
    ).unique(["incident_id", "person_id", "role"])
    return incidents, involvements, group_of


def ari(labels_true: np.ndarray, labels_pred: np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from the contingency table."""
    _, t = np.unique(labels_true, return_inverse=True)
    _, p = np.unique(labels_pred, return_inverse=True)
    table = np.zeros((t.max() + 1, p.max() + 1), np.int64)
    np.add.at(table, (t, p), 1)

    def comb2(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    index = comb2(table.ravel())
    a, b = comb2(table.sum(1)), comb2(table.sum(0))
    n = comb2(np.array([labels_true.size]))
    expected = a * b / n
    return (index - expected) / (0.5 * (a + b) - expected)


def score_partition(
    group_of: np.ndarray, person_ids: list[str], labels: np.ndarray
) -> float:
    """ARI over members of planted groups; unassigned people get singleton labels."""
    idx = np.array([int(p[1:]) for p in person_ids], np.int64)
    pred = np.full(group_of.size, -1, np.int64)
    pred[idx] = labels
    planted = np.flatnonzero(group_of >= 0)
    pred_p = pred[planted]
    missing = pred_p < 0
    pred_p[missing] = pred.max() + 1 + np.arange(missing.sum())
    return ari(group_of[planted], pred_p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--nx-edges", type=int, default=0, help="networkx on this many edges (0: all)"
    )
    parser.add_argument("--skip-nx", action="store_true")
    parser.add_argument(
        "--resolution", type=float, default=1.0, help="Leiden resolution"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of analyse_groups")
    args = parser.parse_args()

    t = time.perf_counter()
    incidents, involvements, group_of = make_frames(
        args.incidents, args.people, args.seed
    )
    print(
        f"frames: {incidents.height:,} incidents, {involvements.height:,} involvements, "
        f"{args.people:,} people, {int(group_of.max()) + 1:,} planted groups "
        f"({time.perf_counter() - t:.1f} s to generate)"
    )
    cfg = NetworksConfig(communities=CommunityConfig(resolution=args.resolution))
    as_of = incidents.get_column("occurred_from").max()
    assert isinstance(as_of, dt.datetime)

    # the whole pipeline: offending rows -> graph -> Leiden -> conflicts -> profiles
    # -> continuum -> matrix (analyse_groups shares the offending rows between steps)
    for run in range(1, args.repeat + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        result = nw.analyse_groups(incidents, involvements, as_of=as_of, config=cfg)
        w1, c1 = time.perf_counter(), time.process_time()
        edges = result.co_edges
        matrix = result.frame
        print(
            f"run {run}: TOTAL graph build + Leiden + matrix (analyse_groups): "
            f"{w1 - w0:.2f} s wall, {c1 - c0:.2f} s CPU; {edges.height:,} co-offending "
            f"edges, {matrix.height:,} groups"
        )
    # stages timed stand-alone (each re-derives what it needs)
    w2 = time.perf_counter()
    nw.co_offending_edges(incidents, involvements, as_of=as_of, config=cfg)
    w3 = time.perf_counter()
    detected = nw.detect_groups(edges, config=cfg)
    w4 = time.perf_counter()
    print(
        f"  stage: co_offending_edges {w3 - w2:.2f} s; detect_groups (igraph Leiden) {w4 - w3:.2f} s"
    )
    print(f"peak RSS so far: {peak_rss_mb():,.0f} MB")
    print("bands:", dict(matrix.group_by("band").len().iter_rows()))
    print("continuum:", dict(matrix.group_by("continuum").len().iter_rows()))

    codes = detected.with_columns(
        pl.col("group_id").rank("dense").cast(pl.Int64).alias("c")
    )
    print(
        f"ARI (Leiden, resolution {args.resolution:g}, vs planted, members of planted groups): "
        f"{score_partition(group_of, codes['person_id'].to_list(), codes['c'].to_numpy()):.3f}"
    )

    if args.skip_nx:
        return
    import networkx as nx

    sub = (
        edges
        if args.nx_edges <= 0
        else edges.sample(n=min(args.nx_edges, edges.height), seed=args.seed)
    )
    t4 = time.perf_counter()
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        sub.select("person_a", "person_b", "weight").iter_rows()
    )
    t5 = time.perf_counter()
    comms = nx.community.louvain_communities(graph, weight="weight", seed=args.seed)
    t6 = time.perf_counter()
    print(
        f"networkx baseline on {sub.height:,} edges: build {t5 - t4:.2f} s, "
        f"louvain_communities {t6 - t5:.2f} s, total {t6 - t4:.2f} s "
        f"({len(comms):,} communities)"
    )
    people, labels = [], []
    for i, c in enumerate(comms):
        if len(c) >= cfg.communities.min_group_size:
            people.extend(c)
            labels.extend([i] * len(c))
    print(
        f"ARI (networkx Louvain vs planted): "
        f"{score_partition(group_of, people, np.array(labels, np.int64)):.3f}"
    )
    print(f"peak RSS including networkx: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
