"""The Finesse backend in-process against the emulator (real REST, real Prosody): the
parts of gc_core.backend that no agent command of the spec reaches end to end yet
(supervisor reads and actions, team and queue subscriptions, phone books), the
flavour rules that keep unsupported requests away from Finesse, and Finesse's
synchronous 404s."""
from __future__ import annotations

import tomllib

import gevent
import pytest

from gc_core.domain import MobileAgent, QueueChanged, TeamMemberChanged, UserChanged
from gc_core.errors import BackendError
from gc_core.resources import conf_dir
from gc_finesse.backend import FinesseBackend
from gc_finesse.flavours import FLAVOUR_CAPS
from gc_finesse.settings import DEFAULTS, FinesseSettings
from gc_finesse_emulator.cluster import EmulatorCluster
from gc_sim.backend import FLAVOUR_CAPS as SIM_CAPS
from gc_sim.model import Site

from .harness import PASSWORD, finesse_section
from tests.expected import described


def site_with_two_supervisors() -> Site:
    data = tomllib.loads((conf_dir() / "sim-site.toml").read_text())
    data["agents"].append({"id": "1101", "password": PASSWORD, "first_name": "Sue", "last_name": "Visor",
                           "extension": "1101", "team": "1", "roles": ["Agent", "Supervisor"], "supervises": ["1"]})
    return Site.from_dict(data)


class Sink:
    def __init__(self):
        self.events: list = []

    def __call__(self, event):
        self.events.append(event)

    def wait(self, predicate, timeout=10.0):
        deadline = gevent.get_hub().loop.now() + timeout
        while True:
            for e in self.events:
                if predicate(e):
                    return e
            if gevent.get_hub().loop.now() > deadline:
                raise AssertionError(f"no such event; got {self.events[-5:]}")
            gevent.sleep(0.01)

    def of(self, cls):
        return [e for e in self.events if isinstance(e, cls)]


@pytest.fixture(scope="module", params=["UCCE", "UCCX"])
def setup(request):
    cluster = EmulatorCluster.start(flavour=request.param, site=site_with_two_supervisors(), secondary=False,
                                    queue_interval=0.1)
    settings = FinesseSettings.from_config({**DEFAULTS, **finesse_section(cluster, secondary=False)})
    backend = FinesseBackend(settings)
    sink = Sink()
    backend.start(sink)
    yield cluster, backend, sink
    backend.stop()
    cluster.stop()


def test_capabilities_are_the_sims(setup):
    cluster, backend, _ = setup
    assert backend.flavour == cluster.flavour
    assert backend.capabilities == FLAVOUR_CAPS[cluster.flavour] == frozenset(SIM_CAPS[cluster.flavour])
    assert backend.system_info().status == "IN_SERVICE"
    assert backend.system_info().xmpp_domain == cluster.xmpp_domain   # taken from SystemInfo


def test_unsupported_requests_never_reach_finesse(setup):
    cluster, backend, _ = setup
    s = backend.open_session("1002", PASSWORD)
    try:
        sent = s.rest.requests_sent
        other = {"UCCE": "START_RECORDING", "UCCX": "TRANSFER_SST"}[cluster.flavour]
        with pytest.raises(BackendError) as info:
            s.dialog_action("123", other, to_address="1003")
        assert info.value.code == "CF_GENERIC_UNSPECIFIED_REJECTION" and cluster.flavour in info.value.description
        if cluster.flavour == "UCCX":
            for call in (lambda: s.change_state("WORK_READY"),
                         lambda: s.change_state("LOGIN", extension="1002", mobile_agent=MobileAgent("CALL_BY_CALL",
                                                                                                   "5551234567")),
                         lambda: s.make_call("1003", call_variables={"callVariable1": "x"}),
                         lambda: s.dialog_action("123", "ACCEPT")):
                with pytest.raises(BackendError) as info:
                    call()
                assert "not supported on UCCX" in info.value.description
        assert s.rest.requests_sent == sent
    finally:
        s.close()


def test_mobile_agent_login(setup):
    cluster, backend, sink = setup
    s = backend.open_session("1003", PASSWORD)
    if cluster.flavour != "UCCE":  # refused before anything is sent
        with pytest.raises(BackendError) as info:
            s.change_state("LOGIN", extension="1003", mobile_agent=MobileAgent("NAILED_CONNECTION", "5557654321"))
        assert info.value.description == described(info.value.code, "Mobile agent sign-in is not supported on "
                                                   "UCCX: mobile agents are UCCE only")
        s.close()
        return
    try:
        s.change_state("LOGIN", extension="1003", mobile_agent=MobileAgent("NAILED_CONNECTION", "5557654321"),
                       request_id="m-1")
        ev = sink.wait(lambda e: isinstance(e, UserChanged) and e.request_id == "m-1")
        assert ev.user.mobile_agent == MobileAgent("NAILED_CONNECTION", "5557654321")
        s.change_state("LOGOUT", request_id="m-2")
        sink.wait(lambda e: isinstance(e, UserChanged) and e.request_id == "m-2")
    finally:
        s.close()


def test_synchronous_404s(setup):
    cluster, backend, _ = setup
    sup = backend.open_session("1100", PASSWORD)
    try:
        with pytest.raises(BackendError) as info:
            sup.change_member_state("999999", "READY")
        assert (info.value.code, info.value.details["httpStatus"]) == ("USER_NOT_FOUND", 404)
        with pytest.raises(BackendError) as info:
            sup.dialog_action("31337", "HOLD")
        assert (info.value.code, info.value.details["httpStatus"]) == ("NO_DIALOG_ID", 404)
        with pytest.raises(BackendError) as info:
            sup.team("4242")
        assert info.value.details["httpStatus"] == 404
    finally:
        sup.close()


def test_reads(setup):
    cluster, backend, _ = setup
    s = backend.open_session("1100", PASSWORD)
    try:
        assert [(c.id, c.label) for c in s.reason_codes("LOGOUT")] == [("21", "End of Shift"), ("22", "Lunch"),
                                                                       ("23", "Emergency")]
        assert s.wrap_up_reasons()[0].label == "Complaint"
        assert [(q.id, q.name) for q in s.queues()] == [("1", "Sales")]
        books = s.phonebooks()
        assert {(p.id, p.type) for p in books} == {("1", "GLOBAL"), ("2", "TEAM")}
        assert [p.id for p in s.team_phonebooks("1")] == ["2"]
        assert [c.phone_number for c in s.contacts("2")] == ["5552001", "5552002", "95553003"]
        team = s.team("1")  # a supervisor may read its team
        assert team.name == "Sales" and {m.login_id for m in team.users} >= {"1001", "1002", "1003", "1100"}
        assert s.user().is_supervisor and [t.id for t in s.user().teams] == ["1"]
    finally:
        s.close()


def test_team_for_an_agent_falls_back_to_what_gc_knows(setup):
    cluster, backend, _ = setup
    a = backend.open_session("1001", PASSWORD)
    c = backend.open_session("1002", PASSWORD)
    try:
        sent = a.rest.requests_sent
        team = a.team("1")  # Finesse refuses (401 Invalid Supervisor): the agents connected through GC
        assert team.name == "Sales" and [m.login_id for m in team.users] == ["1001", "1002"]
        a.team("1")  # the refusal is remembered: no second 401
        assert a.rest.requests_sent == sent + 1
        assert a.rest.refused is None  # and the agent's credentials were not declared bad
    finally:
        a.close()
        c.close()


def test_team_reader_account(setup):
    cluster, backend, _ = setup
    settings = FinesseSettings.from_config({**DEFAULTS, **finesse_section(cluster, secondary=False),
                                            "team_reader_id": "1101", "team_reader_password": PASSWORD})
    other = FinesseBackend(settings)
    other.start(Sink())
    a = other.open_session("1001", PASSWORD)
    try:
        team = a.team("1")
        assert {m.login_id for m in team.users} >= {"1001", "1002", "1003", "1100", "1101"}
    finally:
        a.close()
        other.stop()


def test_team_and_queue_notifications_are_delivered_once(setup):
    cluster, backend, sink = setup
    s1 = backend.open_session("1100", PASSWORD)
    s2 = backend.open_session("1101", PASSWORD)
    try:
        s1.subscribe_team("1")
        s2.subscribe_team("1")
        s1.subscribe_queue("1")
        start = len(sink.events)
        cluster.model.change_state("1003", "LOGIN", extension="1003")
        sink.wait(lambda e: isinstance(e, TeamMemberChanged) and e.member.login_id == "1003"
                  and e.member.state == "NOT_READY")
        gevent.sleep(0.3)  # a duplicate would have arrived by now (same server, same moment)
        members = [e for e in sink.events[start:] if isinstance(e, TeamMemberChanged)
                   and e.member.login_id == "1003"]
        assert len(members) == 1 and members[0].team_id == "1"
        cluster.model.inbound_call(queue_id="1")
        q = sink.wait(lambda e: isinstance(e, QueueChanged) and e.queue.statistics.calls_in_queue == 1)
        assert q.queue.id == "1"
        # the first subscriber leaves: the second one's copy is delivered from now on
        s1.unsubscribe_team("1")
        start = len(sink.events)
        cluster.model.change_state("1003", "LOGOUT")
        sink.wait(lambda e: isinstance(e, TeamMemberChanged) and e.member.login_id == "1003"
                  and e.member.state == "LOGOUT")
        gevent.sleep(0.3)
        assert len([e for e in sink.events[start:] if isinstance(e, TeamMemberChanged)
                    and e.member.login_id == "1003"]) == 1
    finally:
        s1.close()
        s2.close()


def test_a_superseded_session_delivers_nothing(setup):
    cluster, backend, sink = setup
    old = backend.open_session("1003", PASSWORD)
    new = backend.open_session("1003", PASSWORD)   # the agent connected again elsewhere
    try:
        start = len(sink.events)
        cluster.model.change_state("1003", "LOGIN", extension="1003")
        sink.wait(lambda e: isinstance(e, UserChanged) and e.agent_id == "1003" and e.user.state == "NOT_READY")
        gevent.sleep(0.3)
        # both streams received the notification; only the current session's copy counts
        assert len([e for e in sink.events[start:] if isinstance(e, UserChanged) and e.agent_id == "1003"]) == 1
    finally:
        old.close()
        cluster.model.change_state("1003", "LOGOUT")
        new.close()
