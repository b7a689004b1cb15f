"""Exit statuses of the ``gc`` command (BSD ``sysexits.h``), and the exceptions a
sub-command (the core's or a plugin's ``gc_cli``) raises to end with one of them.
``gc`` prints the exception's text as one line on stderr, never a traceback.

- 2, EX_USAGE (argparse's too): the command line is wrong.
- 69, EX_UNAVAILABLE: a server the command talks to does not answer.
- 70, EX_SOFTWARE: an unexpected failure (``GC_TRACEBACK=1`` shows the traceback).
- 78, EX_CONFIG: the configuration is wrong (``gc_core.config.ConfigError``, a plugin
  error, a missing packaged file, a port in use).
"""
from __future__ import annotations

EX_USAGE = 2
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_CONFIG = 78


class UsageError(Exception):
    """The command line is wrong (exit 2)."""


class Unavailable(Exception):
    """A server the command needs does not answer (exit 69)."""
