"""Runtime data of one agent (the static part is a :class:`~.site.AgentDef`)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Optional

from gc_core.domain import Dialog, MobileAgent, ReasonCode, TeamMember, TeamRef, User

from .site import AgentDef, Site
from . import states as S


def copy_reason(r: Optional[ReasonCode]) -> Optional[ReasonCode]:
    return None if r is None else ReasonCode(r.id, r.label, r.category, r.code, r.for_all)


@dataclass
class AgentRuntime:
    d: AgentDef
    state: str = S.LOGOUT
    state_change_time: Optional[_dt.datetime] = None
    reason: Optional[ReasonCode] = None
    pending: str = ""
    pending_reason: Optional[ReasonCode] = None
    extension: str = ""                # the device while signed in
    last_extension: str = ""           # shown while signed out
    mobile: Optional[MobileAgent] = None
    ready_seq: int = 0                 # order in which agents became READY (routing)
    failures: int = 0                  # consecutive failed sign-ins
    locked_until: Optional[_dt.datetime] = None
    busy: bool = False                 # in a busy period (RESERVED / TALKING / HOLD)
    base_state: str = ""               # state before the busy period
    base_reason: Optional[ReasonCode] = None
    period_kinds: set = field(default_factory=set)   # kinds of calls connected this period
    calls: list = field(default_factory=list)        # live call ids the agent has a leg in
    remnant: Optional[Dialog] = None   # the dialog kept for wrap-up (participant WRAP_UP)
    published: Optional[tuple] = None  # key of the last published User

    def __post_init__(self):
        self.last_extension = self.d.extension

    @property
    def id(self) -> str:
        return self.d.id

    @property
    def logged_in(self) -> bool:
        return self.state != S.LOGOUT

    def key(self) -> tuple:
        m = self.mobile
        return (self.state, self.state_change_time, self.pending, self.reason.id if self.reason else None,
                self.extension, (m.mode, m.dial_number) if m else None)

    def user(self, site: Site) -> User:
        team = site.team(self.d.team_id)
        m = self.mobile
        return User(
            login_id=self.d.id, first_name=self.d.first_name, last_name=self.d.last_name,
            extension=self.extension or self.last_extension, state=self.state,
            state_change_time=self.state_change_time, pending_state=self.pending,
            reason_code=copy_reason(self.reason), team=TeamRef(team.id, team.name) if team else None,
            roles=tuple(self.d.roles),
            teams=[TeamRef(t, site.team(t).name) for t in self.d.supervises] if self.d.is_supervisor else [],
            wrap_up_on_incoming=self.d.wrap_up_on_incoming, wrap_up_on_outgoing=self.d.wrap_up_on_outgoing,
            mobile_agent=MobileAgent(m.mode, m.dial_number) if m else None, login_name=self.d.login_name,
            stale_reason_code=copy_reason(self.base_reason) if self.busy and self.reason is None else None)

    def member(self) -> TeamMember:
        return TeamMember(
            login_id=self.d.id, first_name=self.d.first_name, last_name=self.d.last_name,
            extension=self.extension or self.last_extension, state=self.state, pending_state=self.pending,
            reason_code=copy_reason(self.reason), state_change_time=self.state_change_time)
