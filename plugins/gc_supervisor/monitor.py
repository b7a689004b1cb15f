"""The monitored agent's side of silent monitoring.

The spec: on silentmonitor the supervisor gets InboundCall, the agent
NewInboundCall then InboundCall. The agent plugin announces (NewInboundCall) only
calls ringing at the agent; a monitoring call never rings there (the agent's leg is
passive), so this mapper announces it when it first appears in the agent's list.
The InboundCall events themselves come from the agent plugin.
"""
from __future__ import annotations

from gc_core import events
from gc_core.domain import DialogChanged

MONITOR = "SUPERVISOR_MONITOR"


def on_dialog_changed(connector, event: DialogChanged) -> None:
    dialog = event.dialog
    if event.change != "POST" or dialog.call_type != MONITOR:
        return
    binding = connector.sessions.agents.get(event.agent_id)
    if binding is None or not binding.extension or dialog.from_address == binding.extension:
        return  # the supervisor's own side
    me = dialog.participant(binding.extension)
    if me is not None and me.state == "ALERTING":
        return  # ringing: the agent plugin announces it
    connector.emit(event.agent_id, events.new_inbound_call(dialog, event.agent_id))
