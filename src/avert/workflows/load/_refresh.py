"""What is derived from the stored records, brought up to date after a load."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Final

from avert.config.definitions import HarmTable, Profile, load_harm, load_profile
from avert.config.timezone import check_timezone
from avert.errors import ConfigError, NotFound
from avert.store import Store
from avert.store.classified import classification_runs
from avert.store.detected import (
    detection_inputs,
    groups_detected_at,
    groups_detected_under,
)
from avert.store.loads import has_rows
from avert.store.summary import adding_load_at, classified_counts
from avert.workflows.definitions import ClassifyReport, classify_store
from avert.workflows.load._state import LoadReport

#: classification (group detection) passes at most: the first, and again while another
#: command's load committed rows that a pass did not see (then that command derives
#: too)
_CLASSIFY_ROUNDS: Final = 3


@dataclass(frozen=True)
class Refresh:
    """What :func:`refresh_after_load` brought up to date after a load."""

    #: one report per definition profile (re)classified
    classified: tuple[ClassifyReport, ...] = ()
    #: stored profiles that could not be reloaded by id (a TOML file elsewhere):
    #: their classifications miss the new rows until 'avert classify --definition FILE'
    not_refreshed: tuple[str, ...] = ()
    seconds: float = 0.0
    #: groups detected in the history and stored for the briefing (None: not run,
    #: the store holds no person-level involvements)
    detected_groups: int | None = None

    def summary(self) -> str:
        """One line for the command line."""
        if not self.classified and not self.not_refreshed:
            groups = self.detected_groups
            stored = (
                "" if groups is None else f" {groups:,} groups detected and stored."
            )
            return "Nothing new to classify." + stored
        parts = [
            f"{r.profile} ({r.incidents:,} incidents, {r.in_definition:,} in the "
            f"definition, {r.new:,} new)"
            for r in self.classified
        ]
        line = f"Classified under {', '.join(parts)} in {self.seconds:.1f} s."
        for report in self.classified[:1]:  # the configured definition's notes
            line += "".join(f" Harm: {note}" for note in report.notes)
            if report.asb_reports:
                line += (
                    f" ASB bridge: {report.asb_escalating:,} of "
                    f"{report.asb_reports:,} ASB reports escalate."
                )
        if self.detected_groups is not None:
            line += f" {self.detected_groups:,} groups detected and stored."
        if self.not_refreshed:
            line += (
                f" Not refreshed: {', '.join(self.not_refreshed)} (not a packaged "
                "profile): run 'avert classify --definition FILE'."
            )
        return line


def refresh_after_load(
    store: Store,
    report: LoadReport,
    *,
    definition: str,
    harm: HarmTable | None = None,
) -> Refresh:
    """Bring what is derived from the stored records up to date after a load.

    The one place where a load's dependants are refreshed, so that ``avert ingest``
    leaves the store ready to brief. Today: the ``classifications`` (with harm) of
    the configured ``definition`` and of every other profile already classified in
    the store, recomputed for the whole store by the classify workflow
    (:func:`avert.workflows.definitions.classify_store`). The whole store, not only
    the loaded rows: a new incident can change the category of older ones (repeat
    victims), and it is cheap (``benchmarks/ingest_bundle.py`` reports it).
    Then the groups detected from the co-offending history are stored
    (:func:`avert.workflows.networks.refresh_detected_groups`) when the store holds
    person-level involvements. Further derived tables add their refresh here.

    Nothing is done when the load added no rows, ``definition`` is classified
    over every stored incident (as many rows, classified after the latest load
    that added rows: :func:`_classification_behind`) and the groups were last
    detected under ``definition`` after that load (:func:`_groups_behind`), or when
    the store holds no incidents nor ASB reports (a load of stop and search or
    populations). A store of ASB reports and no incident (a council's) is
    classified as ``avert classify`` does it: no classification, the run row and
    the ASB bridge (``asb_escalations``) in one transaction. A load
    killed after it committed and before it classified or stored the groups, then
    run again, finds every row stored: it used to leave them outside the
    definition and the groups without them; it now classifies (or detects the
    groups) still. The groups' time is the latest
    detection run's (``detection_runs``), not the stored groups': a store whose
    people form no group stores none, and each no-op re-ingest detected them again.
    After classifying, the classified rows are counted against the incidents again
    (:func:`_classify_all`), and the stored rows after detecting the groups
    (:func:`_detect_groups`), as a second command's load may have committed while
    this one classified or detected.

    Parameters
    ----------
    store
        The store just loaded.
    report
        The load's report (from :func:`load_files`).
    definition
        The configured definition profile (settings ``definition``): an id or a TOML
        path.
    harm
        Harm weights (default: the packaged CCHI table).
    """
    t0 = time.perf_counter()
    try:
        harm = harm if harm is not None else load_harm()
        wanted = load_profile(definition, harm=harm)
    except ConfigError as err:
        msg = (
            f"The load committed, but it could not be classified: {err} "
            "(fix the 'definition' setting, then run 'avert classify')"
        )
        raise ConfigError(msg) from err
    stored = classified_counts(store)
    incidents = store.count("incidents")
    if incidents == 0 and not has_rows(store, "asb"):
        return Refresh()  # no incidents nor ASB reports (stops, populations)
    unchanged = report.loaded == 0 and report.replaced == 0
    classify = not unchanged or _classification_behind(
        store, wanted.id, stored.get(wanted.id, 0), incidents
    )
    people = store.count("involvements") > 0
    if not classify and not (people and _groups_behind(store, wanted.id)):
        return Refresh()  # nothing new
    classified: tuple[ClassifyReport, ...] = ()
    missing: list[str] = []
    if classify:
        profiles = [wanted]
        for profile_id in sorted(stored):
            if profile_id == wanted.id:
                continue
            try:
                profiles.append(load_profile(profile_id, harm=harm))
            except (ConfigError, NotFound):
                missing.append(profile_id)
        classified = _classify_all(store, profiles, harm)
    groups = _detect_groups(store, wanted.id) if people else None
    return Refresh(classified, tuple(missing), time.perf_counter() - t0, groups)


def _classify_all(
    store: Store, profiles: list[Profile], harm: HarmTable
) -> tuple[ClassifyReport, ...]:
    """Classify ``profiles`` until each covers every stored incident (one report
    each, the last pass's).

    A pass reads the incidents, then replaces the profile's classifications. When a
    second command's load commits between the two, and its own classification
    commits before this pass's, this pass's replacement leaves that load's incidents
    unclassified (two loads of different months at once on PostgreSQL). Loads only
    add incidents (a replaced month is reclassified by its own load), so a profile
    with as many rows as there are incidents covers them all; one with fewer is
    classified again (as is one with more: another command replaced a month), at
    most :data:`_CLASSIFY_ROUNDS` passes in all.
    """
    reports: dict[str, ClassifyReport] = {}
    todo = profiles
    for _ in range(_CLASSIFY_ROUNDS):
        for profile in todo:
            reports[profile.id] = classify_store(store, profile=profile, harm=harm)
        counts = classified_counts(store)
        incidents = store.count("incidents")
        todo = [p for p in todo if counts.get(p.id, 0) != incidents]
        if not todo:
            break
    return tuple(reports[p.id] for p in profiles)


def _detect_groups(store: Store, profile: str) -> int:
    """Detect and store the groups (:func:`avert.workflows.networks.
    refresh_detected_groups`) until no load committed meanwhile; the groups stored.

    Stored once here, so the briefing only reads them. A detection reads the
    history, then replaces the stored groups: when a second command's load commits
    between the two and its own groups are stored first, this replacement leaves
    out that load's people. So the stored incidents, involvements and loads
    (:func:`avert.store.detected.detection_inputs`) are counted before and after:
    when they changed, the groups are detected again, at most
    :data:`_CLASSIFY_ROUNDS` times in all.
    """
    from avert.workflows.networks import refresh_detected_groups

    groups = 0
    for _ in range(_CLASSIFY_ROUNDS):
        before = detection_inputs(store)
        groups = refresh_detected_groups(store, profile=profile).groups.height
        if detection_inputs(store) == before:
            break
    return groups


def _classification_behind(
    store: Store, profile: str, classified_rows: int, incidents: int
) -> bool:
    """Whether ``profile``'s stored classifications miss a load: fewer (or more)
    rows than incidents, or classified before the latest load that added rows was
    recorded. The count alone misses a killed load that replaced a month with as
    many rows as it withdrew, or that revised a crime in place (same id, another
    crime type): rows are counted as loaded, so the time tells."""
    if classified_rows != incidents:
        return True
    run = classification_runs(store, profile)
    classified = run["classified_at"][0] if run.height else None
    return _before_adding_load(store, classified)


def _groups_behind(store: Store, profile: str) -> bool:
    """Whether the stored detected groups miss a load or the definition: never
    detected (no ``detection_runs`` row), last detected under another ``profile``
    (the setting changed to a profile classified already), or before the latest
    load that added rows was recorded. A run that found no group counts: its store
    stores no groups."""
    if groups_detected_under(store) != profile:
        return True
    return _before_adding_load(store, groups_detected_at(store))


def _before_adding_load(store: Store, at: dt.datetime | None) -> bool:
    """Whether ``at`` (a derived table's time, kept to the second; None: never
    derived) may be before the latest load that added rows was recorded.

    Both are the force's wall-clock times. In the hour the clocks go back a wall
    time happens twice (a load at 01:30 GMT is 50 minutes after groups stored at
    01:40 BST), so the load's is read as its later instant and ``at`` as its
    earlier (``fold``, PEP 495): in that hour a re-run derives again rather than
    miss a load."""
    if at is None:
        return True
    loaded = adding_load_at(store)
    if loaded is None:
        return False
    zone = check_timezone(store.timezone)
    latest = loaded.replace(microsecond=0, tzinfo=zone, fold=1).astimezone(dt.UTC)
    return latest > at.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
