"""``python -m simlib.presentation.cli``: the same app as the ``simlib`` command."""

from simlib.presentation.cli.main import main

main()
