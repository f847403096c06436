"""Browser tier: the Voila dashboard (notebook 01) driven in headless Chromium.

Starts ``voila notebooks/01-caseload-caps.ipynb`` on a free local port with
CASELOAD_FAST=1, opens it with Playwright's Python API pointed at Debian's
``/usr/bin/chromium`` and checks that the page loads with its KPI table, that
choosing a hard cap and moving the cap slider changes the KPIs shown, that no
error output appears, and that ``?lang=sv`` gives Swedish labels. Screenshots go
to pytest's temporary folder (never the clone's out/). If Chromium is missing the test installs it with apt when it
can (root on Debian), and skips with the reason only when apt is unavailable;
with CI=true a missing browser fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_unless_ci

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01-caseload-caps.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = 180_000
ERROR_SELECTORS = (
    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
    ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
    ".voila-error",
)


def _ensure_chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        skip_unless_ci(f"{CHROMIUM} is missing and apt-get is unavailable (or not root) to install Debian's chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            skip_unless_ci(f"could not install chromium with apt ({' '.join(cmd)}): {done.stderr.strip()[-300:]}")
    if not os.path.exists(CHROMIUM):
        skip_unless_ci(f"apt installed chromium but {CHROMIUM} is not there")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    voila = Path(sys.executable).with_name("voila")
    log = (tmp_path_factory.mktemp("voila") / "voila.log").open("w")
    env = {**os.environ, "CASELOAD_FAST": "1", "MPLBACKEND": "Agg"}
    env.pop("CASELOAD_LANG", None)
    proc = subprocess.Popen(
        [str(voila), NOTEBOOK, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}; log: {Path(log.name).read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not listen on {port} within {SERVER_TIMEOUT_S} s")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(dashboard_url: str) -> Iterator[object]:
    path = _ensure_chromium()
    try:
        from playwright import sync_api
    except ImportError:
        skip_unless_ci("playwright is not installed (it is in requirements.lock)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _kpi_text(page: object) -> str:
    return page.locator(".caseload-kpis tbody").inner_text()  # type: ignore[attr-defined]


def _wait_for_change(page: object, before: str, what: str) -> str:
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        now = _kpi_text(page)
        if now.strip() and now != before:
            return now
        page.wait_for_timeout(250)  # type: ignore[attr-defined]
    pytest.fail(f"the KPI table did not change after {what}; still:\n{before}")


def _wait_done(page: object) -> None:
    """Until the status says all replications are in (no trailing ellipsis)."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const s = document.querySelector('.caseload-status');"
        " return s && s.innerText.trim() && !s.innerText.includes('\u2026'); }",
        timeout=PAGE_TIMEOUT_MS,
    )


def _assert_no_errors(page: object) -> None:
    for selector in ERROR_SELECTORS:
        count = page.locator(selector).count()  # type: ignore[attr-defined]
        assert count == 0, f"error output on the page ({selector}): {page.locator(selector).first.inner_text()}"  # type: ignore[attr-defined]
    status = page.locator(".caseload-status").inner_text()  # type: ignore[attr-defined]
    assert "failed" not in status.lower(), status


def test_dashboard_loads_and_cap_slider_changes_kpis(browser: object, dashboard_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1400})  # type: ignore[attr-defined]
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.goto(dashboard_url, timeout=PAGE_TIMEOUT_MS, wait_until="domcontentloaded")
    page.wait_for_selector(".caseload-kpis tbody tr", timeout=PAGE_TIMEOUT_MS)
    assert "Caseload cap" in page.content()
    _assert_no_errors(page)

    _wait_done(page)
    page.get_by_role("button", name="hard cap").click()
    page.wait_for_timeout(1500)  # past the debounce
    _wait_done(page)
    hard = _kpi_text(page)

    handle = page.locator(".widget-slider .noUi-handle").first
    box = handle.bounding_box()
    assert box is not None, "cap slider handle not found"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 15, y, steps=5)
    page.mouse.up()
    moved = _wait_for_change(page, hard, "moving the cap slider")
    assert moved != hard
    page.wait_for_timeout(500)
    _assert_no_errors(page)
    assert not console_errors, console_errors
    page.screenshot(path=str(tmp_path / "dashboard-en.png"), full_page=True)
    page.close()


def test_dashboard_in_swedish(browser: object, dashboard_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1400})  # type: ignore[attr-defined]
    page.goto(dashboard_url + "?lang=sv", timeout=PAGE_TIMEOUT_MS, wait_until="domcontentloaded")
    page.wait_for_selector(".caseload-kpis tbody tr", timeout=PAGE_TIMEOUT_MS)
    text = page.content()
    assert "Ärendetak" in text and "hårt tak" in text
    _assert_no_errors(page)
    page.screenshot(path=str(tmp_path / "dashboard-sv.png"), full_page=True)
    page.close()
