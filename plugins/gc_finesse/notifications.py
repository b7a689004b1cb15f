"""Finesse notifications (pubsub items) -> backend domain events.

One function, :func:`updates_from_item`, turns the content of one pubsub ``<item>``
into the :mod:`gc_core.domain` events it means for the agent whose stream received
it. It is a pure function (no I/O, no state), called on the XMPP thread so the
parsing cost stays off the gevent hub, and tested on its own.

Tolerance (reference section 8, and what public Finesse clients cope with):
- the ``<Update>`` comes as *escaped text* inside ``<notification>`` (what Finesse
  sends) or as an inline element (some proxies and older servers);
- ``<data>`` holds ``<user>``, ``<dialogs><Dialog>``, ``<dialog>`` / ``<Dialog>``,
  ``<team>``, ``<Queue>``, ``<SystemInfo>`` or ``<apiErrors>``; names in any case;
- ``<event>`` is PUT / POST / DELETE in any case; elements in any order;
- which object changed is read from the pubsub node first (it is authoritative
  for routing: ``/finesse/api/Team/7/Users``), then from ``<source>``.
Anything unreadable yields no event (logged once per kind), never an exception that
could kill the stream.
"""
from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Optional, Union

from gc_core.domain import (AgentError, DialogChanged, DomainEvent, QueueChanged, TeamMemberChanged,
                            UserChanged)
from gc_core.errors import from_api_error, lookup

from . import finesse_xml as FX
from .xmlparse import BadXML, UnsafeXML, first_child, normalize, parse, text

log = logging.getLogger("gc.finesse.notifications")

_TEAM_NODE = re.compile(r"/Team/([^/]+)/Users/?$", re.IGNORECASE)
_QUEUE_NODE = re.compile(r"/Queue/([^/]+)/?$", re.IGNORECASE)
_USER_NODE = re.compile(r"/User/([^/]+)(/Dialogs|/Queues|/Media/[^/]+)?/?$", re.IGNORECASE)
_SYSTEM_NODE = re.compile(r"/SystemInfo/?$", re.IGNORECASE)


@dataclass
class SystemInfoUpdate(DomainEvent):
    """Not a core event: the backend's failover logic consumes it."""
    doc: FX.SystemInfoDoc


Payload = Union[str, ET.Element, None]


MAX_NOTIFICATION = 1024 * 1024  # bytes of one notification's Update (Finesse's are a few kB)
MAX_EVENTS = 256  # domain events one pubsub message may become (more are dropped, with a warning)


def update_element(payload: Payload) -> Optional[ET.Element]:
    """The ``<Update>`` of a ``<notification>``: parsed from escaped text, or an inline
    element normalised; None when there is none."""
    if payload is None:
        return None
    if isinstance(payload, str):
        if not payload.strip():
            return None
        root = parse(payload, max_size=MAX_NOTIFICATION)
    else:
        # ``payload`` is the <notification> element (or the Update itself) as the
        # XMPP library parsed it: an inline Update is a child element, copied with
        # folded names (no second parse; the copy checks depth and size).
        inline = payload
        if _local(payload.tag) != "update":
            inline = next((c for c in payload if isinstance(c.tag, str) and _local(c.tag) == "update"), None)
            if inline is None:
                return update_element(payload.text or "")
        root = normalize(inline, max_elements=MAX_NOTIFICATION // 4)  # "<a/>": 4 bytes
    return root if root.tag == "update" else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def updates_from_item(agent_id: str, node: str, payload: Payload) -> list[DomainEvent]:
    """Domain events for one pubsub item received by ``agent_id``'s stream."""
    try:
        update = update_element(payload)
    except UnsafeXML as exc:
        log.warning("notification on %s refused: %s", node, exc)
        return []
    except BadXML as exc:
        log.warning("unreadable notification on %s: %s", node, exc)
        return []
    if update is None:
        return []
    try:
        return _events(agent_id, node, update)
    except Exception:  # a surprising shape must not kill the stream
        log.exception("could not interpret a notification on %s", node)
        return []


def _events(agent_id: str, node: str, update: ET.Element) -> list[DomainEvent]:
    event = text(update, "event").upper() or "PUT"
    request_id = text(update, "requestid")
    source = text(update, "source")
    data = update.find("data")
    body = first_child(data)
    if body is None:
        return []
    where = node or source
    if "/media/" in where.lower():
        # non-voice media (chat, e-mail: Finesse's automatic Media/{mrdId} nodes) is
        # outside the spec: GC's clients drive voice agents
        return []

    if body.tag == "apierrors" or body.tag == "apierror":
        out: list[DomainEvent] = []
        for err in FX.api_errors(body):
            # Finesse's code where its errorMessage is one (CF_RESOURCE_BUSY), else the
            # spec's code for its errorType; a prose errorMessage is the description.
            mapped = from_api_error(0, err.error_type, err.error_message, err.error_data)
            prose = mapped.description if mapped.description != lookup(mapped.code).description else ""
            out.append(AgentError(agent_id=agent_id, error_code=mapped.code, error_type=err.error_type,
                                  error_data=err.error_data, request_id=request_id, source=source,
                                  description=prose))
        return out

    if body.tag == "systeminfo" or _SYSTEM_NODE.search(where or ""):
        if body.tag != "systeminfo":
            return []
        return [SystemInfoUpdate(FX.system_info(body))]

    m = _TEAM_NODE.search(where) or _TEAM_NODE.search(source)
    if m:
        team_id = m.group(1)
        if body.tag == "team":
            return [TeamMemberChanged(team_id, FX.team_member(u)) for u in body.iterfind("users/user")]
        if body.tag == "users":
            return [TeamMemberChanged(team_id, FX.team_member(u)) for u in body.iterfind("user")]
        if body.tag == "user":
            return [TeamMemberChanged(team_id, FX.team_member(body))]
        return []

    if body.tag == "queue" or (_QUEUE_NODE.search(where) and body.tag == "queues"):
        queues = [body] if body.tag == "queue" else list(body.iterfind("queue"))
        out = []
        for q_el in queues:
            q = FX.queue(q_el)
            if not q.id:
                qm = _QUEUE_NODE.search(where)
                q.id = qm.group(1) if qm else ""
            out.append(QueueChanged(q))
        return out

    if body.tag == "user":
        user = FX.user(body)
        return [UserChanged(agent_id=agent_id, user=user, request_id=request_id)]

    if body.tag in ("dialogs", "dialog"):
        change = event if event in ("POST", "DELETE", "PUT") else "PUT"
        items = body.iterfind("dialog") if body.tag == "dialogs" else [body]
        found = [FX.dialog(d) for d in items]
        return [DialogChanged(agent_id=agent_id, dialog=d, change=change, request_id=request_id)
                for d in found if FX.identifiable(d, f"a notification on {where}")]

    log.debug("notification on %s with <%s> ignored", where, body.tag)
    return []
