"""Every rate of the synthetic city in one frozen dataclass, each with its source.

The numbers are plausible, published national figures for England and Wales where
one exists (cited per field) and avert's own planting choices where none does (marked
"planted"). ``docs/synth.md`` lists them all with their sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from avert.errors import ConfigError

__all__ = ["CityConfig"]


def _default_stop_ratios() -> dict[str, float]:
    # GOV.UK Ethnicity facts and figures, "Stop and search" (year to March 2023):
    # about 24.5 searches per 1,000 Black people, 5.9 per 1,000 White people (ratio
    # about 4.1), Mixed about 1.7x, Asian about 1.4x; "Other" set to 1.5x (approximate).
    return {"White": 1.0, "Black": 4.1, "Asian": 1.4, "Mixed": 1.7, "Other": 1.5}


@dataclass(frozen=True)
class CityConfig:
    """Parameters of :func:`avert.synth.make_city` (every rate documented with a source).

    Parameters
    ----------
    people
        Residents of the city (the census population; only people who appear in a
        record are written to ``people.csv``).
    days
        Length of the period in days, ending at ``end_date`` 06:00.
    end_date
        The city's last day: the extract is taken at 06:00 on this day, so the daily
        briefing for ``end_date`` reviews the 24 hours before it.

    Notes
    -----
    Field comments give each rate's source; "planted" marks avert's own choice made so
    that a known truth can be recovered (documented in ``docs/synth.md``).
    """

    people: int = 50_000
    days: int = 730
    end_date: date = date(2026, 11, 24)

    # --- geography (planted; grid placed on central Birmingham, EPSG:27700) -------------
    cell_size_m: float = 250.0
    people_per_cell: float = 250.0  # ~4,000 residents per km2: an inner-city density
    centre_x_m: float = 406_900.0  # Birmingham city centre (British National Grid)
    centre_y_m: float = 286_900.0
    places_per_cell: int = 24  # micro-places (street segments) per cell
    place_pareto_shape: float = (
        1.1  # Weisburd (2015): ~50 % of crime at ~4 % of segments
    )
    nte_hotspots: int = 3  # night-time-economy cells near the centre ("a few")
    nte_night_share: float = 0.45  # share of night violence drawn to the NTE cells
    estate_share: float = 0.05  # share of cells that are high-crime estates
    estate_multiplier: float = 2.5  # base-rate multiplier of estates (planted)

    # --- volume and mix -------------------------------------------------------------
    # Home Office PRC 2017/18: 5.5 M offences / 59 M residents ~ 93 per 1,000, of which
    # fraud (Action Fraud, CIFAS, UK Finance) ~ 11 per 1,000, leaving ~ 82 per 1,000.
    crimes_per_1000_per_year: float = 82.0
    exclude_offence_groups: tuple[str, ...] = ("Fraud offences",)
    seasonal_amplitude: float = 0.10  # ONS: violence peaks in summer by ~10 % (approx.)
    # Outcomes: Home Office "Crime outcomes in England and Wales" (2017/18-2022/23):
    # a suspect is identified in roughly half of violence and far fewer property crimes;
    # charge/summons about 7-8 % of all crimes (approximate).
    suspect_share_violence: float = 0.5
    suspect_share_other: float = 0.15
    charged_share: float = 0.3  # of crimes with a suspect, the suspect is charged
    # planted: background robbery and violence with a suspect that name a second one,
    # drawn by propensity like the first (random co-offending outside any group)
    second_accused_share: float = 0.15
    witness_share: float = 0.1  # planted: person crimes with a recorded witness

    # --- offenders (heavy-tailed propensity) ------------------------------------------
    # Cambridge Study (Farrington): ~6 % of males carried ~half of all convictions.
    offender_share: float = 0.03  # of residents aged 10-69 active in the period
    propensity_sigma: float = 1.3  # lognormal sigma of individual propensity (planted)
    familial_sigma: float = 0.8  # lognormal sigma of a family's shared factor (planted)
    high_rate_offenders: int | None = None  # default: people // 800, at least 10
    high_rate_offences_per_year: float = 15.0  # planted prolific offenders (IOM-like)
    high_rate_charged_share: float = 0.85

    # --- victims ------------------------------------------------------------------
    # Farrell & Pease (1993): repeat victims carry a large share of victimisation.
    victim_gamma_shape: float = 0.25  # gamma shape of victim propensity (planted)
    vulnerable_share: float = 0.05  # of residents under 75; 30 % of those 75+
    # ONS hate crime (Home Office 2022/23): ~2 % of recorded crime; strands race ~70 %,
    # sexual orientation ~17 %, disability ~9 %, religion ~6 %, transgender ~3 %.
    hate_share_violence: float = 0.02

    # --- weapons (ONS "Crime in England and Wales", knife and firearm offences) -------
    # ~50 k knife offences a year: ~ 6-8 % of selected violence (ABH/GBH, robbery,
    # threats to kill, homicide) involves a knife; firearms ~ 0.5 %.
    knife_share_serious_violence: float = 0.07
    firearm_share_serious_violence: float = 0.005
    other_weapon_share_violence: float = 0.04

    # --- near-repeat contagion (Townsley et al. 2003; Johnson & Bowers 2004) ----------
    near_repeat_share: float = (
        0.12  # planted share of burglary/violence with a follower
    )
    near_repeat_days: float = 4.0  # mean delay of the follower (days)
    near_repeat_m: float = 80.0  # std of the follower's displacement (m)

    # --- families (ONS Families and households: ~ 1.7 dependent children per family) --
    parent_share: float = 0.55  # of residents aged 25-60 who are parents (planted)
    couple_share: float = 0.6  # of parents with a co-parent partner
    familial_offending_multiplier: float = 3.0  # planted: offending runs in families

    # --- domestic abuse ------------------------------------------------------------
    # ONS "Domestic abuse in England and Wales" (2022): about a third of violence
    # against the person recorded by police is domestic-abuse related.
    domestic_share_violence: float = 0.33
    escalating_dyad_share: float = 0.3  # planted escalating dyads among all dyads
    ex_partner_share: float = 0.3

    # --- groups along the continuum (planted, per 100,000 residents) -----------------
    peer_groups_per_100k: float = 24.0
    street_gangs_per_100k: float = 12.0
    organised_networks_per_100k: float = 3.0
    min_street_gangs: int = 4
    min_organised_networks: int = 1
    min_peer_groups: int = 4
    group_incidents_per_member_year: float = 5.0
    group_outsider_share: float = 0.08  # co-offending outside the group (planted)
    declared_group_share: float = (
        0.6  # groups written to groups.csv (the rest are hidden)
    )
    declared_member_share: float = 0.8
    rival_attacks_per_rivalry_year: float = 8.0
    reprisal_probability: float = 0.6
    reprisal_mean_days: float = 3.0
    reprisal_max_days: float = 10.0

    # --- ASB (Home Office / ONS police-recorded ASB ~ 1.1 M a year, ~ 19 per 1,000) ---
    asb_per_1000_per_year: float = 19.0
    asb_personal_share: float = 0.2
    asb_environmental_share: float = 0.1
    asb_campaigns_per_100k: float = 60.0  # targeted vulnerable callers (planted)
    asb_escalation_share: float = 0.3  # campaigns ending in violence (planted chains)

    # --- stop and search (Home Office: ~ 530 k searches 2022/23, ~ 9 per 1,000) -------
    stops_per_1000_per_year: float = 9.0
    stop_ratios: dict[str, float] = field(default_factory=_default_stop_ratios)
    # share of the searches with an outcome other than no further action whose
    # outcome is linked to the object of the search (police.uk's "Outcome linked to
    # object of search"; planted, the same for every group): the find rate's numerator
    stop_outcome_linked_share: float = 0.7

    # --- emergency departments (Cardiff Model) ----------------------------------------
    # Sutherland, Sivarajasingam & Shepherd (2002, Injury Prevention): only about a
    # quarter of assaults treated in emergency departments were recorded by police.
    ed_reported_share: float = 0.25
    ed_attend_minor: float = 0.3
    ed_attend_serious: float = 0.9

    # --- intelligence (3x5x2 grading; APP Intelligence management, 2016) -------------
    intel_per_member_year: float = 1.5
    intel_per_group_year: float = 6.0
    intel_noise_per_1000_year: float = 1.0  # low-grade, inaccurate person intelligence

    def __post_init__(self) -> None:
        """Validate the parameters (sklearn-style messages)."""
        if self.people < 500:
            msg = f"The 'people' parameter of CityConfig must be an int >= 500. Got {self.people} instead."
            raise ConfigError(msg)
        if self.days < 30:
            msg = f"The 'days' parameter of CityConfig must be an int >= 30. Got {self.days} instead."
            raise ConfigError(msg)
        for name in (
            "offender_share",
            "suspect_share_violence",
            "suspect_share_other",
            "charged_share",
            "domestic_share_violence",
            "reprisal_probability",
            "ed_reported_share",
            "declared_group_share",
        ):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                msg = f"The '{name}' parameter of CityConfig must be a float in (0, 1). Got {value} instead."
                raise ConfigError(msg)
        if self.end_date.toordinal() - self.days < date(1900, 1, 1).toordinal():
            msg = f"The 'end_date' and 'days' parameters of CityConfig must start the city's period in 1900 or later. Got {self.days} days to {self.end_date.isoformat()} instead."
            raise ConfigError(msg)
        for name, value in self.__dict__.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if not math.isfinite(value) or value < 0:
                msg = f"The '{name}' parameter of CityConfig must be a number >= 0. Got {value} instead."
                raise ConfigError(msg)
        for name in (
            "cell_size_m",
            "people_per_cell",
            "places_per_cell",
            "nte_hotspots",
            "place_pareto_shape",
        ):
            if getattr(self, name) <= 0:
                msg = f"The '{name}' parameter of CityConfig must be > 0. Got {getattr(self, name)} instead."
                raise ConfigError(msg)
        for name, value in self.__dict__.items():
            if "_share" in name and value > 1:
                msg = f"The '{name}' parameter of CityConfig must be a share between 0 and 1. Got {value} instead."
                raise ConfigError(msg)
        if "White" not in self.stop_ratios:
            msg = "The 'stop_ratios' parameter of CityConfig must include 'White' (the reference group)."
            raise ConfigError(msg)

    @property
    def n_high_rate(self) -> int:
        """Number of planted high-rate offenders."""
        if self.high_rate_offenders is not None:
            return self.high_rate_offenders
        return max(10, self.people // 800)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as JSON-ready values (for ``truth.json``)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out
