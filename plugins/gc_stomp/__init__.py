"""The ``stomp`` transport: GC's client protocol over a message broker (ActiveMQ's
STOMP connector), the original connector's wire.

A client puts each command on the command queue (``[stomp] queue``, ``Connector1``):
a JMS text message whose JMS type (STOMP header ``type``) is ``<Command>#<id>`` and
whose body holds the comma-separated parameters (``type=Login#1001``, body
``secret,1001``), or a message whose body is a canonical JSON frame. Events go back,
as JSON text messages, to the topic named after the client's destination
(``/topic/crm-7`` for ``Hello#crm-7``). See :mod:`gc_stomp.frames` for how a message
becomes a frame and whose client it is, :mod:`gc_stomp.link` for the broker
connection (credentials, TLS, heart-beats, reconnect with backoff) and
:mod:`gc_stomp.peers` for active-passive pairs and scale-out by message groups.
"""
from __future__ import annotations

import logging

from gc_core.hookspecs import hookimpl

# stomp.py logs whole frames at DEBUG (the CONNECT passcode, Login bodies with agent
# passwords): never let them reach GC's log, whatever gc.log_level says.
logging.getLogger("stomp.py").setLevel(logging.INFO)

DEFAULTS = {
    # Brokers as "host:port", tried in order on every (re)connect.
    "hosts": ["127.0.0.1:61613"],
    # The broker user (STOMP login/passcode). A key ending in "password" is a secret:
    # masked by `gc config show`, and password_file reads it from a file.
    "login": "",
    "password": "",
    "vhost": "",                 # STOMP host header; "" = the broker's host name
    # The command queue clients send to, and the prefix of their event topics.
    "queue": "Connector1",
    "topic_prefix": "/topic/",
    # exclusive: one consuming GC, the others stand by (active-passive);
    # groups: every GC consumes, ActiveMQ message groups (JMSXGroupID = agent id) keep
    # each agent's commands on one GC (scale-out).
    "mode": "exclusive",
    "priority": 0,               # activemq.priority of the consumer (higher is preferred)
    "prefetch": 100,             # activemq.prefetchSize: unacknowledged messages in flight
    # STOMP heart-beats in milliseconds (0 = none); a silent broker counts as lost.
    "heartbeat_ms": 10000,
    # Reconnect: first wait, then doubled up to the maximum (seconds).
    "reconnect_initial": 0.5,
    "reconnect_max": 30.0,
    "tls": False,
    "tls_ca_file": "",           # "" with tls = true: the system's CA store
    "tls_cert_file": "",         # client certificate (optional)
    "tls_key_file": "",
    # Peers on the control topic (/topic/GC.<queue>.peers): announce interval and
    # how long a silent peer is still counted alive (seconds).
    "peer_interval": 1.0,
    "peer_timeout": 3.0,
    # Events waiting for one client destination before it is cut off (as tcp.max_queue).
    "max_queue": 1000,
}


@hookimpl
def gc_config_defaults():
    return {"stomp": dict(DEFAULTS)}


@hookimpl
def gc_transports(connector):
    from .transport import StompTransport
    return [StompTransport(connector, connector.config["stomp"])]
