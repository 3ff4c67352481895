"""Loading, validating and comparing definition profiles and the harm table."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from avert.config.definition_docs import diff_profiles
from avert.config.definitions import (
    available_profiles,
    load_harm,
    load_profile,
)
from avert.errors import ConfigError

TEST_DATA = Path(__file__).resolve().parents[1] / "data" / "home-office-2017-18"
AVB_PATH = Path(load_profile("avb-2010").path)


def test_builtin_profiles_load() -> None:
    assert available_profiles() == ["avb-2010", "who-broad"]
    avb = load_profile("avb-2010")
    assert avb.precedence[:6] == (
        "most_serious_violence",
        "serious_sexual",
        "personal_robbery",
        "assault_with_injury",
        "harassment",
        "hate_crime",
    )
    assert {r.category for r in avb.rules} == set(avb.precedence[:6])
    assert len({r.id for r in avb.rules}) == len(avb.rules)
    who = load_profile("who-broad")
    assert not who.weapon.enabled
    assert not who.group_offending.enabled
    assert not who.repeat_victim.enabled


def test_harm_table_covers_every_home_office_code_with_a_source() -> None:
    import polars as pl

    catalogue = pl.read_csv(
        TEST_DATA / "offence-code-to-policeuk-category.csv",
        schema_overrides={"Offence_Code": pl.String},
    )
    harm = load_harm()
    assert set(catalogue["Offence_Code"]) == set(harm.codes)
    for code, entry in harm.codes.items():
        assert entry.source.strip(), code
        assert entry.days >= 0, code
        assert (not entry.derived) or entry.reason.strip(), code
    # published CCHI anchors
    assert harm.codes["1/4.1/4.10/4.2"].days == 5475
    assert harm.codes["19C"].days == 1825
    assert harm.codes["34B"].days == 365
    assert not harm.codes["19C"].derived


def test_expected_weight_is_the_national_mix_mean() -> None:
    harm = load_harm()
    robbery = [harm.codes["34A"], harm.codes["34B"]]
    n = sum(c.national_count for c in robbery)
    mean = sum(c.days * c.national_count for c in robbery) / n
    assert harm.expected["robbery"].days == pytest.approx(mean)
    assert harm.expected["robbery"].n_offences == 77_104
    # fraud is not published on police.uk: left out of "other crime"
    other = [
        c for c in harm.codes.values() if c.policeuk_category.lower() == "other crime"
    ]
    published = sum(c.national_count for c in other if c.policeuk_published)
    assert harm.expected["other crime"].n_offences == published
    assert published < sum(c.national_count for c in other)


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = AVB_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "violence.toml"
    text = text.replace(old, new, 1).replace('id = "avb-2010"', 'id = "avb-test"', 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'offence_codes = ["8N"]',
            'offence_codes = ["8X"]',
            "rules[5].offence_codes: unknown offence code '8X'",
        ),
        (
            'id = "awi.on_constable"',
            'id = "awi.assault_with_injury"',
            "rules[7].id: duplicate rule id",
        ),
        (
            '    "violence_repeat_victim",\n]',
            "]",
            "categories.violence_repeat_victim: category is missing from profile.precedence",
        ),
        (
            "min_suspects = 3",
            "min_suspects = 1",
            "extensions.group_offending.min_suspects: must be an integer >= 2",
        ),
        (
            '{ weapon_in = ["knife", "firearm", "other"] }',
            '{ weapon_in = ["sword"] }',
            "rules[10].require_any[0]",
        ),
        (
            "window_days = 365",
            "window_dayz = 365",
            "extensions.repeat_victim.window_dayz: unknown key",
        ),
        (
            'direction = "both"',
            'direction = "after"',
            "direction: must be 'both' or 'prior'",
        ),
        ("[asb_bridge]", "[asb_bridge\n", "not valid TOML"),
    ],
)
def test_config_errors_name_file_and_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = _write(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    assert str(info.value).startswith("violence.toml: ") or "violence.toml" in str(
        info.value
    )
    assert message in str(info.value)


def test_unknown_profile_and_missing_file() -> None:
    with pytest.raises(ConfigError, match="Unknown definition profile 'avb-2099'"):
        load_profile("avb-2099")
    with pytest.raises(ConfigError, match="no such definition file"):
        load_profile("/nonexistent/violence.toml")


HARM_ROW = """
[codes."8N"]
description = "Assault with injury"
policeuk_category = "Violence and sexual offences"
days = 10.0
derived = true
source = "Sentencing Council"
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'reason = "medium community order"\nweight = 3\n',
            "harm.toml: codes.8N.weight: unknown key",
        ),
        ("", "harm.toml: codes.8N.reason: a derived weight needs the reasoning"),
        (
            'reason = "x"\nnational_count = -1\n',
            "codes.8N.national_count: must be an integer >= 0",
        ),
    ],
)
def test_harm_errors(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "harm.toml"
    path.write_text(HARM_ROW + extra, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_harm(path)
    assert message in str(info.value)


def test_small_harm_table_loads(tmp_path: Path) -> None:
    path = tmp_path / "harm.toml"
    path.write_text(HARM_ROW + 'reason = "medium community order"\n', encoding="utf-8")
    harm = load_harm(path)
    assert harm.codes["8N"].days == 10.0
    assert harm.expected["violence and sexual offences"].days == 10.0
    # a profile naming codes this table lacks is refused
    with pytest.raises(ConfigError, match="unknown offence code"):
        load_profile("avb-2010", harm=harm)


def test_diff_profiles(tmp_path: Path) -> None:
    avb = load_profile("avb-2010")
    assert diff_profiles(avb, avb).same
    changed = load_profile(
        _write(tmp_path, 'offence_codes = ["8N"]', 'offence_codes = ["8N", "105A"]')
    )
    d = diff_profiles(avb, changed)
    assert d.codes_added["assault_with_injury"] == ("105A",)
    assert d.rules_changed == ("awi.assault_with_injury",)
    assert not d.same
    assert "+ assault_with_injury: 105A" in d.lines()
    who = diff_profiles(avb, load_profile("who-broad"))
    assert "34A" in who.codes_added["robbery"]
    assert "rob.personal" in who.rules_removed


def test_policeuk_resolution_is_derived_from_the_codes() -> None:
    avb = load_profile("avb-2010")
    vso = avb.policeuk["violence and sexual offences"]
    assert vso.status == "possible"
    assert vso.in_definition
    assert 0.5 < vso.in_share < 0.6
    assert avb.policeuk["robbery"].category == "personal_robbery"
    assert avb.policeuk["burglary"].status == "out"
    assert not avb.policeuk["public order"].in_definition
    who = load_profile("who-broad")
    assert who.policeuk["violence and sexual offences"].status == "in"


def test_files_parse_as_plain_toml() -> None:
    # the defaults are plain TOML any deployment can copy and edit
    for pid in available_profiles():
        with Path(load_profile(pid).path).open("rb") as fh:
            assert tomllib.load(fh)["profile"]["id"] == pid


def test_a_profile_is_read_once_per_version_of_its_file(
    tmp_path: Path, definition_reads: list[Path]
) -> None:
    """``load_profile`` read and checked the TOML file on every call (21 times for
    one board's objective measures, about 0.09 s each); it now reads a file once
    per version of it and of the packaged harm table, and an edit is read at once.
    A harm table given by the caller is never served from the cache."""
    import os

    from avert.config import definitions

    src = Path(definitions.__file__).parent / "defaults" / "violence_who.toml"
    text = src.read_text("utf-8").replace('id = "who-broad"', 'id = "who-mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text, "utf-8")
    reads = definition_reads
    first = load_profile(path)
    assert load_profile(str(path)) is first
    assert [p.name for p in reads if p.name == "mine.toml"] == ["mine.toml"]
    # the same size and modification time, a new file: read again
    stamp = path.stat().st_mtime_ns
    path.unlink()
    path.write_text(text.replace('id = "who-mine"', 'id = "who-mind"'), "utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert load_profile(path).id == "who-mind"
    # edited in place
    path.write_text(text.replace('id = "who-mine"', 'id = "mine"'), "utf-8")
    assert load_profile(path).id == "mine"
    # a harm table of the caller's: checked against it, every call
    before = len(reads)
    load_profile(path, harm=definitions.load_harm())
    assert len(reads) > before + 1  # the harm file and the profile, again
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("[profile]", "[profile]\nnot_a_key = 1"), "utf-8")
    for _ in range(2):  # an error is not cached
        with pytest.raises(ConfigError, match="not_a_key"):
            load_profile(bad)


def test_a_profile_follows_the_packaged_harm_table_and_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache of ``load_profile`` is keyed on the packaged harm table's version
    too: an edit of that table is seen at once. A relative path names the file of
    the current folder, after a change of folder as before."""
    from avert.config import definitions

    harm_copy = tmp_path / "harm.toml"
    harm_copy.write_text(
        Path(definitions._default_path("harm.toml")).read_text("utf-8"), "utf-8"
    )
    packaged = definitions._default_path
    monkeypatch.setattr(
        definitions,
        "_default_path",
        lambda name: harm_copy if name == "harm.toml" else packaged(name),
    )
    assert "street begging" not in load_profile("who-broad").policeuk
    text = harm_copy.read_text("utf-8")
    harm_copy.write_text(
        text.replace(
            "[policeuk_unweighted]\n", '[policeuk_unweighted]\n"street begging" = "x"\n'
        ),
        "utf-8",
    )
    assert "street begging" in load_profile("who-broad").policeuk
    who = Path(packaged("violence_who.toml")).read_text("utf-8")
    for folder, pid in (("a", "who-aaaaa"), ("b", "who-bbbbb")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mine.toml").write_text(
            who.replace('id = "who-broad"', f'id = "{pid}"'), "utf-8"
        )
    monkeypatch.chdir(tmp_path / "a")
    assert load_profile("mine.toml").id == "who-aaaaa"
    monkeypatch.chdir(tmp_path / "b")
    assert load_profile("mine.toml").id == "who-bbbbb"


def test_a_path_that_cannot_be_looked_at_is_a_config_error(tmp_path: Path) -> None:
    """A definition path too long for the system, or a loop of links, raised a bare
    OSError from the cache's look at the file (a traceback on the command line);
    it is the ConfigError naming the file, as before the cache."""
    from avert.config.definitions import profile_id

    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    for path in ("x" * 300 + ".toml", str(loop)):
        with pytest.raises(ConfigError):
            load_profile(path)
        assert profile_id(path) == path


@pytest.mark.parametrize("builtin", ["avb-2010", "who-broad"])
def test_a_copy_that_keeps_a_built_in_id_is_refused(
    tmp_path: Path, builtin: str
) -> None:
    """Classifications are stored under the profile id: an edited copy of a built-in
    file that kept its id overwrote the built-in definition's classifications, was
    reported as that definition, and the next ``avert ingest`` (which classifies the
    built-in id with the packaged file) silently undid it. The copy is now refused,
    by name, when it is loaded and when its id is read for the analyses."""
    from avert.config.definitions import profile_id

    packaged = Path(load_profile(builtin).path)
    copy = tmp_path / "mine.toml"
    copy.write_text(packaged.read_text("utf-8") + "\n# edited\n", "utf-8")
    for read in (load_profile, profile_id):
        with pytest.raises(ConfigError, match=rf"mine.toml: profile.id: '{builtin}'"):
            read(copy)
    # the packaged file itself, by id or by path, and a copy with its own id are fine
    assert load_profile(builtin).id == builtin
    assert load_profile(packaged).id == builtin
    assert profile_id(str(packaged)) == builtin
    copy.write_text(
        packaged.read_text("utf-8").replace(f'id = "{builtin}"', 'id = "mine"', 1),
        "utf-8",
    )
    assert load_profile(copy).id == "mine"
    assert profile_id(str(copy)) == "mine"


@pytest.mark.parametrize("builtin", ["avb-2010", "who-broad"])
def test_a_copy_the_same_as_the_packaged_file_is_accepted(
    tmp_path: Path, builtin: str
) -> None:
    """A deployment's ``AVERT_DEFINITION`` may name its own copy of a built-in file:
    byte for byte the same, it classifies as the built-in one does and was refused
    (every command and page stopped); it is accepted, and refused once edited."""
    from avert.config.definitions import profile_id

    packaged = Path(load_profile(builtin).path)
    copy = tmp_path / "violence.toml"
    copy.write_bytes(packaged.read_bytes())
    assert load_profile(copy).id == builtin
    assert profile_id(copy) == builtin
    copy.write_text(packaged.read_text("utf-8").replace("\n", "\n\n", 1), "utf-8")
    with pytest.raises(ConfigError, match=r"violence.toml: profile.id: "):
        load_profile(copy)


def test_a_categorys_short_name_is_shown_and_leaves_classifications_current(
    tmp_path: Path,
) -> None:
    """A category's ``short`` is the name pages show (its title where it has none);
    it is no part of what is classified, so the definition's digest, which makes
    stored classifications stale when it changes, does not move with it (the
    built-in definition's short names must not make every store's stale)."""
    from avert.config.definitions import content_sha256, load_profile, profile_path

    profile = load_profile("avb-2010")
    assert profile.categories["violence_weapon"].name == "Violence with a weapon"
    assert profile.categories["harassment"].name == "Harassment"
    built_in = profile_path("avb-2010").read_text(encoding="utf-8")
    bare = tmp_path / "bare.toml"
    bare.write_text(
        "\n".join(
            line for line in built_in.splitlines() if not line.startswith("short = ")
        ),
        encoding="utf-8",
    )
    assert content_sha256(bare) == content_sha256(profile_path("avb-2010"))
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(built_in.replace('title = "Harassment"', 'title = "H"'))
    assert content_sha256(renamed) != content_sha256(profile_path("avb-2010"))
