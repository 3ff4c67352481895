"""benchmarks/force_scale.py's measuring of one command (a fresh process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run_measured(command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``force_scale.run_measured`` of a ``python -c command`` child, in a process
    of its own that is given 60 s (a hang ends there, not the test run)."""
    measure = (
        "import sys; sys.path.insert(0, sys.argv[1]); import force_scale; "
        "m = force_scale.run_measured([sys.executable, '-c', sys.argv[2]], "
        "cwd=sys.argv[3]); print(m.wall_s >= 0, m.peak_mib > 0)"
    )
    return subprocess.run(
        [sys.executable, "-c", measure, str(_BENCHMARKS), command, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_command_writing_much_to_stderr_is_measured_not_waited_on_forever(
    tmp_path: Path,
) -> None:
    """Its stderr went to a pipe read only after the process ended: a command
    writing more than the pipe holds (64 KiB: warnings, a long traceback) blocked
    on it while the benchmark waited for it to end, for ever."""
    done = _run_measured("import sys; sys.stderr.write('w' * 300_000)", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]


def test_a_failing_command_stops_the_benchmark_with_its_error(tmp_path: Path) -> None:
    done = _run_measured("raise SystemExit('no such store')", tmp_path)
    assert done.returncode == 1
    assert "no such store" in done.stderr
