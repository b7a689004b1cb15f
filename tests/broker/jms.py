"""A legacy CRM driver's side of the broker, with a plain stomp.py client (never GC's
code): commands are JMS text messages on the command queue with the JMS type
(STOMP ``type`` header) ``<Command>#<id>`` and the comma-separated parameters as the
body; events are read from the topic named after the client destination. Every event
is checked against GC's schemas, as GCClient does for WebSocket/TCP."""
from __future__ import annotations

import json
import queue
import time
from typing import Any, Callable, Optional

import stomp

from gc_core.testing import GCClient, check_event


class _Inbox(stomp.ConnectionListener):
    def __init__(self):
        self.q: "queue.Queue[tuple[dict, str]]" = queue.Queue()

    def on_message(self, frame):
        self.q.put((frame.headers, frame.body))


class JmsClient(GCClient):
    """One client destination: ``send("Login#1001", "secret,1001")`` puts a command on
    the queue; ``expect("State", state="LOGIN")`` reads the topic."""

    def __init__(self, broker: str, destination: str, queue_name: str = "Connector1",
                 groups: bool = False, reply_to: bool = False, user: Optional[tuple] = None,
                 ca_file: Optional[str] = None):
        host, port = broker.rsplit(":", 1)
        self.destination = destination
        self.queue = "/queue/" + queue_name
        self.groups = groups
        self.reply_to = reply_to
        self.inbox = _Inbox()
        # auto_content_length=False: what a JMS TextMessage looks like on STOMP
        self.conn = stomp.Connection12([(host, int(port))], auto_content_length=False)
        if ca_file:
            self.conn.set_ssl(for_hosts=[(host, int(port))], ca_certs=ca_file)
        self.conn.set_listener("", self.inbox)
        self.conn.connect(*(user or ()), wait=True)
        self.conn.subscribe("/topic/" + destination, id="events", ack="auto", headers={"receipt": "sub-" + destination})
        super().__init__(send_text=None, recv_text=None, close=lambda: None)  # send, _read and close are its own
        self.headers: list = []
        time.sleep(0)  # subscription is confirmed by the first round trip (Hello)

    def send(self, jms_type: Optional[str], body: str = "", group: Optional[str] = None, **headers) -> None:
        """A JMS text message; ``group`` = JMSXGroupID (the agent id when in groups mode)."""
        h = dict(headers)
        if jms_type is not None:
            h["type"] = jms_type
        if group is not None:
            h["JMSXGroupID"] = group
        elif self.groups and jms_type and "#" in jms_type and not jms_type.startswith(("Hello", "Beat")):
            h["JMSXGroupID"] = jms_type.split("#", 1)[1]
        if self.reply_to:
            h["reply-to"] = "/topic/" + self.destination
        self.conn.send(self.queue, body, headers=h)

    def send_json(self, frame: dict, group: Optional[str] = None) -> None:
        if group is None and self.groups and frame.get("agentId"):
            group = frame["agentId"]
        h = {"JMSXGroupID": group} if group else {}
        if self.reply_to:
            h["reply-to"] = "/topic/" + self.destination
        self.conn.send(self.queue, json.dumps(frame), headers=h)

    def _read(self, timeout: float) -> Optional[Any]:
        try:
            headers, body = self.inbox.q.get(timeout=timeout)
        except queue.Empty:
            return None
        event = json.loads(body)
        check_event(event)
        self.events.append(event)
        self.headers.append(headers)
        return event

    def expect(self, predicate: Callable[[Any], bool] | str, timeout: float = 20.0, **fields) -> Any:
        """GCClient.expect with a broker's longer default wait."""
        return super().expect(predicate, timeout, **fields)

    def drain(self, quiet: float = 0.5) -> list:
        return super().drain(quiet)

    def close(self) -> None:
        try:
            self.conn.disconnect()
        except Exception:
            pass
