"""What the console shows, kept from the events GC sends and read from the connector.

:meth:`Activity.snapshot` is the JSON of ``/console/status.json``::

    {"time": "2026-11-29T20:31:02Z", "status": "IN_SERVICE",
     "backends": [{"name": "sim", "type": "sim", "flavour": "UCCE", "status": "IN_SERVICE",
                   "nodes": [...], "xmpp_streams_up": 3}],
     "transports": [{"name": "websocket", "address": "ws://127.0.0.1:8765/gc", "ready": true}],
     "destinations": [{"name": "crm-1", "connections": 1, "backlog": 0, "dropped": 0,
                       "agents": ["1001"]}],
     "agents": [{"agentId": "1001", "destination": "crm-1", "state": "TALKING", "reasonCode": "",
                 "supervisor": false, "calls": [{"dialogId": "16871250", "state": "ACTIVE",
                                                 "fromAddress": "5550123", "callType": "ACD_IN"}]}],
     "errors": [{"time": "...", "agentId": "1001", "errorCode": "DOWN", "errorDescription": "...",
                 "request": {"type": "MakeReady"}}],
     "totals": {"commands": 120, "commandErrors": 3, "events": 410, "errors": 3}}

Totals are counters since start; the page turns them into rates for its charts.
"""
from __future__ import annotations

import collections
import datetime as _dt

from gc_core.http import transport_ready

CALL_EVENTS = ("InboundCall", "ConsultCall", "NewInboundCall")
ENDED = ("DROPPED", "FAILED")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Activity:
    def __init__(self, recent_errors: int = 50):
        self.states: dict[str, dict] = {}      # agentId -> {"state", "reasonCode"}
        self.calls: dict[str, dict] = {}       # agentId -> {dialogId: call}
        self.errors: collections.deque = collections.deque(maxlen=max(1, recent_errors))
        self.totals = {"commands": 0, "commandErrors": 0, "events": 0, "errors": 0}

    # -- observation (cheap: a few dict operations per event) -----------------------------
    def command_done(self, result: str) -> None:
        self.totals["commands"] += 1
        if result != "OK":
            self.totals["commandErrors"] += 1

    def event_sent(self, event) -> None:
        obj = event[0] if isinstance(event, list) and event else event
        if not isinstance(obj, dict):
            return
        self.totals["events"] += 1
        kind = obj.get("type")
        agent = obj.get("agentId")
        if kind == "State" and agent:
            self.states[agent] = {"state": obj.get("state", ""), "reasonCode": obj.get("reasonCode", "")}
            if obj.get("state") == "LOGOUT":
                self.calls.pop(agent, None)
        elif kind in CALL_EVENTS and agent:
            dialog_id = obj.get("dialogId") or obj.get("assDialogId")
            if not dialog_id:
                return
            mine = self.calls.setdefault(agent, {})
            if obj.get("state") in ENDED:
                mine.pop(dialog_id, None)
            else:
                call = mine.setdefault(dialog_id, {"dialogId": dialog_id})
                for key in ("state", "fromAddress", "toAddress", "callType"):
                    if obj.get(key):
                        call[key] = obj[key]
                call.setdefault("state", "ALERTING")
        elif kind == "Error":
            self.totals["errors"] += 1
            self.errors.append({"time": _now(), "agentId": agent, "errorCode": obj.get("errorCode"),
                                "errorDescription": obj.get("errorDescription"), "request": obj.get("request")})

    # -- the snapshot -----------------------------------------------------------------------
    def snapshot(self, connector) -> dict:
        backends = []
        for b in connector.backends:
            name = getattr(b, "instance", None) or b.name
            entry = {"name": name, "type": b.name, "flavour": b.flavour,
                     "status": connector.backend_status.get(name, connector.status)}
            try:
                entry.update(b.describe() or {})
            except Exception:
                entry["describeError"] = True
            backends.append(entry)
        bindings = list(connector.sessions.agents.values())
        by_dest: dict[str, list] = {}
        for binding in bindings:
            by_dest.setdefault(binding.destination.name, []).append(binding.agent_id)
        destinations = [{"name": d.name, "connections": len(d.connections), "backlog": len(d.backlog),
                         "dropped": d.dropped, "agents": sorted(by_dest.get(d.name, []))}
                        for d in list(connector.sessions.destinations.values())]
        agents = []
        for binding in sorted(bindings, key=lambda b: b.agent_id):
            known = self.states.get(binding.agent_id, {})
            agents.append({"agentId": binding.agent_id, "destination": binding.destination.name,
                           "state": known.get("state", "UNKNOWN"), "reasonCode": known.get("reasonCode", ""),
                           "supervisor": bool(binding.supervisor),
                           "calls": list(self.calls.get(binding.agent_id, {}).values())})
        bound = {b.agent_id for b in bindings}
        if len(self.states) > 2 * len(bound) + 100:  # forget agents long gone
            for a in [a for a in self.states if a not in bound]:
                self.states.pop(a, None)
                self.calls.pop(a, None)
        return {"time": _now(), "status": connector.status, "backends": backends,
                "transports": [{"name": t.name, "address": t.address, "ready": transport_ready(t)}
                               for t in connector.transports],
                "destinations": sorted(destinations, key=lambda d: d["name"]),
                "agents": agents, "errors": list(self.errors)[::-1], "totals": dict(self.totals),
                "connections": len(connector.connections),
                "pollSeconds": connector.config["console"]["poll_seconds"]}
