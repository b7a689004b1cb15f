"""gc plugin 'finesse_emulator': a Cisco Finesse emulator over the sim model.

The sim backend's contact-center model behind Finesse's REST API (gevent) with
Finesse-shaped notifications through a real Prosody, in UCCX or UCCE flavour, as a
primary and a secondary node. Python API: :class:`~gc_finesse_emulator.cluster.EmulatorCluster`;
pytest fixtures: :mod:`gc_finesse_emulator.testing`; command line:
``gc emulator finesse`` (or ``python -m gc_finesse_emulator``).
"""
from __future__ import annotations

from gc_core.hookspecs import hookimpl

__all__ = ["EmulatorCluster", "EmulatorNode", "ProsodyServer"]


def __getattr__(name):  # lazy: importing the plugin must stay cheap for `gc` itself
    if name in ("EmulatorCluster", "EmulatorNode"):
        from . import cluster
        return getattr(cluster, name)
    if name == "ProsodyServer":
        from .prosody import ProsodyServer
        return ProsodyServer
    raise AttributeError(name)


@hookimpl
def gc_cli(subparsers):
    from . import cli
    emulator = subparsers.add_parser("emulator", help="run an emulated telephony platform")
    kinds = emulator.add_subparsers(dest="emulator", metavar="KIND")
    kinds.required = True
    finesse = kinds.add_parser("finesse", help="Cisco Finesse (REST + XMPP notifications over Prosody)")
    cli.add_arguments(finesse)
    finesse.set_defaults(func=cli.run)
