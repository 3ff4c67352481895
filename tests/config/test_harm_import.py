"""``avert harm import``: a small fake Cambridge workbook becomes a usable harm table."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from avert.cli import app
from avert.config.definitions import load_harm, load_profile
from avert.config.harm_import import import_cchi_workbook
from avert.errors import ConfigError

runner = CliRunner()


def _workbook(path: Path, *, sheet: str = "CCHI 2026 values sheet") -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["Cambridge Crime Harm Index 2026 update"])
    ws = book.create_sheet(sheet)
    ws.append(["CCHI 2026 values"])  # a title row above the header
    ws.append([])
    ws.append(["HO Code", "Offence title", "ATHENA URN", "CCHI value (days)"])
    ws.append(["046/01", "Shoplifting", "X1", 1])
    ws.append(["046/02", "Shoplifting by a group", "X2", 1])
    ws.append(["039/00", "Theft from the person", "X3", 2])
    ws.append(["008/01", "Assault occasioning ABH", "X4", 182.5])  # ambiguous: own code
    ws.append(["4/04", "Causing death by dangerous driving", "X5", 730])
    ws.append(["8N", "Assault with injury", "X6", 30])
    ws.append(["8N", "Assault with injury (other)", "X7", 50])
    ws.append([None, "ATHENA only row", "X8", 10])  # no Home Office code: skipped
    ws.append(["035/00", "Blackmail", "X9", "n/a"])  # no number: skipped
    book.save(path)
    return path


def test_import_writes_a_table_with_source_digest_and_cchi_values(
    tmp_path: Path,
) -> None:
    xlsx = _workbook(tmp_path / "CCHI 2026.xlsx")
    out = tmp_path / "harm-cchi.toml"
    report = import_cchi_workbook(xlsx, out)
    digest = hashlib.sha256(xlsx.read_bytes()).hexdigest()
    assert report.sha256 == digest
    assert report.rows == 7
    table = load_harm(out)
    assert table.source_file == "CCHI 2026.xlsx"
    assert table.source_sha256 == digest
    assert digest in table.describe()
    assert "CCHI 2026.xlsx" in table.describe()
    assert table.codes["46"].days == 1.0
    assert not table.codes["46"].derived
    assert table.codes["39"].days == 2.0
    assert table.codes["4.4"].days == 730.0
    assert table.codes["8N"].days == 40.0  # median of two rows
    assert "median of 2 CCHI rows" in table.codes["8N"].reason
    own = table.codes["008/01"]
    assert own.days == 182.5
    assert not own.policeuk_published
    # codes the workbook lacks keep their packaged weight and say so
    packaged = load_harm()
    assert table.codes["34B"].days == packaged.codes["34B"].days
    assert "not in CCHI 2026.xlsx" in table.codes["34B"].source
    # the police.uk category mix is unchanged by the workbook's own codes
    assert set(table.expected) == set(packaged.expected)
    load_profile("avb-2010", harm=table)  # profiles resolve against it
    with pytest.raises(ConfigError, match="exists"):
        import_cchi_workbook(xlsx, out)


def test_import_names_the_missing_sheet(tmp_path: Path) -> None:
    xlsx = _workbook(tmp_path / "book.xlsx", sheet="Other")
    with pytest.raises(ConfigError, match="CCHI 2026 values sheet"):
        import_cchi_workbook(xlsx, tmp_path / "out.toml")


def test_cli_import_then_explain_names_the_table_from_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xlsx = _workbook(tmp_path / "CCHI 2026.xlsx")
    out = tmp_path / "harm-cchi.toml"
    result = runner.invoke(app, ["harm", "import", str(xlsx), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    result = runner.invoke(
        app, ["definition", "explain", "--offence-code", "46", "--json"]
    )
    payload = json.loads(result.output)
    assert payload["harm_days"] == 1.0
    assert payload["harm_table"].startswith("packaged avert table")
    monkeypatch.setenv("AVERT_HARM_TABLE", str(out))
    result = runner.invoke(
        app, ["definition", "explain", "--offence-code", "8N", "--json"]
    )
    payload = json.loads(result.output)
    assert payload["harm_days"] == 40.0
    assert "CCHI 2026.xlsx" in payload["harm_table"]
    assert "CCHI value from CCHI 2026.xlsx" in payload["harm_source"]


def test_header_guess_and_named_columns(tmp_path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "CCHI 2026 values sheet"
    ws.append(
        ["Offence classification title", "CCHI category", "Home Office code", "Days"]
    )
    ws.append(["Shoplifting", "theft", "46", 1])
    ws.append(["Bicycle theft", "theft", "44", 2])
    xlsx = tmp_path / "book.xlsx"
    book.save(xlsx)
    table = load_harm(import_cchi_workbook(xlsx, tmp_path / "a.toml").path)
    assert table.codes["44"].days == 2.0
    assert table.codes["46"].description == "Shoplifting"
    ws["D1"] = "Value"
    ws["C1"] = "Ref"
    book.save(xlsx)
    with pytest.raises(ConfigError, match="no header row"):
        import_cchi_workbook(xlsx, tmp_path / "b.toml")
    report = import_cchi_workbook(
        xlsx, tmp_path / "c.toml", code_column="ref", days_column="VALUE"
    )
    assert report.matched_codes == 2
