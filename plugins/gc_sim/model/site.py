"""The static configuration of a simulated site: teams, agents, codes, queues, books.

A :class:`Site` is plain data; :class:`~gc_sim.model.ContactCenter` adds the runtime
state. Sites come from a TOML file (:func:`load_site`), a dict (:meth:`Site.from_dict`,
same shape as the TOML) or :meth:`Site.generate` for benchmarks.

TOML shape (keys may be snake_case or Finesse camelCase: ``first_name`` = ``firstName``)::

    [site]                      # all optional
    name = "default"
    xmpp_domain = "localhost"
    primary_host = "localhost"
    secondary_host = ""
    external_min_digits = 7     # a number of 7+ digits is an outside customer
    external_prefixes = ["9"]   # so is any number starting with 9 (2+ digits)
    devices = ["2001"]          # extra phones an agent may sign in on
    reason_codes_required = ["NOT_READY"]  # states entered only with a reason code

    [[teams]]      id, name
    [[agents]]     id, password, first_name, last_name, extension (default: id), team,
                   roles (default ["Agent"]; "Supervisor" adds the role),
                   supervises (team ids), wrap_up_on_incoming (OPTIONAL | REQUIRED |
                   NOT_ALLOWED, default OPTIONAL), wrap_up_on_outgoing (default
                   NOT_ALLOWED), login_name
    [[reason_codes]]   id, category (NOT_READY | LOGOUT), code, label, for_all
    [[wrap_up_reasons]] id, label, for_all
    [[queues]]     id, name, teams (served team ids), number (optional dialed number)
    [[phonebooks]] id, name, type (GLOBAL | TEAM), teams, and [[phonebooks.contacts]]
                   with id, first_name, last_name, phone_number, description
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Iterable, Optional

WRAP_UP_MODES = ("OPTIONAL", "REQUIRED", "NOT_ALLOWED", "REQUIRED_WITH_WRAP_UP_DATA")
REASON_CATEGORIES = ("NOT_READY", "LOGOUT")
PHONEBOOK_TYPES = ("GLOBAL", "TEAM")


class SiteError(ValueError):
    """The site description is inconsistent (duplicate id, unknown team ...)."""


@dataclass(frozen=True)
class TeamDef:
    id: str
    name: str


@dataclass(frozen=True)
class AgentDef:
    id: str
    password: str
    first_name: str
    last_name: str
    extension: str
    team_id: str
    roles: tuple = ("Agent",)
    supervises: tuple = ()
    wrap_up_on_incoming: str = "OPTIONAL"
    wrap_up_on_outgoing: str = "NOT_ALLOWED"
    login_name: str = ""

    @property
    def is_supervisor(self) -> bool:
        return "Supervisor" in self.roles


@dataclass(frozen=True)
class ReasonCodeDef:
    id: str
    category: str
    code: str
    label: str
    for_all: bool = True


@dataclass(frozen=True)
class WrapUpReasonDef:
    id: str
    label: str
    for_all: bool = True


@dataclass(frozen=True)
class QueueDef:
    id: str
    name: str
    team_ids: tuple = ()
    number: str = ""


@dataclass(frozen=True)
class ContactDef:
    id: str
    first_name: str
    last_name: str
    phone_number: str
    description: str = ""


@dataclass(frozen=True)
class PhoneBookDef:
    id: str
    name: str
    type: str
    team_ids: tuple = ()
    contacts: tuple = ()


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def _norm(d: dict) -> dict:
    return {_snake(k): v for k, v in d.items()}


def _s(v) -> str:
    return "" if v is None else str(v)


@dataclass
class Site:
    """Everything static about a simulated contact center."""
    teams: list = field(default_factory=list)            # TeamDef
    agents: list = field(default_factory=list)           # AgentDef
    reason_codes: list = field(default_factory=list)     # ReasonCodeDef
    wrap_up_reasons: list = field(default_factory=list)  # WrapUpReasonDef
    queues: list = field(default_factory=list)           # QueueDef
    phonebooks: list = field(default_factory=list)       # PhoneBookDef
    name: str = "sim"
    xmpp_domain: str = "localhost"
    primary_host: str = "localhost"
    secondary_host: str = ""
    external_min_digits: int = 7
    external_prefixes: tuple = ("9",)
    devices: tuple = ()
    # States an agent may only enter with a reason code (Finesse's desktop setting
    # "reason code required"): ("NOT_READY",), ("NOT_READY", "LOGOUT") or ().
    reason_codes_required: tuple = ()

    def __post_init__(self):
        self.validate()

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict) -> "Site":
        """Build a site from the TOML-shaped dict described in the module docstring."""
        data = _norm(data)
        meta = _norm(data.get("site", {}) or {})
        teams = [TeamDef(_s(t["id"]), _s(t.get("name", t["id"])))
                 for t in map(_norm, data.get("teams", []))]
        agents = []
        for a in map(_norm, data.get("agents", [])):
            aid = _s(a["id"])
            roles = tuple(a.get("roles", ["Agent"]))
            if "Agent" not in roles:
                roles = ("Agent",) + roles
            agents.append(AgentDef(
                id=aid, password=_s(a.get("password", "")),
                first_name=_s(a.get("first_name", aid)), last_name=_s(a.get("last_name", "")),
                extension=_s(a.get("extension", aid)), team_id=_s(a.get("team", a.get("team_id", ""))),
                roles=roles, supervises=tuple(_s(t) for t in a.get("supervises", [])),
                wrap_up_on_incoming=_s(a.get("wrap_up_on_incoming", "OPTIONAL")).upper(),
                wrap_up_on_outgoing=_s(a.get("wrap_up_on_outgoing", "NOT_ALLOWED")).upper(),
                login_name=_s(a.get("login_name", ""))))
        reasons = [ReasonCodeDef(_s(r["id"]), _s(r["category"]).upper(), _s(r.get("code", r["id"])),
                                 _s(r.get("label", "")), bool(r.get("for_all", True)))
                   for r in map(_norm, data.get("reason_codes", []))]
        wraps = [WrapUpReasonDef(_s(w["id"]), _s(w["label"]), bool(w.get("for_all", True)))
                 for w in map(_norm, data.get("wrap_up_reasons", []))]
        queues = [QueueDef(_s(q["id"]), _s(q.get("name", q["id"])),
                           tuple(_s(t) for t in q.get("teams", q.get("team_ids", []))), _s(q.get("number", "")))
                  for q in map(_norm, data.get("queues", []))]
        books = []
        for b in map(_norm, data.get("phonebooks", [])):
            contacts = tuple(ContactDef(_s(c["id"]), _s(c.get("first_name", "")), _s(c.get("last_name", "")),
                                        _s(c.get("phone_number", "")), _s(c.get("description", "")))
                             for c in map(_norm, b.get("contacts", [])))
            books.append(PhoneBookDef(_s(b["id"]), _s(b.get("name", b["id"])), _s(b.get("type", "GLOBAL")).upper(),
                                      tuple(_s(t) for t in b.get("teams", b.get("team_ids", []))), contacts))
        kw = {}
        for key in ("name", "xmpp_domain", "primary_host", "secondary_host"):
            if key in meta:
                kw[key] = _s(meta[key])
        if "external_min_digits" in meta:
            kw["external_min_digits"] = int(meta["external_min_digits"])
        if "external_prefixes" in meta:
            kw["external_prefixes"] = tuple(_s(p) for p in meta["external_prefixes"])
        if "devices" in meta:
            kw["devices"] = tuple(_s(d) for d in meta["devices"])
        if "reason_codes_required" in meta:
            kw["reason_codes_required"] = tuple(_s(c).upper() for c in meta["reason_codes_required"])
        return cls(teams=teams, agents=agents, reason_codes=reasons, wrap_up_reasons=wraps,
                   queues=queues, phonebooks=books, **kw)

    @classmethod
    def generate(cls, n_agents: int, *, agents_per_team: int = 50, first_id: int = 10000,
                 password: str = "secret", wrap_up_on_incoming: str = "OPTIONAL",
                 contacts_per_book: int = 20) -> "Site":
        """A big synthetic site for benchmarks.

        ``n_agents`` agents with ids/extensions ``first_id``, ``first_id+1`` ...; one team
        (``"1"``, ``"2"`` ...) per ``agents_per_team`` agents, each with one supervisor
        (id ``first_id + n_agents + team index``) and one queue (same id as the team);
        the default site's reason codes and wrap-up reasons; one global phone book and
        one team phone book per team.
        """
        base = default_site()
        n_teams = max(1, -(-n_agents // agents_per_team))
        teams = [TeamDef(str(t + 1), f"Team {t + 1}") for t in range(n_teams)]
        agents = [AgentDef(id=str(first_id + i), password=password, first_name=f"Agent{i + 1}",
                           last_name="Sim", extension=str(first_id + i), team_id=str(i // agents_per_team + 1),
                           wrap_up_on_incoming=wrap_up_on_incoming)
                  for i in range(n_agents)]
        for t in range(n_teams):
            sid = str(first_id + n_agents + t)
            agents.append(AgentDef(id=sid, password=password, first_name=f"Supervisor{t + 1}", last_name="Sim",
                                   extension=sid, team_id=str(t + 1), roles=("Agent", "Supervisor"),
                                   supervises=(str(t + 1),), wrap_up_on_incoming=wrap_up_on_incoming))
        queues = [QueueDef(str(t + 1), f"Queue {t + 1}", (str(t + 1),)) for t in range(n_teams)]

        def contacts(prefix):
            return tuple(ContactDef(str(c + 1), f"First{c + 1}", f"Last{c + 1}", f"555{prefix:03d}{c:04d}",
                                    "generated") for c in range(contacts_per_book))
        books = [PhoneBookDef("1", "Global", "GLOBAL", (), contacts(0))]
        books += [PhoneBookDef(str(t + 2), f"Team {t + 1} book", "TEAM", (str(t + 1),), contacts(t + 1))
                  for t in range(n_teams)]
        return cls(teams=teams, agents=agents, reason_codes=list(base.reason_codes),
                   wrap_up_reasons=list(base.wrap_up_reasons), queues=queues, phonebooks=books,
                   name=f"generated-{n_agents}")

    # -- checks -----------------------------------------------------------------
    def validate(self) -> None:
        def unique(items: Iterable, what: str):
            seen = set()
            for item in items:
                if item in seen:
                    raise SiteError(f"duplicate {what} {item!r}")
                seen.add(item)
        unique((t.id for t in self.teams), "team id")
        unique((a.id for a in self.agents), "agent id")
        unique((a.extension for a in self.agents), "agent extension")
        unique((r.id for r in self.reason_codes), "reason code id")
        unique((w.id for w in self.wrap_up_reasons), "wrap-up reason id")
        unique((q.id for q in self.queues), "queue id")
        unique((b.id for b in self.phonebooks), "phone book id")
        team_ids = {t.id for t in self.teams}
        for a in self.agents:
            if a.team_id not in team_ids:
                raise SiteError(f"agent {a.id}: unknown team {a.team_id!r}")
            if not a.extension.isdigit():
                raise SiteError(f"agent {a.id}: extension {a.extension!r} is not numeric")
            for t in a.supervises:
                if t not in team_ids:
                    raise SiteError(f"agent {a.id}: supervises unknown team {t!r}")
            if a.supervises and not a.is_supervisor:
                raise SiteError(f"agent {a.id}: supervises teams but has no Supervisor role")
            for mode in (a.wrap_up_on_incoming, a.wrap_up_on_outgoing):
                if mode not in WRAP_UP_MODES:
                    raise SiteError(f"agent {a.id}: bad wrap-up mode {mode!r}")
        for r in self.reason_codes:
            if r.category not in REASON_CATEGORIES:
                raise SiteError(f"reason code {r.id}: bad category {r.category!r}")
        for q in self.queues:
            for t in q.team_ids:
                if t not in team_ids:
                    raise SiteError(f"queue {q.id}: unknown team {t!r}")
        for b in self.phonebooks:
            if b.type not in PHONEBOOK_TYPES:
                raise SiteError(f"phone book {b.id}: bad type {b.type!r}")
            for t in b.team_ids:
                if t not in team_ids:
                    raise SiteError(f"phone book {b.id}: unknown team {t!r}")
            unique((c.id for c in b.contacts), f"contact id in phone book {b.id}")

    # -- lookups ----------------------------------------------------------------
    def agent(self, agent_id: str) -> Optional[AgentDef]:
        for a in self.agents:
            if a.id == agent_id:
                return a
        return None

    def team(self, team_id: str) -> Optional[TeamDef]:
        for t in self.teams:
            if t.id == team_id:
                return t
        return None

    def is_external(self, address: str) -> bool:
        """Is ``address`` an outside number (a customer), rather than an internal one?"""
        digits = address[1:] if address.startswith("+") else address
        if not digits.isdigit():
            return False
        if len(digits) >= self.external_min_digits:
            return True
        return len(digits) >= 2 and any(digits.startswith(p) for p in self.external_prefixes if p)

    def is_device(self, extension: str) -> bool:
        """Is ``extension`` a phone of the site (an agent's extension or an extra device)?
        An index of the agents' extensions, rebuilt when the agent list changes length
        (a scan per sign-in made signing in N agents quadratic)."""
        if extension in self.devices:
            return True
        index = self.__dict__.get("_extensions")
        if index is None or index[0] != len(self.agents):
            index = self.__dict__["_extensions"] = (len(self.agents), frozenset(a.extension for a in self.agents))
        return extension in index[1]


def load_site(path) -> Site:
    """Read a site from a TOML file (see the module docstring for its shape)."""
    with open(path, "rb") as fh:
        return Site.from_dict(tomllib.load(fh))


def default_site() -> Site:
    """The site of protocol.md section 6 (the same content as conf/sim-site.toml)."""
    return Site.from_dict(DEFAULT_SITE)


_NOT_READY = [("1", "1", "Lunch"), ("2", "2", "Meeting"), ("3", "3", "Training"), ("8", "8", "Break")]
_LOGOUT = [("21", "21", "End of Shift"), ("22", "22", "Lunch"), ("23", "23", "Emergency")]
_WRAP = ["Complaint", "Inquiry New", "Conf call", "Transfer call", "Customer new call",
         "Old call customer", "Bill Inquiry"]

DEFAULT_SITE = {
    "site": {"name": "default", "xmpp_domain": "localhost", "primary_host": "localhost",
             "external_min_digits": 7, "external_prefixes": ["9"]},
    "teams": [{"id": "1", "name": "Sales"}],
    "agents": [
        {"id": "1001", "password": "secret", "first_name": "Alice", "last_name": "Martin",
         "extension": "1001", "team": "1"},
        {"id": "1002", "password": "secret", "first_name": "Bob", "last_name": "Durand",
         "extension": "1002", "team": "1"},
        {"id": "1003", "password": "secret", "first_name": "Carol", "last_name": "Smith",
         "extension": "1003", "team": "1"},
        {"id": "1100", "password": "secret", "first_name": "Sam", "last_name": "Supervisor",
         "extension": "1100", "team": "1", "roles": ["Agent", "Supervisor"], "supervises": ["1"]},
    ],
    "reason_codes": ([{"id": i, "category": "NOT_READY", "code": c, "label": lbl} for i, c, lbl in _NOT_READY]
                     + [{"id": i, "category": "LOGOUT", "code": c, "label": lbl} for i, c, lbl in _LOGOUT]),
    "wrap_up_reasons": [{"id": str(i + 1), "label": lbl} for i, lbl in enumerate(_WRAP)],
    "queues": [{"id": "1", "name": "Sales", "teams": ["1"], "number": "5000"}],
    "phonebooks": [
        {"id": "1", "name": "Company Directory", "type": "GLOBAL", "contacts": [
            {"id": "1", "first_name": "Front", "last_name": "Desk", "phone_number": "5551000",
             "description": "Reception"},
            {"id": "2", "first_name": "IT", "last_name": "Helpdesk", "phone_number": "5551001",
             "description": "Internal support"},
        ]},
        {"id": "2", "name": "Sales Customers", "type": "TEAM", "teams": ["1"], "contacts": [
            {"id": "1", "first_name": "John", "last_name": "Doe", "phone_number": "5552001",
             "description": "Key account"},
            {"id": "2", "first_name": "Jane", "last_name": "Roe", "phone_number": "5552002",
             "description": "Prospect"},
            {"id": "3", "first_name": "Max", "last_name": "Mustermann", "phone_number": "95553003",
             "description": "Dial-out prefix 9"},
        ]},
    ],
}
