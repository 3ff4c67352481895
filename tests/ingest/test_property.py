"""Property: corrupting real police.uk rows at random never crashes and loses nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avert.store import Store
from avert.workflows.load import load_files

DATA = Path(__file__).resolve().parents[1] / "data" / "policeuk"
STREET = (
    (DATA / "2018-07" / "2018-07-west-yorkshire-street.csv").read_text().splitlines()
)
STOPS = (
    (DATA / "2019-01" / "2019-01-cumbria-stop-and-search.csv").read_text().splitlines()
)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as tmp:
        s = Store(f"sqlite:///{tmp}/p.db")
        s.upgrade()
        yield s
        s.close()


def _corrupt(line: str, how: str, data: st.DataObject) -> str:
    fields = line.split(",")
    i = data.draw(st.integers(0, max(len(fields) - 1, 0)))
    if how == "drop_field":
        del fields[i]
    elif how == "insert_field":
        fields.insert(i, data.draw(st.text(alphabet="ab9-. ", max_size=5)))
    elif how == "garble_field":
        fields[i] = data.draw(
            st.sampled_from(["", "2018-13", "999", "nan", "-", "x\u00e9", "1e400", '"'])
        )
    elif how == "cut":
        return line[: data.draw(st.integers(0, len(line)))]
    elif how == "blank":
        return ""
    return ",".join(fields)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), which=st.sampled_from(["street", "stops"]))
def test_random_corruption_never_loses_a_row(
    store: Store, data: st.DataObject, which: str
) -> None:
    source = STREET if which == "street" else STOPS
    header, rows = source[0], source[1:]
    picked = data.draw(st.lists(st.sampled_from(rows), min_size=0, max_size=25))
    out = []
    for line in picked:
        how = data.draw(
            st.sampled_from(
                [
                    "keep",
                    "keep",
                    "drop_field",
                    "insert_field",
                    "garble_field",
                    "cut",
                    "blank",
                ]
            )
        )
        out.append(line if how == "keep" else _corrupt(line, how, data))
    if data.draw(st.booleans()):
        header = _corrupt(
            header, data.draw(st.sampled_from(["garble_field", "keep"])), data
        )
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join([header, *out]) + data.draw(st.sampled_from(["", ending]))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    name = "2019-01-cumbria-stop-and-search.csv" if which == "stops" else "street.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode(encoding, errors="replace"))
        before = store.counts()
        report = load_files(store, [path])
        after = store.counts()
    (f,) = report.files
    non_blank = sum(1 for line in [*out] if line.strip() != "")
    assert f.rows == f.loaded + f.quarantined + f.duplicates
    if f.kind != "unknown":
        assert f.rows == non_blank
    added = sum(after[t] - before[t] for t in ("incidents", "stops"))
    assert added == f.loaded
