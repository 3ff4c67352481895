"""Fixtures of the configuration tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def definition_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files ``avert.config.definitions`` reads from now on, in order (its
    ``read_file`` counted, not replaced): for the tests of its caches."""
    from avert.config import definitions

    reads: list[Path] = []
    read_file = definitions.read_file

    def counted(file: Path, what: str) -> dict[str, object]:
        reads.append(file)
        return read_file(file, what)

    monkeypatch.setattr(definitions, "read_file", counted)
    return reads
