"""ZOOMPauseRecording / ZOOMResumeRecording: find what the agent is recording, ask
Zoom to pause or resume it, answer with a ZoomRecording event.

The target, first found wins:

1. the agent's active call (its own leg ACTIVE, else HELD) carrying the call
   variable ``zoom.target_variable`` (default ``callVariable10``; an ECC name such as
   ``user.zoomEngagement`` works too);
2. ``zoom.agent_targets[agentId]``;
3. ``zoom.target_id``.

A value is ``meeting:<id>``, ``engagement:<id>``, or a bare id of kind
``zoom.target_kind``. No target: PLEASE_RETRY saying where GC looked.

The answer (the spec names none): ``{"type": "ZoomRecording", "agentId",
"recording": "PAUSED" | "RECORDING", "target": {"kind", "id"}}`` (schema
``events/ZoomRecording.json``), sent once Zoom accepted the request.
"""
from __future__ import annotations

from gc_core.commands import NOT_OFFERED
from gc_core.errors import ORIGIN_GC, GCError

from .client import KINDS, ZoomClient

CLIENT = "zoom.client"  # connector.extras


def client(connector) -> ZoomClient:
    zc = connector.extras.get(CLIENT)
    if zc is None:
        zc = connector.extras[CLIENT] = ZoomClient.from_config(connector.config["zoom"])
    return zc


def parse_target(value: str, default_kind: str) -> tuple[str, str]:
    kind, sep, rest = value.partition(":")
    if sep and kind.strip().lower() in KINDS and rest.strip():
        return kind.strip().lower(), rest.strip()
    return default_kind, value.strip()


def find_target(ctx) -> tuple[str, str]:
    conf = ctx.connector.config["zoom"]
    default_kind = conf["target_kind"].lower()
    if default_kind not in KINDS:
        raise GCError("PLEASE_RETRY", f"zoom.target_kind is {conf['target_kind']!r}: it must be "
                                      f"{' or '.join(KINDS)}")
    variable = conf["target_variable"]
    if variable:
        calls = ctx.session.dialogs()
        ext = ctx.binding.extension
        for wanted in ("ACTIVE", "HELD"):
            for d in calls:
                me = d.participant(ext) if ext else None
                value = str(d.call_variables.get(variable, "") or "").strip()
                if me is not None and me.state == wanted and value:
                    return parse_target(value, default_kind)
    configured = str(conf["agent_targets"].get(ctx.agent_id, "") or conf["target_id"] or "").strip()
    if configured:
        return parse_target(configured, default_kind)
    where = f"agent {ctx.agent_id} has no active call carrying {variable}, and " if variable else ""
    raise GCError("PLEASE_RETRY", f"no Zoom recording to control: {where}neither zoom.agent_targets "
                                  f"nor zoom.target_id names one")


def _recording(paused: bool):
    def handler(ctx) -> None:
        zc = client(ctx.connector)
        if not zc.configured:
            raise GCError(NOT_OFFERED, "Zoom is not configured: set zoom.account_id, zoom.client_id and "
                                       "zoom.client_secret (or zoom.client_secret_file); `gc config example "
                                       "features` shows them", origin=ORIGIN_GC)
        kind, target_id = find_target(ctx)
        zc.set_recording(kind, target_id, paused)
        ctx.emit({"type": "ZoomRecording", "agentId": ctx.agent_id,
                  "recording": "PAUSED" if paused else "RECORDING",
                  "target": {"kind": kind, "id": target_id}})
    handler.__name__ = "pause_recording" if paused else "resume_recording"
    return handler


pause_recording = _recording(True)
resume_recording = _recording(False)
