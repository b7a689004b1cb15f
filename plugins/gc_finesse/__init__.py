"""gc plugin 'finesse': the Cisco Finesse backend (UCCE and UCCX flavours).

Talks to Finesse's REST API with ``urllib3`` (connections shared per node) and receives
its XMPP notifications with ``slixmpp`` (one stream per agent, all on one native
thread), behind :mod:`gc_core.backend`, so every command handler works unchanged.

Enable it with ``gc.plugins`` containing ``"finesse"`` and ``gc.backend = "finesse"``;
configure the ``[finesse]`` section (:data:`gc_finesse.settings.DEFAULTS` lists every
key). Tested against the Finesse emulator (``gc emulator finesse``) over Prosody.
"""
from __future__ import annotations

import logging

from gc_core.hookspecs import hookimpl

from .settings import DEFAULTS


class _RedactSasl(logging.Filter):
    """slixmpp logs every stanza it sends at DEBUG, SASL ``<auth>`` included (the
    agent's password, base64): such records never pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            return True
        return "urn:ietf:params:xml:ns:xmpp-sasl" not in msg and "<auth " not in msg


def _quiet_slixmpp() -> None:
    # slixmpp's DEBUG output is every byte of every stream (passwords included in
    # the SASL exchange): keep it at INFO whatever gc.log_level says, and filter
    # SASL records on the loggers that write stanzas in case someone lowers it.
    root = logging.getLogger("slixmpp")
    if root.level == logging.NOTSET or root.level < logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("slixmpp", "slixmpp.xmlstream.xmlstream", "slixmpp.basexmpp",
                 "slixmpp.features.feature_mechanisms.mechanisms"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, _RedactSasl) for f in lg.filters):
            lg.addFilter(_RedactSasl())


@hookimpl
def gc_config_defaults():
    return {"finesse": dict(DEFAULTS)}


@hookimpl
def gc_backend_names():
    return ["finesse"]


@hookimpl
def gc_backend(name, config):
    if name != "finesse":
        return None
    from .backend import FinesseBackend
    from .settings import FinesseSettings
    _quiet_slixmpp()
    return FinesseBackend(FinesseSettings.from_config(config["finesse"]))
