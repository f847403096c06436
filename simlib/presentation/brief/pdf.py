"""Print an HTML page to PDF with headless Chromium, and quote the command that made it.

Chromium runs with no network services, no sync, a throwaway profile and no
header or footer, so the PDF is the HTML page as printed (A4, per the page's
``@page`` rule). Kept out of ``brief.py`` so that module is only about content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path


def find_chromium() -> str | None:
    """The headless Chromium binary, if installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def print_pdf(html_path: str | Path, pdf_path: str | Path, chromium: str | None = None, timeout: float = 180) -> Path:
    """Print an HTML file to PDF with headless Chromium (no network, throwaway profile)."""
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium", "headless Chromium is not installed (apt-get install chromium)")
    pdf = Path(pdf_path).resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="simlib-chromium-") as profile:
        cmd = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", Path(html_path).resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if not pdf.exists() or pdf.stat().st_size == 0:
        raise RuntimeError(f"chromium did not write {pdf} (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
    return pdf


def shell_command(argv: Sequence[str] | None = None) -> str:
    """The command line as the user typed it (for the reproducibility stamp)."""
    import shlex

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "simlib" if Path(args[0]).name in ("simlib", "__main__.py") else Path(args[0]).name
    return " ".join(shlex.quote(_portable(a)) for a in args)


def _portable(arg: str) -> str:
    """An argument without this machine's absolute paths (they name users and folders).

    A path inside the working folder is shown relative to it, any other absolute
    path by its file name; ``--option=/abs/path`` likewise.
    """
    option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
    if not value.startswith(("/", "~")):
        return arg
    path = Path(value).expanduser()
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        shown = path.name or "."
    return f"{option}{eq}{shown}"
