"""Benchmark: co-offending graph + Leiden + group matrix on 1 M incidents / 300 k people.

Synthetic frames are generated here with numpy (planted groups of 3-15 people doing
60 % of incidents, the rest by random people alone or in pairs; violence, weapons and
victims at random, so no planted group is a street gang or an organised network),
then, for each seed:

1. the whole pipeline ``analyse_groups`` with the default configuration (Leiden with
   the constant Potts model, the continuum rules of ``networks.toml``), timed, with
   the adjusted Rand index (ARI) against the planted groups and the continuum labels;
2. the method before issue 12.6 (Leiden with modularity at resolution 1 and the
   earlier continuum rules) on the same frames, for comparison;
3. stages timed stand-alone (``co_offending_edges``, ``detect_groups``) for the first
   seed; the first seed's groups written to a SQLite store as stored detected groups
   (``replace_detected_groups``) and read back as the briefing would
   (``read_detected_groups``), both timed; and the networkx baseline
   (``nx.community.louvain_communities``) unless ``--skip-nx``.

Prints seconds per stage, peak RSS (``resource.getrusage``; the first figure is
after the default pipeline alone) and the ARI of each method. Nothing is hard-coded.

Run: ``.venv/bin/python benchmarks/networks.py [--incidents N] [--people N] [--seeds 1,2,3] [--skip-nx]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from harness import peak_rss_mib

from avert.analyse import networks as nw
from avert.config.networks import (
    ContinuumRule,
    NetworksConfig,
    default_networks_config,
)


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
    # the non-zero cells of the contingency table only (a dense table of 11 k planted
    # x 20 k found labels would take 1.8 GB)
    _, cells = np.unique(t.astype(np.int64) * (p.max() + 1) + p, return_counts=True)

    def comb2(x: np.ndarray) -> float:
        return float((x * (x - 1) // 2).sum())

    index = comb2(cells)
    a, b = comb2(np.bincount(t)), comb2(np.bincount(p))
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


#: The continuum rules before issue 12.6 (one measure of several was enough).
PREVIOUS_RULES = (
    ContinuumRule(
        "organised_network",
        {"longevity_days": 365, "size": 5},
        {"firearm_share": 0.15},
    ),
    ContinuumRule(
        "street_gang",
        {"longevity_days": 90, "size": 3},
        {"violence_share": 0.5, "weapon_share": 0.2, "n_conflicts": 3},
    ),
    ContinuumRule("peer_group"),
)


def ari_of(detected: pl.DataFrame, group_of: np.ndarray) -> float:
    """ARI of detected groups (``group_id``, ``person_id``) against planted groups."""
    codes = detected.with_columns(
        pl.col("group_id").rank("dense").cast(pl.Int64).alias("c")
    )
    return score_partition(
        group_of, codes["person_id"].to_list(), codes["c"].to_numpy()
    )


def labels(frame: pl.DataFrame) -> str:
    """Continuum label counts, highest level first."""
    counts = dict(frame.group_by("continuum").len().iter_rows())
    order = ("organised_network", "street_gang", "peer_group")
    return ", ".join(f"{k} {counts.get(k, 0):,}" for k in order)


def run_seed(args: argparse.Namespace, seed: int, first: bool) -> dict[str, float]:
    """Both methods on one seed's frames; returns the ARIs."""
    t = time.perf_counter()
    incidents, involvements, group_of = make_frames(args.incidents, args.people, seed)
    print(
        f"seed {seed}: {incidents.height:,} incidents, {involvements.height:,} "
        f"involvements, {args.people:,} people, {int(group_of.max()) + 1:,} planted "
        f"groups ({time.perf_counter() - t:.1f} s to generate)"
    )
    as_of = incidents.get_column("occurred_from").max()
    assert isinstance(as_of, dt.datetime)
    cfg = default_networks_config()
    if args.only == "before":
        return {
            "cpm": float("nan"),
            "modularity": run_before(args, cfg, incidents, involvements, group_of),
        }
    w0, c0 = time.perf_counter(), time.process_time()
    result = nw.analyse_groups(incidents, involvements, as_of=as_of, config=cfg)
    w1, c1 = time.perf_counter(), time.process_time()
    detected = result.membership.filter(pl.col("origin") == "detected")
    cpm = ari_of(detected, group_of)
    print(
        f"  default ({cfg.communities.objective}, cpm_density "
        f"{cfg.communities.cpm_density:g} -> resolution "
        f"{result.params['resolution']:.4f}): analyse_groups {w1 - w0:.2f} s wall, "
        f"{c1 - c0:.2f} s CPU; {result.co_edges.height:,} edges, "
        f"{result.frame.height:,} groups; ARI {cpm:.3f}"
    )
    print(f"    continuum: {labels(result.frame)}")
    print(f"    bands: {dict(result.frame.group_by('band').len().iter_rows())}")
    if first:
        print(f"  peak RSS after the default pipeline: {peak_rss_mib():,.0f} MB")
        w2 = time.perf_counter()
        nw.co_offending_edges(incidents, involvements, as_of=as_of, config=cfg)
        w3 = time.perf_counter()
        nw.detect_groups(result.co_edges, config=cfg)
        w4 = time.perf_counter()
        print(
            f"  stage: co_offending_edges {w3 - w2:.2f} s; detect_groups "
            f"(igraph Leiden, CPM) {w4 - w3:.2f} s"
        )
        stored_groups(result)
    if args.only == "default":
        return {"cpm": cpm, "modularity": float("nan")}
    mod = run_before(args, cfg, incidents, involvements, group_of)
    if first and not args.skip_nx:
        networkx_baseline(args, result.co_edges, group_of, seed)
    return {"cpm": cpm, "modularity": mod}


def run_before(
    args: argparse.Namespace,
    cfg: NetworksConfig,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    group_of: np.ndarray,
) -> float:
    """The method before issue 12.6 on the same frames; returns its ARI."""
    as_of = incidents.get_column("occurred_from").max()
    assert isinstance(as_of, dt.datetime)
    old = replace(
        cfg,
        communities=replace(
            cfg.communities, objective="modularity", resolution=args.resolution
        ),
        continuum=PREVIOUS_RULES,
    )
    w5 = time.perf_counter()
    before = nw.analyse_groups(incidents, involvements, as_of=as_of, config=old)
    w6 = time.perf_counter()
    mod = ari_of(before.membership.filter(pl.col("origin") == "detected"), group_of)
    print(
        f"  before (modularity, resolution {args.resolution:g}, previous rules): "
        f"analyse_groups {w6 - w5:.2f} s wall; {before.frame.height:,} groups; "
        f"ARI {mod:.3f}"
    )
    print(f"    continuum: {labels(before.frame)}")
    return mod


def stored_groups(result: nw.GroupsResult) -> None:
    """Write the groups as stored detected groups, then read them back (timed)."""
    from avert.store import Store
    from avert.store.detected import replace_detected_groups
    from avert.workflows.networks import (
        detected_group_rows,
        detection_run_row,
        read_detected_groups,
    )

    now = dt.datetime.now().replace(microsecond=0)
    groups, members = detected_group_rows(
        result, profile="benchmark", computed_at=now, config=default_networks_config()
    )
    run = detection_run_row(
        groups, members, profile="benchmark", as_of=None, detected_at=now, inputs={}
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'avert.db'}")
        store.upgrade()
        w0 = time.perf_counter()
        replace_detected_groups(store, groups, members, run)
        w1 = time.perf_counter()
        stored = read_detected_groups(store)
        w2 = time.perf_counter()
        store.close()
    print(
        f"  stored detected groups (SQLite): write {groups.height:,} groups / "
        f"{members.height:,} members {w1 - w0:.2f} s; read_detected_groups "
        f"{w2 - w1:.2f} s ({stored.membership.height:,} members read)"
    )


def networkx_baseline(
    args: argparse.Namespace, edges: pl.DataFrame, group_of: np.ndarray, seed: int
) -> None:
    """networkx Louvain on the same edges (or a sample of them)."""
    import networkx as nx

    sub = (
        edges
        if args.nx_edges <= 0
        else edges.sample(n=min(args.nx_edges, edges.height), seed=seed)
    )
    t4 = time.perf_counter()
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        sub.select("person_a", "person_b", "weight").iter_rows()
    )
    t5 = time.perf_counter()
    comms = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    t6 = time.perf_counter()
    print(
        f"  networkx baseline on {sub.height:,} edges: build {t5 - t4:.2f} s, "
        f"louvain_communities {t6 - t5:.2f} s, total {t6 - t4:.2f} s "
        f"({len(comms):,} communities)"
    )
    people, labels_ = [], []
    for i, c in enumerate(comms):
        if len(c) >= 3:
            people.extend(c)
            labels_.extend([i] * len(c))
    print(
        f"  ARI (networkx Louvain vs planted): "
        f"{score_partition(group_of, people, np.array(labels_, np.int64)):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument(
        "--nx-edges", type=int, default=0, help="networkx on this many edges (0: all)"
    )
    parser.add_argument("--skip-nx", action="store_true")
    parser.add_argument(
        "--resolution",
        type=float,
        default=1.0,
        help="modularity resolution of the 'before' method",
    )
    parser.add_argument(
        "--only",
        choices=("both", "default", "before"),
        default="both",
        help="run one method only (peak RSS of that method alone)",
    )
    args = parser.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    aris = [run_seed(args, seed, i == 0) for i, seed in enumerate(seeds)]
    for method in ("cpm", "modularity"):
        values = [a[method] for a in aris if a[method] == a[method]]
        if not values:
            continue
        print(
            f"ARI {method} over seeds {seeds}: min {min(values):.3f}, "
            f"mean {sum(values) / len(values):.3f}"
        )
    print(f"peak RSS of the whole run: {peak_rss_mib():,.0f} MB")


if __name__ == "__main__":
    main()
