"""Resources (issue 19 point 7): ``--jobs`` above the cores warns in one line; pool workers end with their command.

The worker tests start ``simlib run`` with a process pool as a real subprocess,
find its workers (processes whose parent it is) and check that none outlives
the command: after a normal end, after Ctrl-C (SIGINT to the command only), and
after the command is killed outright (SIGKILL: the workers' parent-death signal).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simlib.experiments.parallel import default_jobs
from simlib.presentation.cli.errors import check_run_options

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_jobs_above_the_cores_warns_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    cores = default_jobs()
    check_run_options(reps=2, jobs=cores)
    assert capsys.readouterr().err == ""
    check_run_options(reps=2, jobs=cores + 1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: --jobs {cores + 1} ") and f"{cores} cores" in lines[0]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_run() -> tuple[subprocess.Popen[bytes], set[int]]:
    """``simlib run`` on a pool of 2 workers, and its workers once they run."""
    cmd = [sys.executable, "-m", "simlib.presentation.cli", "run", "baseline", "--reps", "4", "--jobs", "2",
           "--years", "40", "--quiet"]
    # Ctrl-C as a terminal's foreground command gets it: SIGINT at its default. A process that starts
    # with SIGINT ignored keeps it ignored (Python installs its handler only over the default), and a
    # test process may have inherited that from whatever started it
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_sigint_default)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the pool's workers did not start"
    time.sleep(1.0)  # the workers are inside a replication now
    return proc, workers


def _assert_all_end(proc: subprocess.Popen[bytes], workers: set[int]) -> None:
    try:
        proc.wait(timeout=60)
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "a pool worker outlived its command"
    finally:
        for w in workers:  # never leave a runaway behind, whatever the test found
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_ctrl_c_ends_the_command_and_its_workers() -> None:
    proc, workers = _start_run()
    sent = time.monotonic()
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C reaches the command; the workers ignore it
    _assert_all_end(proc, workers)
    err = proc.stderr.read().decode()
    assert proc.returncode != 0, (f"the command ran to its end {time.monotonic() - sent:.1f} s after Ctrl-C; "
                                  f"its stderr: {err[-2000:]!r}")
    assert "Traceback" not in err


@pytest.mark.slow
def test_workers_die_with_a_killed_command() -> None:
    proc, workers = _start_run()
    os.kill(proc.pid, signal.SIGKILL)  # no chance to stop its pool: the parent-death signal must
    _assert_all_end(proc, workers)


def test_a_finished_run_leaves_no_worker() -> None:
    cmd = [sys.executable, "-m", "simlib.presentation.cli", "run", "textbook/mmc", "--reps", "2", "--jobs", "2",
           "--years", "3", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    seen: set[int] = set()
    while proc.poll() is None:
        seen |= _children(proc.pid)
        time.sleep(0.05)
    assert proc.returncode == 0
    time.sleep(0.5)
    assert not [w for w in seen if _alive(w)], "a pool worker outlived its command"
