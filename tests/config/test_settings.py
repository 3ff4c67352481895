"""Settings: one table of names, defaults, variables and help; secrets never shown."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from avert.config.settings import (
    DEFAULT_LOCK_TIMEOUT_S,
    SETTINGS,
    Settings,
    load_settings,
)
from avert.errors import ConfigError

SRC = Path(__file__).resolve().parents[2] / "src" / "avert"
SECRETS = ("secret_key", "pseudonym_key", "password")


def test_settings_fields_are_the_table_in_order_with_its_defaults() -> None:
    names = [f.name for f in dataclasses.fields(Settings)]
    assert names == [name for name, *_ in SETTINGS]
    assert Settings() == load_settings({})
    for name, default, env, help_text in SETTINGS:
        assert getattr(Settings(), name) == default, name
        assert env == f"AVERT_{name.upper()}", name
        assert help_text.strip(), name
    assert float(Settings().lock_timeout_s) == DEFAULT_LOCK_TIMEOUT_S


def test_environment_overrides_and_secrets_stay_out_of_repr() -> None:
    env = {"AVERT_" + name.upper(): f"value-of-{name}" for name in SECRETS}
    settings = load_settings(env)
    for name in SECRETS:
        assert getattr(settings, name) == f"value-of-{name}"
        assert f"value-of-{name}" not in repr(settings)
    assert settings.with_overrides(crs="EPSG:32617", nope="x").crs == "EPSG:32617"


def test_lock_timeout_is_checked() -> None:
    assert load_settings({"AVERT_LOCK_TIMEOUT_S": "2.5"}).lock_timeout() == 2.5
    with pytest.raises(ConfigError, match="lock_timeout_s"):
        load_settings({"AVERT_LOCK_TIMEOUT_S": "soon"}).lock_timeout()


def test_only_the_settings_module_reads_the_environment() -> None:
    # a secret or path read from the environment elsewhere would be outside the
    # table, and so missing from the generated docs/settings.md
    readers = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"\bos\.environ\b|\bgetenv\(", path.read_text(encoding="utf-8"))
    ]
    assert readers == ["config/settings.py"]


def test_definition_id_reads_its_file_once_per_version_of_it(
    tmp_path: Path, definition_reads: list[Path]
) -> None:
    """``definition_id()`` read and parsed the definition TOML file on every call
    (once per objective, section and page); it now reads it once per version of
    the file, and an edited file gives its new id at once."""
    import os

    text = (SRC / "config" / "defaults" / "violence_who.toml").read_text("utf-8")
    text = text.replace('id = "who-broad"', 'id = "who-mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text, "utf-8")
    reads = definition_reads
    settings = Settings(definition=str(path))
    assert [settings.definition_id() for _ in range(3)] == ["who-mine"] * 3
    assert Settings(definition=str(path)).definition_id() == "who-mine"
    assert len(reads) == 1
    # the same size and modification time, a new file: read again
    stamp = path.stat().st_mtime_ns
    path.unlink()
    path.write_text(text.replace('id = "who-mine"', 'id = "who-mind"'), "utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert settings.definition_id() == "who-mind"
    # edited in place (the size changes)
    path.write_text(text.replace('id = "who-mine"', 'id = "mine"'), "utf-8")
    assert settings.definition_id() == "mine"
    assert len(reads) == 3
