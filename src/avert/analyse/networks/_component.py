"""Betweenness of people within their co-offending component, kept per component.

Method: Brandes' algorithm (Brandes 2001, "A faster algorithm for betweenness
centrality", J. Math. Sociol. 25(2)) in igraph, exact (no path-length cutoff), on the
subgraph induced by the person's connected component: a shortest path never leaves
its component, so the figure is the whole graph's at the cost of the component only.
One pass over a component gives every member's figure at once (Brandes accumulates
the dependencies of all vertices), so the figures of a component are kept: the web
app draws many people's pictures from one store's network, and the people of the
largest component, the costliest (1.2 s of CPU on a synthetic city of 386,460
incidents), share one pass. The figures are those of one person's pass: the same
subgraph, in the same vertex order (the component's vertex ids sorted).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import polars as pl

from avert.analyse.networks._graph import to_igraph

if TYPE_CHECKING:
    import igraph as ig


class ComponentBetweenness:
    """Betweenness and component size of each person of ``co_edges``'s graph,
    computed once per connected component, on first need (thread-safe: two
    callers of one component wait for one pass).

    ``co_edges``: the co-offending ties (``person_a``, ``person_b``), e.g.
    ``GroupsResult.co_edges`` of :func:`avert.analyse.networks.analyse_groups`.
    """

    def __init__(self, co_edges: pl.DataFrame) -> None:
        self._co_edges = co_edges
        self._graph: ig.Graph | None = None
        self._index: dict[str, int] = {}
        #: vertex id -> (betweenness, size of its component), filled per component
        self._known: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def of(self, person_id: str) -> dict[str, Any]:
        """``betweenness`` and ``component_size`` of ``person_id``, who has a tie.

        Raises
        ------
        KeyError
            When ``person_id`` has no tie in ``co_edges`` (not in the graph).
        """
        with self._lock:
            graph = self._graph_built()
            vertex = self._index[person_id]
            if vertex not in self._known:
                self._component_pass(graph, vertex)
            value, size = self._known[vertex]
        return {"betweenness": value, "component_size": size}

    def largest(self) -> None:
        """Compute the largest component's figures now (a warm-up: its members'
        pages are the slowest to draw)."""
        with self._lock:
            graph = self._graph_built()
            if graph.vcount() == 0:
                return
            components = graph.connected_components()
            sizes = components.sizes()
            giant = max(range(len(sizes)), key=sizes.__getitem__)
            vertex = components.membership.index(giant)
            if vertex not in self._known:
                self._component_pass(graph, vertex)

    def _graph_built(self) -> ig.Graph:
        """The co-offending graph (built once; the caller holds the lock)."""
        if self._graph is None:
            self._graph, names = to_igraph(self._co_edges, weight=None)
            self._index = {name: i for i, name in enumerate(names)}
        return self._graph

    def _component_pass(self, graph: ig.Graph, vertex: int) -> None:
        """Brandes' pass over ``vertex``'s component: every member's figure."""
        component = graph.subcomponent(vertex)
        # the subgraph's vertices are in id order (what a person's pass relied on)
        sub = graph.induced_subgraph(component)
        members = sorted(component)
        values = sub.betweenness()
        for member, value in zip(members, values, strict=True):
            self._known[member] = (float(value), len(members))
