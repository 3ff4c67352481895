"""Co-offending networks, groups on the continuum, prioritisation and retaliation alerts.

The seed report (¶30-38) treats group offending as a continuum (peer group → street
gang → organised criminal network), prioritises groups with a Criminal Networks
Prioritisation Matrix and insists on targeting individuals' risk, not labels. This
module builds, from involvements and relationships:

* the **co-offending graph** (Reiss 1988; Sarnecki 2001): people recorded as suspect
  or offender in the same incident, each tie weighted by recency (half-life decay)
  and by the crime harm of the shared incidents (Cambridge Crime Harm Index days);
* the **victim-offender graph** (who hurt whom), from which violence between groups
  ("conflicts", Kennedy's group audit in Group Violence Intervention) is counted;
* **groups**: communities found with the Leiden algorithm (Traag, Waltman & van Eck
  2019) optimising modularity, *plus* declared groups (``group_members``), which
  are an input, never the only truth; each group is profiled (size, harm, violence
  and weapon share, trend, longevity, conflicts), placed on the **continuum** by
  documented rules and banded by a **network prioritisation matrix** (harm × threat
  × trend, after UK OCG mapping and MoRiLE) with the reasons;
* **people in networks**: degree, betweenness and *exposure*, the share of a
  person's first-degree network who were recently victims of violence
  (Papachristos, Wildeman & Roberto 2015; Green, Horel & Papachristos 2017);
* **retaliation alerts**: when a group-linked person is a victim of violence, who
  may retaliate and who may be targeted, within a configurable window.

Ethics (the lesson of the MPS Gangs Violence Matrix, ICO 2018): no list here sorts
people by group membership. :func:`rank_people` orders people by their *own* risk
score (``avert.analyse.risk``) with ties by ``person_id``; network facts are shown
beside the score, never used to order it.

All functions are pure: DataFrames and configuration in, DataFrames or results out.

The package is split along these sections, each in a private module re-exported
here (import from ``avert.analyse.networks``, never from the private modules):
``_graph`` (co-offending and victim-offender graphs), ``_groups`` (communities, union
with declared groups, :func:`analyse_groups`), ``_conflicts`` (violence between
groups), ``_profiles`` (group profiles), ``_places`` (where and since when a group offends), ``_matrix`` (continuum and prioritisation
matrix), ``_people`` (people in networks) and ``_retaliation`` (alerts);
``_common`` holds the shared input checks, time windows and edges read both ways
(:mod:`avert.analyse.families` uses them too).
"""

from __future__ import annotations

from avert.analyse.networks._component import ComponentBetweenness
from avert.analyse.networks._conflicts import group_conflicts
from avert.analyse.networks._graph import (
    co_offending_edges,
    to_igraph,
    victim_offender_edges,
)
from avert.analyse.networks._groups import (
    GroupsResult,
    analyse_groups,
    community_resolution,
    detect_groups,
    group_membership,
    match_groups,
)
from avert.analyse.networks._matrix import assign_continuum, prioritise_groups
from avert.analyse.networks._people import (
    person_metrics,
    person_network,
    rank_people,
    victims_of_violence,
)
from avert.analyse.networks._places import AREA_LEVELS, group_areas
from avert.analyse.networks._profiles import group_profiles
from avert.analyse.networks._retaliation import (
    RetaliationResult,
    retaliation_alerts,
    retaliation_window_ids,
)
from avert.analyse.retaliation_text import LIVE_REASON, LIVE_REASON_FORM

__all__ = [
    "AREA_LEVELS",
    "LIVE_REASON",
    "LIVE_REASON_FORM",
    "ComponentBetweenness",
    "GroupsResult",
    "RetaliationResult",
    "analyse_groups",
    "assign_continuum",
    "co_offending_edges",
    "community_resolution",
    "detect_groups",
    "group_areas",
    "group_conflicts",
    "group_membership",
    "group_profiles",
    "match_groups",
    "person_metrics",
    "person_network",
    "prioritise_groups",
    "rank_people",
    "retaliation_alerts",
    "retaliation_window_ids",
    "to_igraph",
    "victim_offender_edges",
    "victims_of_violence",
]
