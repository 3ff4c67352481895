"""The named steps of the rivalry and background generators (split out of
``_rivalry`` and ``_background``; the cities they make are unchanged)."""

from __future__ import annotations

import numpy as np

from avert.synth import CityConfig
from avert.synth.city._base import DAY_S, _Ctx
from avert.synth.city._events import _background_weapons
from avert.synth.city._groups import _original_times, _rival_sides


def _ctx(seed: int = 3) -> _Ctx:
    return _Ctx(CityConfig(people=3_000, days=120), np.random.default_rng(seed))


def test_rival_sides_attack_within_pairs_at_least_once_each() -> None:
    pairs = [("G1", "G2"), ("G2", "G3")]
    att, vic = _rival_sides(_ctx(), pairs)
    assert len(att) == len(vic) >= len(pairs)
    sides = {tuple(sorted((a, v))) for a, v in zip(att, vic, strict=True)}
    assert sides == set(pairs)  # every pair attacks (1 + Poisson), no other pair
    assert not (att == vic).any()


def test_original_times_leave_room_for_the_reprisal() -> None:
    ctx = _ctx()
    t = _original_times(ctx, 5_000)
    latest = ctx.horizon_s - int(ctx.cfg.reprisal_max_days * DAY_S) - 1
    assert t.min() >= 0
    assert t.max() <= latest


def test_background_weapons_only_for_violence_and_weapon_offences() -> None:
    ctx = _ctx()
    code = np.arange(len(ctx.codes), dtype=np.int64).repeat(50)
    weapon = _background_weapons(ctx, code)
    codes = np.array(ctx.codes)[code]
    weapon_offence = np.isin(codes, ["10A", "10B", "81", "10C", "10D", "90"])
    armed_allowed = ctx.is_serious[code] | ctx.is_vap[code] | weapon_offence
    assert (weapon[~armed_allowed] == 0).all()
    # other violence against the person: an "other" weapon (3) or none
    other_vap = ctx.is_vap[code] & ~ctx.is_serious[code] & ~weapon_offence
    assert np.isin(weapon[other_vap], [0, 3]).all()
    assert (weapon[ctx.is_serious[code]] > 0).any()
