"""Presentation layer: the ``simlib`` command line (and later reports and dashboards).

Nothing here holds model logic; commands parse arguments, call one library
function and write its output. See ``simlib.presentation.cli``.
"""
