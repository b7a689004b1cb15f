"""The ``[finesse]`` configuration section: declared defaults and the checked,
typed view the backend uses.

Nodes are configured explicitly (primary, optional secondary): Finesse's SystemInfo
names the other node's host only, and a deployment behind NAT or a load balancer
reaches its nodes by other names anyway. When no secondary is configured, the one
SystemInfo names is used (with the configured secondary ports).
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Optional

from gc_core.errors import GCError

DEFAULTS = {
    # UCCE | UCCX: the platform GC expects; SystemInfo.deploymentType must agree.
    "flavour": "UCCE",
    "primary_host": "",            # required
    "primary_port": 8445,          # REST (HTTPS on 12.5+; UCCX needs the port in the URL)
    "primary_xmpp_port": 5222,
    "secondary_host": "",          # "" = the secondary node SystemInfo names, if any
    "secondary_port": 8445,
    "secondary_xmpp_port": 5222,
    "scheme": "https",             # https | http (pre-12.5 8082, or the emulator)
    "verify_tls": True,            # check the server certificates (REST and XMPP)
    "ca_bundle": "",               # PEM file of the CAs to trust ("" = the system's)
    "xmpp_tls": "starttls",        # starttls (5222) | direct (5223) | none (plain, loopback tests)
    "xmpp_domain": "",             # "" = SystemInfo.xmppDomain
    "xmpp_pubsub_domain": "",      # "" = SystemInfo.xmppPubSubDomain
    "xmpp_resource": "gc",         # prefix of each stream's resource (never "desktop")
    "xmpp_timeout": 15.0,          # XMPP login + subscription check, seconds
    # XEP-0199 pings, one scheduler for all streams, staggered: each stream is pinged
    # once per interval (seconds, 0 = off; Cisco's desktop: 10 s, 2 retries); the first
    # unanswered ping has the node's REST side probed at once, and a stream is dropped
    # after `retries` more.
    "keepalive_interval": 10.0,
    "keepalive_retries": 2,
    # GET SystemInfo on the node in use every N s, whatever clients do (0 = off); an
    # answer not IN_SERVICE, or none within health_timeout s, is trouble. While no agent's
    # stream is on the node (nobody signed in), its XMPP server is asked for a stream's
    # features too (gc_finesse.xmpp_probe): no answer within health_timeout s is trouble.
    "health_interval": 5.0,
    "health_timeout": 3.0,
    "connect_timeout": 5.0,        # REST connect timeout, seconds
    "read_timeout": 10.0,          # REST read timeout, seconds
    "get_retries": 2,              # retries of an idempotent GET that timed out (then NOT_REACHABLE)
    "pool_maxsize": 32,            # keep-alive HTTP connections kept per node, shared by all agents
    "auth": "basic",               # basic | bearer (SSO: the agent's password field carries the token)
    "token_provider": "",          # "module:callable(agent_id, secret) -> token" for bearer auth
    "failover_poll_interval": 2.0,  # GET SystemInfo every N s while a node is out of service
    # Wait this long for the node in use before moving to the other (0: move as soon as
    # the node in use is not usable and the other one is: SystemInfo IN_SERVICE, XMPP up,
    # the finesse user AVAILABLE, which is what Cisco's desktop does).
    "failover_after": 0.0,
    "presence_timeout": 5.0,       # wait for the finesse user's presence when (re)connecting
    # getallagents: GET Team with the agent's credentials first; if Finesse refuses
    # (agents may not read their team), with this account (a supervisor of the teams);
    # if none is configured, the agents of the team connected through this GC.
    "team_reader_id": "",
    "team_reader_password": "",
    # Contacts asked for per ranged GET (Range: objects=a-b); GC follows Content-Range
    # until the whole book (at most 6,000) has arrived, whatever the server's page size.
    "phonebook_page_size": 1500,
}


@dataclass(frozen=True)
class Node:
    name: str           # primary | secondary
    host: str
    port: int
    xmpp_port: int
    scheme: str

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/finesse/api"

    def __str__(self) -> str:
        return f"{self.name} {self.host}:{self.port}"


@dataclass(frozen=True)
class FinesseSettings:
    flavour: str
    primary: Node
    secondary: Optional[Node]
    secondary_port: int
    secondary_xmpp_port: int
    verify: object          # True | False | CA bundle path (requests' ``verify``)
    xmpp_tls: str
    xmpp_domain: str
    xmpp_pubsub_domain: str
    xmpp_resource: str
    xmpp_timeout: float
    keepalive_interval: float
    keepalive_retries: int
    connect_timeout: float
    read_timeout: float
    get_retries: int
    pool_maxsize: int
    auth: str
    token_provider: str
    failover_poll_interval: float
    failover_after: float
    presence_timeout: float
    health_interval: float
    health_timeout: float
    team_reader_id: str
    team_reader_password: str
    phonebook_page_size: int = 1500

    def __repr__(self) -> str:  # no secret in a log line, ever
        return f"<FinesseSettings {self.flavour} {self.primary} {self.secondary}>"

    @classmethod
    def from_config(cls, conf: dict) -> "FinesseSettings":
        flavour = str(conf["flavour"]).upper()
        if flavour not in ("UCCE", "UCCX"):
            raise GCError("GENERAL_ERROR", f"finesse.flavour must be UCCE or UCCX, not {conf['flavour']!r}")
        scheme = str(conf["scheme"]).lower()
        if scheme not in ("http", "https"):
            raise GCError("GENERAL_ERROR", f"finesse.scheme must be https or http, not {conf['scheme']!r}")
        if not conf["primary_host"]:
            raise GCError("GENERAL_ERROR", "finesse.primary_host is not set")
        xmpp_tls = str(conf["xmpp_tls"]).lower()
        if xmpp_tls not in ("starttls", "direct", "none"):
            raise GCError("GENERAL_ERROR", f"finesse.xmpp_tls must be starttls, direct or none, not {xmpp_tls!r}")
        auth = str(conf["auth"]).lower()
        if auth not in ("basic", "bearer"):
            raise GCError("GENERAL_ERROR", f"finesse.auth must be basic or bearer, not {auth!r}")
        resource = str(conf["xmpp_resource"]) or "gc"
        if resource.lower() == "desktop":
            raise GCError("GENERAL_ERROR", "finesse.xmpp_resource may not be 'desktop' (the Finesse desktop's)")
        primary = Node("primary", conf["primary_host"], int(conf["primary_port"]), int(conf["primary_xmpp_port"]),
                       scheme)
        secondary = None
        if conf["secondary_host"]:
            secondary = Node("secondary", conf["secondary_host"], int(conf["secondary_port"]),
                             int(conf["secondary_xmpp_port"]), scheme)
        verify: object = bool(conf["verify_tls"])
        if verify and conf["ca_bundle"]:
            verify = str(conf["ca_bundle"])
        return cls(flavour=flavour, primary=primary, secondary=secondary,
                   secondary_port=int(conf["secondary_port"]), secondary_xmpp_port=int(conf["secondary_xmpp_port"]),
                   verify=verify, xmpp_tls=xmpp_tls, xmpp_domain=conf["xmpp_domain"],
                   xmpp_pubsub_domain=conf["xmpp_pubsub_domain"], xmpp_resource=resource,
                   xmpp_timeout=float(conf["xmpp_timeout"]), keepalive_interval=float(conf["keepalive_interval"]),
                   keepalive_retries=int(conf["keepalive_retries"]),
                   connect_timeout=float(conf["connect_timeout"]), read_timeout=float(conf["read_timeout"]),
                   get_retries=max(0, int(conf["get_retries"])), pool_maxsize=max(1, int(conf["pool_maxsize"])),
                   auth=auth, token_provider=str(conf["token_provider"]),
                   failover_poll_interval=float(conf["failover_poll_interval"]),
                   failover_after=float(conf["failover_after"]), presence_timeout=float(conf["presence_timeout"]),
                   health_interval=max(0.0, float(conf["health_interval"])),
                   health_timeout=max(0.1, float(conf["health_timeout"])),
                   team_reader_id=str(conf["team_reader_id"]), team_reader_password=str(conf["team_reader_password"]),
                   phonebook_page_size=min(6000, max(1, int(conf["phonebook_page_size"]))))

    def ssl_context(self) -> ssl.SSLContext:
        """The one context every XMPP stream shares (each new context loads the CA
        bundle: tens of milliseconds per agent otherwise)."""
        if self.verify is False:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        if isinstance(self.verify, str):
            return ssl.create_default_context(cafile=self.verify)
        return ssl.create_default_context()
