"""Whether a profile's stored classifications are current: made under the definition
and harm table in force.

Only ``avert classify`` and ``avert ingest`` classify; every analysis reads the
stored classifications. When a user edits their definition file (same ``[profile]
id``) or switches the harm table (setting ``harm_table``, or ``avert classify
--harm``) and does not classify again, the analyses would read the old
classifications and harm without a word. So the classify workflow stores, with a
profile's classifications, the SHA-256 of the canonical content of the definition
and of the harm table it classified under
(:func:`avert.config.definitions.content_sha256`: the TOML as parsed, so an edit of
whitespace or comments is no change), and when (:func:`run_row`). Each analysis
compares them with the files in force (:func:`check_currency`, one read of a
one-row-per-profile table) and, when they differ, carries a note naming the profile,
what changed and "run 'avert classify'" (:func:`staleness_notes`). It does not
refuse (old figures may be read on purpose) nor classify on the fly.

In force: the definition is the ``definition`` setting when its id is the profile's,
else the built-in profile of that id, else the file the profile was classified from;
the harm table is the ``harm_table`` setting (empty: the packaged table). Both are
read from the settings of the process (:func:`avert.config.settings.load_settings`:
the ``AVERT_*`` environment) unless given.

Stores classified before this check (migration 0026) have no digest: nothing is
said until the profile is classified again (``avert status`` shows it as
``unknown``), as a note on every page of every store upgraded would say nothing
the user can act on but classify.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import polars as pl

from avert.config.definitions import (
    PROFILES,
    HarmTable,
    Profile,
    content_sha256,
    harm_path,
    profile_id,
    profile_path,
)
from avert.config.settings import Settings, load_settings
from avert.config.timezone import local_now
from avert.errors import ConfigError
from avert.store import Store
from avert.store.classified import classification_runs

__all__ = [
    "STALE_NOTE_PREFIX",
    "Currency",
    "check_currency",
    "classified_now",
    "currency_of_profiles",
    "run_row",
    "staleness_notes",
]

CurrencyState = Literal["current", "stale", "unknown"]

#: How the note of stale classifications begins (a caller that passes on only some
#: notes keeps it by this).
STALE_NOTE_PREFIX: Final = "Stale classifications:"


@dataclass(frozen=True)
class Currency:
    """Whether ``profile``'s stored classifications were made under the definition
    and harm table in force.

    ``state``: ``current``; ``stale`` (``definition_changed`` and/or
    ``harm_changed``); ``unknown`` (classified before avert stored digests, or a
    file in force cannot be read).
    """

    profile: str
    state: CurrencyState
    definition_changed: bool = False
    harm_changed: bool = False
    classified_at: dt.datetime | None = None
    definition_file: str = ""
    harm_file: str = ""

    def changed(self) -> str:
        """What changed: ``definition``, ``harm table``, both, or ``""``."""
        parts = [
            name
            for name, hit in (
                ("definition", self.definition_changed),
                ("harm table", self.harm_changed),
            )
            if hit
        ]
        return " and ".join(parts)

    def note(self) -> str | None:
        """The note every output carries when stale (None otherwise)."""
        if self.state != "stale":
            return None
        when = (
            ""
            if self.classified_at is None
            else f" on {self.classified_at:%Y-%m-%d %H:%M}"
        )
        # file names, not paths: the note reaches partners' and the board's outputs
        what: list[str] = []
        if self.definition_changed:
            what.append(f"the definition in force ({Path(self.definition_file).name})")
        if self.harm_changed:
            what.append(f"the harm table in force ({Path(self.harm_file).name})")
        return (
            f"{STALE_NOTE_PREFIX} definition '{self.profile}' was classified"
            f"{when} under another {self.changed()} than {' and '.join(what)}. "
            # "older" would be wrong when the table classified with is the newer
            # one (an imported CCHI update used with --harm, the setting not yet)
            f"These figures are from the {self.changed()} they were classified "
            "under: run 'avert classify' to bring them up to date."
        )

    def to_dict(self) -> dict[str, object]:
        """For ``avert status --json``."""
        return {
            "state": self.state,
            "changed": self.changed(),
            "classified_at": None
            if self.classified_at is None
            else self.classified_at.isoformat(),
        }


def run_row(profile: Profile, harm: HarmTable, *, at: dt.datetime) -> pl.DataFrame:
    """The ``classification_runs`` row of classifying under ``profile`` and ``harm``
    at ``at`` (:data:`avert.schema.CLASSIFICATION_RUNS`)."""
    return pl.DataFrame(
        {
            "profile": [profile.id],
            "classified_at": [at],
            "definition_sha256": [content_sha256(profile.path)],
            "definition_file": [str(Path(profile.path).resolve())],
            "harm_sha256": [content_sha256(harm.path)],
            "harm_file": [str(Path(harm.path).resolve())],
        },
        schema={
            "profile": pl.String(),
            "classified_at": pl.Datetime("us"),
            "definition_sha256": pl.String(),
            "definition_file": pl.String(),
            "harm_sha256": pl.String(),
            "harm_file": pl.String(),
        },
    )


def classified_now(store: Store) -> dt.datetime:
    """The store's wall-clock "now" for ``classified_at`` (its zone, to the second)."""
    return local_now(store.timezone).replace(microsecond=0)


def _definition_in_force(profile: str, recorded: str | None, setting: str) -> Path:
    """The file of ``profile``'s definition in force (see the module's docstring)."""
    try:
        if profile_id(setting) == profile:
            return profile_path(setting)
    except ConfigError:
        pass
    if profile in PROFILES or not recorded:
        return profile_path(profile)
    return Path(recorded)


def _currency(run: dict[str, object], settings: Settings) -> Currency:
    profile = str(run["profile"])
    classified_at = run["classified_at"]
    at = classified_at if isinstance(classified_at, dt.datetime) else None
    try:
        definition = _definition_in_force(
            profile, _text(run["definition_file"]), settings.definition
        )
    except ConfigError:
        return Currency(profile, "unknown", classified_at=at)
    harm = harm_path(settings.harm_table.strip())
    now = (content_sha256(definition), content_sha256(harm))
    was = (_text(run["definition_sha256"]), _text(run["harm_sha256"]))
    if None in now or None in was:
        return Currency(profile, "unknown", classified_at=at)
    changed = (now[0] != was[0], now[1] != was[1])
    return Currency(
        profile,
        "stale" if any(changed) else "current",
        definition_changed=changed[0],
        harm_changed=changed[1],
        classified_at=at,
        definition_file=str(definition),
        harm_file=str(harm),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def check_currency(
    store: Store, profile: str, *, settings: Settings | None = None
) -> Currency:
    """Whether ``profile``'s stored classifications are current (one small read).

    ``unknown`` when the profile has no run row (classified before migration 0026,
    or never classified).
    """
    runs = classification_runs(store, profile)
    if runs.height == 0:
        return Currency(profile, "unknown")
    return _currency(runs.row(0, named=True), settings or load_settings())


def currency_of_profiles(
    store: Store, profiles: list[str], *, settings: Settings | None = None
) -> dict[str, Currency]:
    """:func:`check_currency` of each of ``profiles`` (``avert status``), one read."""
    resolved = settings or load_settings()
    runs = {
        str(r["profile"]): r for r in classification_runs(store).iter_rows(named=True)
    }
    return {
        p: _currency(runs[p], resolved) if p in runs else Currency(p, "unknown")
        for p in profiles
    }


def staleness_notes(
    store: Store,
    profile: str,
    *,
    settings: Settings | None = None,
    reads_harm: bool = True,
) -> list[str]:
    """The note of :meth:`Currency.note` as a list (empty unless stale).

    ``reads_harm`` false: the output reads the definition's categories only (the
    retention groups), which a change of the harm table alone does not move, so
    that change is not noted (running 'avert classify' would change nothing).
    """
    currency = check_currency(store, profile, settings=settings)
    if not (reads_harm or currency.definition_changed):
        return []
    note = currency.note()
    return [] if note is None else [note]
