"""The ``simlib`` command line: a thin typer app over the library.

Each command parses its arguments, calls one library function and writes the
output; there is no model logic here. A docstring is the command's ``--help``.

Parts:
- ``main``: the root app (``--version``) and ``COMMANDS``, each command's module, imported on first use;
- ``errors``: user errors as one line and exit status 2, the shared run-option check;
- ``scenarios``: ``scenarios``, ``validate``, ``show``;
- ``experiments``: ``run``, ``compare``, ``sweep``;
- ``analysis``: ``params``, ``calibrate``, ``national``;
- ``brief``: ``brief``; ``demo``: ``demo`` (what ``make demo`` runs).
"""

from simlib.presentation.cli.main import app, main

__all__ = ["app", "main"]
