"""A real dask.distributed cluster gives the national answer of a serial run, bit for bit (issue 17 point 3).

The test starts a scheduler and two workers as separate processes
(``dask scheduler`` / ``dask worker``) listening on 127.0.0.1 only, runs a
small national ensemble through the scheduler's address (the path a user's
own cluster takes), and compares every replication's KPIs and the national
differences with the same run on one process. It stops the processes it
started, and nothing else.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from simlib.analysis import national as nat

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_workers(address: str, n: int, timeout: float = 120.0) -> None:
    from distributed import Client

    deadline = time.monotonic() + timeout
    with Client(address, timeout="30s") as client:
        while len(client.scheduler_info().get("workers", {})) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{n} dask workers did not join {address} within {timeout:.0f} s")
            time.sleep(0.5)


@pytest.fixture()
def cluster(tmp_path: Path):
    if not DASK.exists():
        pytest.fail(f"the dask command is not installed next to {sys.executable}")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []

    def start(name: str, args: list[str]) -> None:
        out = open(logs / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
        procs.append((subprocess.Popen([str(DASK), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                       cwd=tmp_path), out))

    try:
        start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"])
        for i in range(2):
            start(f"worker-{i}", ["worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                                  "--no-dashboard", "--local-directory", str(tmp_path / f"w{i}"), "--name", f"w{i}"])
        _wait_for_workers(address, 2)
        yield address
    finally:
        for proc, out in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
            out.close()


def test_a_real_scheduler_and_two_workers_equal_the_serial_national_answer(cluster: str):
    table = nat.load_municipalities()
    part = table[table["code"].isin(["2403", "2418", "2422", "0140"])].reset_index(drop=True)
    args = dict(reps=2, seed=17, years=1.5, municipalities=part)
    serial = nat.national(["baseline", "policy/cap-12"], **args)
    on_dask = nat.national(["baseline", "policy/cap-12"], dask=cluster, **args)
    assert_frame_equal(on_dask.per_rep, serial.per_rep, check_exact=True)
    assert_frame_equal(on_dask.totals, serial.totals, check_exact=True)
    assert_frame_equal(on_dask.differences, serial.differences, check_exact=True)
    from distributed import Client

    with Client(cluster, timeout="30s") as client:  # both worker processes took part
        done = client.run(lambda dask_worker: len(dask_worker.data) + dask_worker.state.executed_count)
    assert len(done) == 2 and all(v > 0 for v in done.values()), done
