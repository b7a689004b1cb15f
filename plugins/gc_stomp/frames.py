"""A broker message as a GC frame, and whose client it is.

The original connector's clients sent JMS text messages: the JMS type (STOMP header
``type`` in ActiveMQ) is ``<Command>#<id>`` and the body the comma-separated
parameters (protocol.md section 1). That is GC's legacy frame with ``|`` between the
two: ``type=Login#1001`` + body ``secret,1001`` -> ``Login#1001|secret,1001``. A
message without a ``type`` header is a frame by its body alone (a canonical JSON
object, or a legacy ``Cmd#id|params`` line).

A broker has no connections to answer on, so a message's *client* is the destination
whose topic gets the answer, in this order:
1. the ``reply-to`` header (JMSReplyTo) when it names a topic under ``topic_prefix``;
2. the ``clientDestination`` the command carries (Hello, Beat, Connect);
3. the destination the message's agent is bound to in this process.
A message with none of these cannot be answered: it is logged (without its body)
and dropped. So is one whose destination is not one plain topic name
(:func:`topic_safe`): brokers give ``*`` ``>`` (wildcards) and ``,`` (destination
lists) meanings of their own, and GC's control topics are not for clients. (ActiveMQ
5.17 over STOMP was seen to deliver such sends to no other subscriber; the check keeps
GC from depending on that.)
"""
from __future__ import annotations

import re
from typing import Optional

from gc_core.codec import FrameError, decode


def frame_text(headers: dict, body: str) -> str:
    """The GC frame a message carries (see the module docstring)."""
    jms_type = (headers.get("type") or "").strip()
    if not jms_type:
        return body
    body = body.strip()
    return f"{jms_type}|{body}" if body else jms_type


_UNSAFE = re.compile(r"[\s*>,/\\]")


def topic_safe(name: str) -> bool:
    """Whether ``name`` can be a topic of its own: no ActiveMQ wildcard (``*``, ``>``),
    no list separator or path character (``,``, ``/``, ``\\``), no white space, not one
    of ActiveMQ's own (``ActiveMQ.Advisory...``) and not GC's control topics."""
    return bool(name) and not _UNSAFE.search(name) and not name.startswith(("ActiveMQ.", "GC."))


def reply_destination(headers: dict, topic_prefix: str) -> Optional[str]:
    """The destination name from a ``reply-to: /topic/<name>`` header, else None."""
    reply_to = headers.get("reply-to") or ""
    if reply_to.startswith(topic_prefix) and len(reply_to) > len(topic_prefix):
        return reply_to[len(topic_prefix):]
    return None


def client_of(text: str, headers: dict, topic_prefix: str, connector) -> Optional[str]:
    """The destination name that answers the frame ``text`` (module docstring order)."""
    name = reply_destination(headers, topic_prefix)
    if name:
        return name
    try:
        request, _ = decode(text, connector.routes)
    except FrameError as exc:
        request = exc.partial
    if request is None:
        return None
    named = request.params.get("clientDestination") if isinstance(request.params, dict) else None
    if isinstance(named, str) and named:
        return named
    binding = connector.sessions.agents.get(request.agent_id or "")
    return binding.destination.name if binding is not None else None
