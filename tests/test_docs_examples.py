"""The examples of README.md and docs/*.md against the code, so they cannot drift.

Each check reads the pages themselves:

- every ``avert ...`` command the pages show (a line of a code block, or inline
  code) names commands and options the CLI has: the command path is walked in the
  Typer/Click tree and each ``--option`` looked up on the command it follows;
  placeholders (``ID``, ``...``), ``[optional]`` brackets and ``a|b`` choices are
  read as a reader would;
- every ``--option`` a page names in inline code is an option of some ``avert``
  command or of the benchmark script the page names (benchmarks have their own);
- every dotted name ``avert.x.y`` in inline code imports and resolves, and every
  ``AVERT_...`` environment variable a page names is a setting;
- docs/delivery.md's annotated plan file reads as a plan without errors, and
  docs/formats.md's table mappings as mappings;
- every ``GET /api/...?name=`` of docs/web.md is a route of the app with those
  query parameters (its OpenAPI document);
- the ``python`` code blocks of the pages that hold a runnable example run, on a
  small synthetic city, after a few lines that give the snippet's free names
  (``incidents``, ``at``, ...), which the page leaves to the reader.

README's tour is run command by command in tests/test_readme_tour.py; the generated
pages (cli.md, settings.md, definitions.md) are compared with the code in
tests/test_docs.py.
"""

from __future__ import annotations

import functools
import importlib
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer

import avert.cli._common
from avert.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
GENERATED = {"cli.md"}  # every command's own --help: nothing to check against
PAGES = [
    REPO / "README.md",
    *sorted(p for p in DOCS.glob("*.md") if p.name not in GENERATED),
]
# options of the benchmark scripts the pages quote (argparse, not the CLI)
BENCHMARK_OPTIONS = re.compile(r"benchmarks/\w+\.py")

CODE_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def code_block_commands(text: str) -> Iterator[tuple[int, str]]:
    """(line, command) of the ``avert ...`` lines of a page's code blocks: whole
    command lines a reader copies, unlike inline mentions such as `avert brief`."""
    for block in CODE_BLOCK.finditer(text):
        body = block.group(1).replace("\\\n", " ")
        first = _line_of(text, block.start(1))
        for k, line in enumerate(body.splitlines()):
            words = line.strip().removeprefix("$ ")
            # leading NAME=value environment assignments, as a shell reads them
            words = re.sub(r"^(\w+=('[^']*'|\"[^\"]*\"|\S+)\s+)+", "", words)
            if words.startswith("avert "):
                yield first + k, words


def documented_commands(text: str) -> Iterator[tuple[int, str]]:
    """(line, command) of every ``avert ...`` command shown in a page."""
    yield from code_block_commands(text)
    for code in INLINE.finditer(text):
        if code.group(1).startswith("avert "):
            yield _line_of(text, code.start()), code.group(1).replace("\n", " ")


@functools.cache
def _cli() -> Any:
    """The Click command tree of the CLI (built once: it imports every command)."""
    return typer.main.get_command(app)


def _option(command: Any, name: str) -> Any | None:
    for param in command.params:
        if name in param.opts or name in param.secondary_opts:
            return param
    return None


def _words(command: str) -> list[str]:
    text = command.split(" #")[0].replace("[", " ").replace("]", " ")
    text = text.replace("\\|", "|")
    try:
        return shlex.split(text)[1:]
    except ValueError:  # an unbalanced quote in prose: split on spaces
        return text.split()[1:]


def command_problems(command: str) -> list[str]:
    """What in one documented command the CLI lacks (empty: it all exists)."""
    root = _cli()
    node: Any = root
    path = ["avert"]
    words = _words(command)
    problems = []
    i = 0
    while i < len(words):
        word = words[i]
        subcommands = getattr(node, "commands", None)
        if word.startswith("--") or re.fullmatch(r"-\w", word):
            name = word.split("=")[0]
            # "--from/--to": two options written as one
            names = [f"--{n.lstrip('-')}" for n in name.split("/")]
            for each in names:
                param = _option(node, each) or _option(root, each)
                if each == "--help":
                    continue
                if param is None:
                    problems.append(f"{' '.join(path)} has no option {each}")
                elif not param.is_flag and "=" not in word and len(names) == 1:
                    i += 1  # its value
        elif subcommands is not None and word not in ("...",):
            choices = word.split("|")
            missing = [c for c in choices if c not in subcommands]
            if missing:
                problems.append(f"no command {missing[0]!r} under {' '.join(path)}")
                break
            if len(choices) > 1:  # "concentration | volt | risk": each exists
                break
            node = subcommands[word]
            path.append(word)
        i += 1
    return problems


# A page's placeholders, given a value of their kind so the line can be parsed.
PLACEHOLDER_VALUES = {
    "DATETIME": "2026-11-24T06:00",
    "ID": "P0000001",
    "PATH": "file.toml",
    "FILE.csv": "file.csv",
    "TEXT": "text",
    "DIR": "out",
    "BOROUGH_OR_LSOA": "Leeds",
}


def parse_problem(command: str) -> str | None:
    """Why the CLI refuses one documented command line, values included (None: it
    parses). Optional ``[...]`` parts are kept, placeholders take a value of their
    kind (``PLACEHOLDER_VALUES``), and ``a|b`` choices are each parsed: the line is
    read once per alternative, the k-th taking each choice's k-th (or last) one, so
    ``--kind offender|victim|asb`` checks ``asb`` too, not the first alone."""
    words = _words(command)
    n_alternatives = max((len(w.split("|")) for w in words), default=1)
    for k in range(n_alternatives):
        chosen = [PLACEHOLDER_VALUES.get(w, _alternative(w, k)) for w in words]
        if (why := _parse_words(chosen)) is not None:
            return why
    return None


def _alternative(word: str, k: int) -> str:
    """The k-th choice of ``a|b|c`` (its last when it has fewer)."""
    choices = word.split("|")
    return choices[min(k, len(choices) - 1)]


def _parse_words(words: list[str]) -> str | None:
    """Why the CLI refuses these words after ``avert`` (None: they parse)."""
    node: Any = _cli()
    path = ["avert"]
    while words and words[0] in (getattr(node, "commands", None) or {}):
        node = node.commands[words[0]]
        path.append(words.pop(0))
    # the page's example files are not on this machine, and an input path is
    # checked to exist as the line is parsed: the check is left out here, so the
    # options after the path are still parsed (a usage error there stopped Click)
    with mock.patch.object(avert.cli._common, "_check_exists", _exists_unchecked):
        try:
            node.make_context(" ".join(path), words)
        except typer.Exit:  # --help
            return None
        except typer._click.exceptions.ClickException as error:
            return str(error.format_message())
    return None


def _exists_unchecked(_param: object, value: object, _what: str) -> object:
    """``avert.cli._common._check_exists`` without the check: ``value`` as given."""
    return value


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_documented_command_lines_parse(page: Path) -> None:
    """Each ``avert`` line of a page's code blocks parses as the CLI reads it: its
    values too (a number, a choice, a time), not only the option names."""
    text = page.read_text(encoding="utf-8")
    problems = [
        f"{page.name}:{line}: `{command}`: {why}"
        for line, command in code_block_commands(text)
        if (why := parse_problem(command))
    ]
    assert not problems, "\n".join(problems)


def test_the_parse_check_finds_a_bad_value() -> None:
    """The check above can fail: a value the option refuses, a missing argument."""
    assert parse_problem("avert analyse risk --top 20 --json") is None
    assert parse_problem("avert brief --at DATETIME --hours 24 --no-pdf") is None
    assert parse_problem("avert analyse risk --top twenty")
    assert parse_problem("avert analyse risk --kind offender|victim --top 0")
    # every alternative of a choice is parsed, not the first alone (the CLI's
    # choices and times are checked when a command runs: a number is checked here)
    assert parse_problem("avert analyse risk --kind offender|victim|asb") is None
    assert parse_problem("avert analyse volt --days 365|730") is None
    assert parse_problem("avert analyse volt --days 365|all")
    assert parse_problem("avert analyse risk --kind offender|victim --top 20|fifty")
    assert parse_problem("avert brief --hours 24")  # --at is required
    # after a documented input file (not on this machine), the options still parsed
    assert parse_problem("avert analyse near-repeat --events-file e.csv --sims 0")
    assert parse_problem("avert ingest table t.csv")  # --mapping is required


@functools.cache
def _all_options() -> frozenset[str]:
    found: set[str] = set()

    def walk(command: Any) -> None:
        for param in command.params:
            found.update(param.opts, param.secondary_opts)
        for sub in (getattr(command, "commands", None) or {}).values():
            walk(sub)

    walk(_cli())
    return frozenset(found | {"--help"})


def _benchmark_options(text: str) -> set[str]:
    found: set[str] = set()
    for script in set(BENCHMARK_OPTIONS.findall(text)):
        path = REPO / script
        if path.exists():
            found.update(re.findall(r"\"(--[a-z][a-z0-9-]*)\"", path.read_text()))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_documented_commands_and_options_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    problems = [
        f"{page.name}:{line}: `{command}`: {problem}"
        for line, command in documented_commands(text)
        for problem in command_problems(command)
    ]
    known = _all_options() | _benchmark_options(text)
    problems += [
        f"{page.name}:{_line_of(text, m.start())}: option {m.group(1)} is in no "
        "avert command (nor a benchmark the page names)"
        for m in re.finditer(r"`(--[a-z][a-z0-9-]*)", text)
        if m.group(1) not in known
    ]
    assert not problems, "\n".join(problems)


def _resolves(dotted: str) -> str | None:
    """None when ``avert.a.b.c`` imports and resolves, else what is missing."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return f"{'.'.join(parts[:cut])} has no {'.'.join(parts[cut:])}"
            obj = getattr(obj, attr)
        return None
    return "no such module"


# inline names that are files, not Python: `avert.db`, `avert.js`
NOT_PYTHON = {"avert.db", "avert.js"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_documented_python_names_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    problems = [
        f"{page.name}:{_line_of(text, m.start())}: {m.group(1)}: {why}"
        for m in re.finditer(r"`(avert(?:\.[A-Za-z_]\w*)+)", text)
        if m.group(1) not in NOT_PYTHON and (why := _resolves(m.group(1)))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_documented_environment_variables_are_settings(page: Path) -> None:
    """An ``AVERT_...`` variable a page tells the reader to set is one avert reads."""
    from avert.config.settings import SETTINGS

    known = {env for _name, _default, env, _help in SETTINGS}
    text = page.read_text(encoding="utf-8")
    problems = [
        f"{page.name}:{_line_of(text, m.start())}: {m.group(0)} is no setting"
        for m in re.finditer(r"\bAVERT_[A-Z0-9_]+\b", text)
        if m.group(0) not in known
    ]
    assert not problems, "\n".join(problems)


def test_documented_api_endpoints_and_parameters_exist(
    tmp_path: Path, template_db: Path
) -> None:
    """Each ``GET /api/v1/...?name=`` of docs/web.md is a route with those query
    parameters (the app's own OpenAPI document says which)."""
    import secrets

    from avert.config.settings import load_settings
    from avert.store import Store
    from avert.web import create_app

    shutil.copyfile(template_db, tmp_path / "api.db")  # a store at the head
    url = f"sqlite:///{tmp_path / 'api.db'}"
    store = Store(url)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=secrets.token_urlsafe(32)
    )
    # a placeholder may be named as the reader likes: {id} is {person_id}
    spec = {
        re.sub(r"\{\w+\}", "{}", path): ops
        for path, ops in create_app(settings, store).openapi()["paths"].items()
    }
    text = (DOCS / "web.md").read_text(encoding="utf-8")
    problems = []
    for m in re.finditer(r"`GET (/api/[^`?\s]+)(?:\?([^`]*))?`", text):
        path, query = re.sub(r"\{\w+\}", "{}", m.group(1)), m.group(2) or ""
        if path not in spec or "get" not in spec[path]:
            problems.append(f"web.md:{_line_of(text, m.start())}: no GET {path}")
            continue
        params = {q["name"] for q in spec[path]["get"].get("parameters", [])}
        for name in re.findall(r"(\w+)=", query):
            if name not in params:
                problems.append(f"web.md: GET {path} has no parameter {name!r}")
    assert not problems, "\n".join(problems)


def test_documented_plan_file_reads_without_errors() -> None:
    """docs/delivery.md's annotated plan file, every field shown, is a valid plan."""
    from avert.delivery.planfile import parse_plan

    text = (DOCS / "delivery.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```yaml\n(.*?)^```", text, flags=re.DOTALL | re.M)
    doc = parse_plan(block)
    assert not doc.errors, "\n".join(str(e) for e in doc.errors)
    assert doc.plan is not None
    assert len(doc.objectives) == 1
    assert len(doc.actions) == 1


def test_documented_table_mappings_read(tmp_path: Path) -> None:
    """Each mapping TOML of docs/formats.md (the annotated one, Chicago, Los Angeles,
    New York) is a mapping ``avert ingest table --mapping`` accepts."""
    from avert.ingest.table import read_mapping

    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```toml\n(.*?)^```", text, flags=re.DOTALL | re.M)
    assert len(blocks) >= 4, "docs/formats.md: the mapping examples are gone"
    for k, block in enumerate(blocks):
        path = tmp_path / f"mapping-{k}.toml"
        path.write_text(block, encoding="utf-8")
        mapping = read_mapping(path)
        stated = re.search(r'^source = "([^"]+)"', block, flags=re.M)
        assert stated is not None
        assert mapping.source == stated.group(1)
        assert "occurred_at" in mapping.columns


# The free names a page's snippet leaves to the reader, given on a small city.
_CITY = """
from avert.synth import tiny_city
_city = tiny_city(seed=0)
"""
SNIPPET_SETUP = {
    "synth.md": "",
    "briefing.md": _CITY
    + """
incidents, involvements = _city.incidents, _city.involvements
people, members = _city.people, _city.group_members
# an hour after the city's last violent incident, so the window holds violence
import datetime as _dt
from avert.classify import classify_with_harm as _classify
_violent = incidents.join(_classify(incidents, involvements), on="incident_id")
at = _violent.filter("in_definition")["occurred_from"].max() + _dt.timedelta(hours=1)
""",
    "places.md": _CITY
    + """
import datetime as dt
events = _city.incidents.select("x", "y", occurred_at="occurred_from")
x0, y0 = events["x"].min() // 150 * 150, events["y"].min() // 150 * 150
nx = int((events["x"].max() - x0) // 150) + 1
ny = int((events["y"].max() - y0) // 150) + 1
at = _city.extracted_at
""",
}
# what each snippet must have made, checked after it ran
SNIPPET_RESULT = {
    "synth.md": lambda ns: (
        ns["small"].config.people == 3000 and Path("city/truth.json").exists()
    ),
    "briefing.md": lambda ns: (
        len(ns["top"]) > 0 and len(ns["incidents_section"](ns["ctx"]).items) > 0
    ),
    "places.md": lambda ns: ns["risk"].shape == (ns["ny"], ns["nx"]),
}


def python_snippets(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def test_every_python_snippet_has_a_setup() -> None:
    with_snippets = {p.name for p in PAGES if python_snippets(p)}
    assert with_snippets == set(SNIPPET_SETUP), (
        "a page gained or lost a ```python example: add its setup to SNIPPET_SETUP"
    )


@pytest.mark.parametrize("name", sorted(SNIPPET_SETUP))
def test_python_snippet_runs(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    snippets = python_snippets(DOCS / name)
    assert snippets, f"docs/{name}: no python example"
    namespace: dict[str, Any] = {}
    exec(SNIPPET_SETUP[name], namespace)  # the test's own setup
    for snippet in snippets:
        # the page's 50,000 people over two years: a smaller city, the same calls
        code = snippet.replace("people=50_000, days=730", "people=3_000, days=120")
        exec(compile(code, f"docs/{name}", "exec"), namespace)
    assert SNIPPET_RESULT[name](namespace), f"docs/{name}: the example made nothing"
