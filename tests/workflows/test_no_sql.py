"""SQL lives only in avert.store: workflows, ingest, report, CLI and web hold none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "avert"
#: SQL keywords, dialect branches and the store's raw escape hatches
_SQL = re.compile(
    r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \"|CREATE (TABLE|INDEX)|json_each|"
    r"json_array_elements)\b|\._?query\(|\._?execute\(|\bdialect\b"
)


def _files() -> list[Path]:
    return sorted(
        p
        for d in ("workflows", "cli", "web", "ingest", "report")
        for p in (SRC / d).rglob("*.py")
    )


@pytest.mark.parametrize(
    "path", _files(), ids=lambda p: str(p.relative_to(SRC)).replace("\\", "/")
)
def test_no_sql_outside_the_store(path: Path) -> None:
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _SQL.search(line)
    ]
    assert not hits, hits


def test_the_check_can_fail() -> None:
    assert _SQL.search('frame = store.query("SELECT 1")')
    assert _SQL.search('if store.dialect == "sqlite":')
    assert _SQL.search("rows = store._query(sql, schema=schema)")
    assert _SQL.search('tx._execute("DELETE FROM audit")')
    assert not _SQL.search("frame = store.read_frame('incidents')")


_PRIVATE_CALL = re.compile(r"\._(query|execute)\(")


def test_the_raw_escape_hatches_are_private_to_the_store() -> None:
    """``Store._query`` / ``Transaction._query`` / ``._execute``: store modules only."""
    from avert.store.database import Store, Transaction

    for cls in (Store, Transaction):
        assert not hasattr(cls, "query"), cls
        assert not hasattr(cls, "execute"), cls
    hits = [
        f"{path.relative_to(SRC)}:{n}"
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[0] != "store"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _PRIVATE_CALL.search(line)
    ]
    assert not hits, hits
    assert _PRIVATE_CALL.search("frame = store._query(sql, schema=schema)")
