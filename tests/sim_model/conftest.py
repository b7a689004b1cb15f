"""Fixtures for the simulated contact-center model tests."""
from __future__ import annotations

import datetime as dt

import pytest

from gc_core.domain import AgentError, DialogChanged, QueueChanged, TeamMemberChanged, UserChanged
from gc_sim.model import ContactCenter, Site

T0 = dt.datetime(2024, 3, 1, 9, 0, 0, tzinfo=dt.timezone.utc)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: dt.datetime = T0):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float = 0, **kw) -> None:
        self.now += dt.timedelta(seconds=seconds, **kw)


class Recorder:
    """Collects the model's events; helpers filter them."""

    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def clear(self):
        self.events.clear()

    def of(self, cls, **match):
        return [e for e in self.events if isinstance(e, cls)
                and all(getattr(e, k) == v for k, v in match.items())]

    def users(self, agent_id=None):
        return [e for e in self.of(UserChanged) if agent_id is None or e.agent_id == agent_id]

    def states(self, agent_id):
        return [e.user.state for e in self.users(agent_id)]

    def dialogs(self, agent_id=None):
        return [e for e in self.of(DialogChanged) if agent_id is None or e.agent_id == agent_id]

    def changes(self, agent_id):
        """[(change, dialog id, dialog state)] for one agent."""
        return [(e.change, e.dialog.id, e.dialog.state) for e in self.dialogs(agent_id)]

    def errors(self, agent_id=None):
        return [e for e in self.of(AgentError) if agent_id is None or e.agent_id == agent_id]

    def queues(self):
        return self.of(QueueChanged)

    def members(self):
        return self.of(TeamMemberChanged)


SMALL_SITE = {
    "teams": [{"id": "1", "name": "Sales"}, {"id": "2", "name": "Support"}],
    "agents": [
        {"id": "1001", "password": "secret", "firstName": "Alice", "lastName": "A", "team": "1"},
        {"id": "1002", "password": "secret", "firstName": "Bob", "lastName": "B", "team": "1"},
        {"id": "1003", "password": "secret", "firstName": "Carol", "lastName": "C", "team": "1",
         "wrapUpOnIncoming": "REQUIRED", "wrapUpOnOutgoing": "REQUIRED"},
        {"id": "1004", "password": "secret", "firstName": "Dan", "lastName": "D", "team": "1",
         "wrapUpOnIncoming": "NOT_ALLOWED"},
        {"id": "2001", "password": "secret", "firstName": "Eve", "lastName": "E", "team": "2"},
        {"id": "1100", "password": "secret", "firstName": "Sam", "lastName": "S", "team": "1",
         "roles": ["Agent", "Supervisor"], "supervises": ["1"]},
        {"id": "2100", "password": "secret", "firstName": "Sue", "lastName": "S", "team": "2",
         "roles": ["Agent", "Supervisor"], "supervises": ["2"]},
    ],
    "reason_codes": [
        {"id": "1", "category": "NOT_READY", "code": "1", "label": "Lunch"},
        {"id": "8", "category": "NOT_READY", "code": "8", "label": "Break"},
        {"id": "21", "category": "LOGOUT", "code": "21", "label": "End of Shift"},
    ],
    "wrap_up_reasons": [{"id": "1", "label": "Complaint"}, {"id": "2", "label": "Inquiry New"}],
    "queues": [
        {"id": "1", "name": "Sales", "teams": ["1"], "number": "5000"},
        {"id": "2", "name": "Support", "teams": ["2"], "number": "5001"},
        {"id": "3", "name": "Empty", "teams": []},
    ],
    "phonebooks": [
        {"id": "1", "name": "Global", "type": "GLOBAL", "contacts": [
            {"id": "1", "firstName": "A", "lastName": "B", "phoneNumber": "5551000"}]},
        {"id": "2", "name": "Sales book", "type": "TEAM", "teams": ["1"], "contacts": []},
        {"id": "3", "name": "Support book", "type": "TEAM", "teams": ["2"], "contacts": []},
    ],
}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_cc(clock):
    """make_cc(flavour="UCCE", site=None) -> (cc, recorder); the small test site by default."""
    def make(flavour="UCCE", site=None):
        cc = ContactCenter(site if site is not None else Site.from_dict(SMALL_SITE), flavour, clock=clock)
        rec = Recorder()
        cc.subscribe(rec)
        return cc, rec
    return make


@pytest.fixture(params=["UCCE", "UCCX"])
def flavour(request):
    return request.param


def login(cc, *agent_ids, ready=False):
    for aid in agent_ids:
        ext = cc.get_user(aid).extension
        cc.change_state(aid, "LOGIN", extension=ext)
        if ready:
            cc.change_state(aid, "READY")


def talking(cc, agent_id, queue_id="1", **kw):
    """Route an inbound call to ``agent_id`` (which must be the only READY agent) and answer."""
    did = cc.inbound_call(queue_id, **kw)
    cc.dialog_action(agent_id, did, "ANSWER")
    return did


def leg(dialog, address):
    return dialog.participant(address)
