"""Shared state of the synthetic city: constants, the city and truth records, the
generation context and small vectorised draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.errors import ConfigError
from avert.schema import ETHNICITIES, HATE_STRANDS, INJURY_LEVELS, ROLES
from avert.synth._tables import harm_days, offence_mix
from avert.synth.config import CityConfig

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
# numpy strings (labels); Python objects (the ``str`` ids of a Polars String series)
Str = npt.NDArray[np.str_]
Obj = npt.NDArray[np.object_]
# a JSON object: a fragment of ``truth.json`` (the only untyped state of the city)
Json = dict[str, Any]

SOURCE = "avert-synth"
# the city's people all have a known ethnicity; hate, injury and role codes index
# the format's own lists (hate 0: none, the last: two strands)
ETHNIC = tuple(e for e in ETHNICITIES if e != "Unknown")
HATE_LABELS = ("", *HATE_STRANDS, "race;religion")
INJURY = INJURY_LEVELS
ROLE_VICTIM, ROLE_SUSPECT, ROLE_OFFENDER, ROLE_WITNESS = (
    ROLES.index(r) for r in ("victim", "suspect", "offender", "witness")
)
ROLE_NAMES = ROLES
ROLE_NAMES_SORTED = tuple(sorted(ROLE_NAMES))
DAY_S = 86_400

# part labels of incidents (what generated them; kept in truth, not in the bundle)
PARTS = (
    "background",
    "near_repeat",
    "high_rate",
    "group",
    "rival_attack",
    "reprisal",
    "domestic",
    "asb_escalation",
)

# 24-hour shapes (clock hour 0..23) of the rhythms; weekend nights are boosted below.
_NIGHT = np.array(
    [8, 7, 5, 3, 2, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9, 9], float
)
_DAY = np.array(
    [1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1], float
)
_HOME = np.array(
    [4, 3, 2, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 5], float
)
_ASB = np.array(
    [2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 8, 8, 7, 6, 4, 3], float
)


@dataclass(frozen=True)
class Truth:
    """What was planted, as JSON-ready values (written to ``truth.json``).

    Attributes
    ----------
    fields
        Ordered mapping of every truth field; see ``docs/synth.md`` for each key.
    """

    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        """The truth field ``key``."""
        return self.fields[key]


@dataclass(frozen=True)
class City:
    """A synthetic city: canonical-named Polars frames plus its planted truth."""

    config: CityConfig
    seed: int
    incidents: pl.DataFrame
    people: pl.DataFrame
    involvements: pl.DataFrame
    relationships: pl.DataFrame
    asb: pl.DataFrame
    stops: pl.DataFrame
    attendances: pl.DataFrame
    intelligence: pl.DataFrame
    groups: pl.DataFrame
    group_members: pl.DataFrame
    truth: Truth
    extracted_at: datetime
    #: every resident (not only those in a record): ``lsoa`` (the synthetic LSOA,
    #: its home cell), ``sex`` (M, F), ``age`` (years at the end date) and
    #: ``ethnicity``; the city's own denominators (:mod:`avert.synth.residents`)
    residents: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: DASH risk assessments of domestic abuse victims (the bundle's ``dash``
    #: file, an avert extension; :mod:`avert.synth.city._dash`)
    dash: pl.DataFrame = field(default_factory=pl.DataFrame)

    def frames(self) -> dict[str, pl.DataFrame]:
        """The canonical tables by name (bundle order)."""
        return {
            "incidents": self.incidents,
            "people": self.people,
            "involvements": self.involvements,
            "relationships": self.relationships,
            "asb": self.asb,
            "stops": self.stops,
            "attendances": self.attendances,
            "intelligence": self.intelligence,
            "groups": self.groups,
            "group_members": self.group_members,
            "dash": self.dash,
        }


# ------------------------------------------------------------------------------------
# small vectorised helpers


def _pick(rng: np.random.Generator, cum: F64, n: int) -> I64:
    """Indices drawn with probability proportional to the increments of ``cum``."""
    if n == 0:
        return np.zeros(0, np.int64)
    u = rng.random(n) * cum[-1]
    out: I64 = np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(
        np.int64
    )
    return out


def _choice(rng: np.random.Generator, p: list[float] | F64, n: int) -> I64:
    w = np.asarray(p, dtype=np.float64)
    return _pick(rng, np.cumsum(w), n)


def _accused_roles(rng: np.random.Generator, n: int, charged_share: float) -> I64:
    """Roles of ``n`` accused people: offender (charged) with ``charged_share``, else
    suspect (one uniform draw each)."""
    roles: I64 = np.where(rng.random(n) < charged_share, ROLE_OFFENDER, ROLE_SUSPECT)
    return roles


@dataclass
class _Events:
    """Incidents under construction (arrays of equal length) and their involvements."""

    t: list[I64] = field(default_factory=list)
    code: list[I64] = field(default_factory=list)
    place: list[I64] = field(default_factory=list)
    domestic: list[B] = field(default_factory=list)
    weapon: list[I64] = field(default_factory=list)
    hate: list[I64] = field(default_factory=list)
    gang: list[B] = field(default_factory=list)
    injury: list[I64] = field(default_factory=list)
    part: list[I64] = field(default_factory=list)
    inv_event: list[I64] = field(default_factory=list)
    inv_person: list[I64] = field(default_factory=list)
    inv_role: list[I64] = field(default_factory=list)
    n: int = 0

    def add(
        self,
        *,
        t: I64,
        code: I64,
        place: I64,
        part: str,
        weapon: I64,
        injury: I64,
        domestic: B | None = None,
        hate: I64 | None = None,
        gang: B | None = None,
    ) -> I64:
        """Append events and return their global indices."""
        k = len(t)
        self.t.append(t.astype(np.int64))
        self.code.append(code.astype(np.int64))
        self.place.append(place.astype(np.int64))
        self.weapon.append(weapon.astype(np.int64))
        self.injury.append(injury.astype(np.int64))
        self.domestic.append(np.zeros(k, bool) if domestic is None else domestic)
        self.hate.append(
            np.zeros(k, np.int64) if hate is None else hate.astype(np.int64)
        )
        self.gang.append(np.zeros(k, bool) if gang is None else gang)
        self.part.append(np.full(k, PARTS.index(part), np.int64))
        idx = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        return idx

    def involve(self, events: I64, people: I64, roles: I64 | int) -> None:
        """Record people in events with roles."""
        self.inv_event.append(events.astype(np.int64))
        self.inv_person.append(people.astype(np.int64))
        role_arr = np.broadcast_to(np.asarray(roles, dtype=np.int64), events.shape)
        self.inv_role.append(np.array(role_arr, dtype=np.int64))

    def drop_young_accused(self, age_at_end: I64, horizon_s: int) -> None:
        """Leave out suspects and offenders under 10 (the age of criminal
        responsibility in England and Wales) at their incident.

        ``age_at_end`` is each person's age in whole years at the end of the period
        (the true age lies in ``[age, age + 1)``), so the age at an event ``t``
        seconds after the start is at least ``age - (horizon_s - t) / year``.
        """
        if not self.inv_event:
            return
        t = np.concatenate(self.t)
        event = np.concatenate(self.inv_event)
        person = np.concatenate(self.inv_person)
        role = np.concatenate(self.inv_role)
        years_before_end = (horizon_s - t[event]) / (365.25 * DAY_S)
        young = age_at_end[person] - years_before_end < 10
        keep = ~(young & ((role == ROLE_SUSPECT) | (role == ROLE_OFFENDER)))
        self.inv_event = [event[keep]]
        self.inv_person = [person[keep]]
        self.inv_role = [role[keep]]


class _Ctx:
    """Shared state of one generation run (arrays over cells, places and people)."""

    def __init__(self, config: CityConfig, rng: np.random.Generator) -> None:
        self.cfg = config
        self.rng = rng
        end = datetime.combine(config.end_date, time(6, 0))
        self.end = end
        self.start = end - timedelta(days=config.days)
        self.horizon_s = config.days * DAY_S
        self.years = config.days / 365.25
        mix = offence_mix().filter(
            ~pl.col("offence_group").is_in(list(config.exclude_offence_groups))
        )
        self.mix = mix
        self.codes: list[str] = mix["offence_code"].to_list()
        self.code_ix = {c: i for i, c in enumerate(self.codes)}
        self.crime_type = mix["crime_type"].to_list()
        groups = mix["offence_group"].to_numpy()
        subgroups = mix["offence_subgroup"].to_numpy()
        self.is_vap = groups == "Violence against the person"
        self.is_sexual = groups == "Sexual offences"
        self.is_serious = np.isin(
            np.array(self.codes),
            ["8N", "8P", "8S", "5D", "5E", "2", "1/4.1/4.10/4.2", "3B", "34A", "34B"],
        )
        self.has_victim = (
            self.is_vap
            | self.is_sexual
            | np.isin(np.array(self.codes), ["34B", "39", "58A"])
            | (subgroups == "Domestic burglary")
        ) & ~np.isin(np.array(self.codes), ["104", "8S"])
        self.at_home = (subgroups == "Domestic burglary") | (
            np.array(self.codes) == "58A"
        )
        self.night = (
            self.is_vap
            | self.is_sexual
            | np.isin(
                mix["crime_type"].to_numpy(),
                ["Public order", "Robbery", "Theft from the person"],
            )
        )
        self.harm = harm_days(np.array(self.codes))
        inj = np.zeros(len(self.codes), np.int64)
        inj[subgroups == "Violence with injury"] = 1
        inj[np.isin(np.array(self.codes), ["5D", "5E", "2"])] = 2
        inj[
            (subgroups == "Homicide")
            | np.char.startswith(np.array(self.codes, dtype=str), "4.")
        ] = 3
        self.injury_of_code = inj
        self.hour_cum: dict[str, F64] = {}

    def c(self, code: str) -> int:
        """Index of offence ``code`` in the mix; a ConfigError when the config's
        ``exclude_offence_groups`` removed a code the generator plants."""
        if code not in self.code_ix:
            mix = offence_mix()
            group = mix.filter(pl.col("offence_code") == code)["offence_group"]
            msg = (
                f"exclude_offence_groups removes offence {code!r} "
                f"({group[0] if group.len() else 'unknown group'}), which the city "
                "plants (groups, high-rate offenders, domestic abuse): keep its "
                "group in the mix."
            )
            raise ConfigError(msg)
        return self.code_ix[code]

    def codes_of(self, spec: dict[str, float], n: int) -> I64:
        keys = list(spec)
        idx = _choice(self.rng, list(spec.values()), n)
        lut = np.array([self.c(k) for k in keys], np.int64)
        return lut[idx]

    # --- time -------------------------------------------------------------------
    def _hour_weights(self, shape: F64, *, weekend_night: float) -> F64:
        n_hours = self.cfg.days * 24
        hours = np.arange(n_hours, dtype=np.int64)
        clock = (self.start.hour + hours) % 24
        start_ord = self.start.toordinal()
        # weekday of each hour: Monday = 0
        day_ord = start_ord + (self.start.hour + hours) // 24
        weekday = (day_ord - 1) % 7  # date.fromordinal(1) is a Monday
        w = shape[clock].copy()
        fri_sat_night = ((weekday == 4) | (weekday == 5)) & (clock >= 20)
        early_weekend = ((weekday == 5) | (weekday == 6)) & (clock < 5)
        w[fri_sat_night | early_weekend] *= weekend_night
        doy = (day_ord - datetime(self.start.year, 1, 1).toordinal()) % 365
        season = 1.0 + self.cfg.seasonal_amplitude * np.cos(
            2 * np.pi * (doy - 196) / 365.0
        )
        out: F64 = w * season
        return out

    def times(self, profile: str, n: int) -> I64:
        """Seconds since the start, drawn from a daily/weekly/seasonal rhythm."""
        if profile not in self.hour_cum:
            shapes = {
                "night": (_NIGHT, 2.5),
                "day": (_DAY, 1.0),
                "home": (_HOME, 1.4),
                "asb": (_ASB, 1.5),
            }
            shape, boost = shapes[profile]
            self.hour_cum[profile] = np.cumsum(
                self._hour_weights(shape, weekend_night=boost)
            )
        hour = _pick(self.rng, self.hour_cum[profile], n)
        offset_in_hour = (self.start.minute * 60) % 3600
        secs = hour * 3600 + self.rng.integers(0, 3600, n) - offset_in_hour
        out: I64 = np.clip(secs, 0, self.horizon_s - 1).astype(np.int64)
        return out
