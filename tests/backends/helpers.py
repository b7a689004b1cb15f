"""What the multi-backend tests do as a client: sign an agent in on a destination of
its own, and ask one command's answer."""
from __future__ import annotations

from gc_core.testing import event_obj

from tests.support import signed_in

PASSWORD = "secret"


def connect(gc, agent: str, dest: str, transport: str = "websocket"):
    """A client with ``agent`` connected and signed in on ``dest`` (tests.support.signed_in)."""
    return signed_in(gc, agent, dest, transport, PASSWORD)


def ask(c, agent: str, type_: str, rid: str, timeout: float = 10.0, **params) -> dict:
    """The answer to a request (its event's object: TeamAgents and QueueStats are arrays)."""
    c.send({"type": type_, "agentId": agent, "requestId": rid, **({"params": params} if params else {})})
    return event_obj(c.expect(lambda e: event_obj(e).get("requestId") == rid, timeout))
