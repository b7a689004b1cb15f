"""Random sequences of actions against the model; invariants checked after each step.

Besides the model's own view (users, dialogs, queues), every step replays the events
into a "client view" (what a listener has been told) and checks it equals the model.
"""
from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gc_core.domain import (AGENT_STATES, AgentError, DialogChanged, QueueChanged, SystemStatusChanged,
                            TeamMemberChanged, UserChanged)
from gc_sim.model import CCError, ContactCenter, Site

from .conftest import Clock

SITE = {
    "teams": [{"id": "1", "name": "Sales"}, {"id": "2", "name": "Support"}],
    "agents": [
        {"id": "1001", "password": "p", "team": "1"},
        {"id": "1002", "password": "p", "team": "1", "wrap_up_on_incoming": "REQUIRED"},
        {"id": "1003", "password": "p", "team": "1", "wrap_up_on_incoming": "NOT_ALLOWED",
         "wrap_up_on_outgoing": "REQUIRED"},
        {"id": "2001", "password": "p", "team": "2"},
        {"id": "1100", "password": "p", "team": "1", "roles": ["Agent", "Supervisor"], "supervises": ["1"]},
    ],
    "reason_codes": [{"id": "1", "category": "NOT_READY", "label": "Lunch"},
                     {"id": "21", "category": "LOGOUT", "label": "Bye"}],
    "wrap_up_reasons": [{"id": "1", "label": "Complaint"}],
    "queues": [{"id": "1", "name": "Sales", "teams": ["1"], "number": "5000"},
               {"id": "2", "name": "Support", "teams": ["2"]}],
    "phonebooks": [],
}
AGENTS = ["1001", "1002", "1003", "2001", "1100"]
EXTENSIONS = AGENTS + ["4242", "5550123", "12"]
STATES = ["LOGIN", "READY", "NOT_READY", "LOGOUT", "WORK", "WORK_READY", "BOGUS"]
ACTIONS = ["ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "TRANSFER_SST", "CONFERENCE",
           "SEND_DTMF", "PARTICIPANT_DROP", "START_RECORDING", "ACCEPT", "REJECT", "CLOSE", "RECLASSIFY",
           "UPDATE_SCHEDULED_CALLBACK", "CANCEL_SCHEDULED_CALLBACK", "UPDATE_CALL_DATA", "FLY"]
BUSY = {"RESERVED", "RESERVED_OUTBOUND", "RESERVED_OUTBOUND_PREVIEW", "TALKING", "HOLD"}
LIVE_LEG = {"ACTIVE", "HELD", "ALERTING", "INITIATING", "INITIATED", "ACCEPTED"}


def describe(agent, model, told):
    """What differs between the model's dialogs and what the agent was told."""
    out = [f"agent {agent}: model has {sorted(model)}, events told {sorted(told)}"]
    for did in sorted(set(model) & set(told)):
        m, t = model[did], told[did]
        for f in ("state", "call_type", "from_address", "to_address", "call_variables", "wrap_up_reason",
                  "associated_dialog_id", "scheduled_callback"):
            if getattr(m, f) != getattr(t, f):
                out.append(f"{did}.{f}: model {getattr(m, f)!r} told {getattr(t, f)!r}")
        mp = [(p.media_address, p.state, p.actions) for p in m.participants]
        tp = [(p.media_address, p.state, p.actions) for p in t.participants]
        if mp != tp:
            out.append(f"{did} participants: model {mp} told {tp}")
    return "\n".join(out)


class ModelMachine(RuleBasedStateMachine):
    flavour = "UCCE"

    def __init__(self):
        super().__init__()
        self.clock = Clock()
        self.cc = ContactCenter(Site.from_dict(SITE), self.flavour, clock=self.clock)
        self.events = []
        self.cc.subscribe(self.events.append)
        self.view_dialogs = {a: {} for a in AGENTS}    # what listeners were told
        self.view_users = {}
        self.last_change_time = {}
        self.rid = 0

    # -- helpers ------------------------------------------------------------------
    def next_rid(self):
        self.rid += 1
        return f"r{self.rid}"

    def snapshot(self):
        cc = self.cc
        if cc.status != "IN_SERVICE":
            return None
        return (cc.users(), {a: cc.get_dialogs(a) for a in AGENTS}, cc.queues())

    def attempt(self, fn, rid=None):
        """Run one action; a refusal (CCError, or only AgentError events) changes nothing."""
        before = self.snapshot()
        start = len(self.events)
        try:
            result = fn()
        except CCError:
            assert len(self.events) == start, "a synchronous refusal emitted events"
            assert self.snapshot() == before
            return None
        new = self.events[start:]
        if new and all(isinstance(e, AgentError) for e in new):
            assert self.snapshot() == before, "an asynchronous refusal changed the model"
            if rid is not None:
                assert all(e.request_id == rid for e in new)
        return result

    def live_dialog_ids(self):
        return sorted(self.cc._calls)

    # -- rules ----------------------------------------------------------------------
    @rule(agent=st.sampled_from(AGENTS), ext=st.sampled_from(AGENTS + ["4242"]))
    def login(self, agent, ext):
        self.attempt(lambda: self.cc.change_state(agent, "LOGIN", extension=ext, request_id=self.next_rid()))

    @rule(agent=st.sampled_from(AGENTS))
    def sign_in_ready(self, agent):
        self.attempt(lambda: self.cc.change_state(agent, "LOGIN", extension=agent))
        self.attempt(lambda: self.cc.change_state(agent, "READY"))

    @rule(agent=st.sampled_from(AGENTS), state=st.sampled_from(STATES[1:]),
          reason=st.sampled_from([None, None, "1", "21", "99"]))
    def change_state(self, agent, state, reason):
        rid = self.next_rid()
        self.attempt(lambda: self.cc.change_state(agent, state, reason_code_id=reason, request_id=rid), rid)

    @rule(agent=st.sampled_from(AGENTS), state=st.sampled_from(["READY", "NOT_READY", "LOGOUT"]))
    def supervisor_changes(self, agent, state):
        self.attempt(lambda: self.cc.change_state(agent, state, actor_id="1100"))

    @rule(agent=st.sampled_from(AGENTS))
    def force_logout(self, agent):
        self.attempt(lambda: self.cc.force_logout(agent))

    @rule(queue=st.sampled_from(["1", "1", "2"]))
    def inbound(self, queue):
        self.attempt(lambda: self.cc.inbound_call(queue, call_variables={"callVariable1": "x"}))

    @rule(agent=st.sampled_from(AGENTS), to=st.sampled_from(EXTENSIONS))
    def make_call(self, agent, to):
        rid = self.next_rid()
        self.attempt(lambda: self.cc.make_call(agent, to, request_id=rid), rid)

    def leg(self, agent, did):
        """The agent's participant in its dialog ``did`` (by its current extension)."""
        return self.cc.get_dialog(did, agent).participant(self.cc.get_user(agent).extension)

    def pairs(self):
        return [(a, d) for a in AGENTS for d in sorted(self.view_dialogs[a])]

    def act(self, agent, did, action, target, to):
        params = {"dtmfString": "12#", "outboundClassification": "FAX", "callbackTime": "2024-01-01T10:00",
                  "callVariable2": "v"}
        rid = self.next_rid()
        self.attempt(lambda: self.cc.dialog_action(agent, did, action, target_media_address=target, to_address=to,
                                                   action_params=params, request_id=rid), rid)

    @rule(data=st.data(), action=st.sampled_from(ACTIONS), to=st.sampled_from(EXTENSIONS))
    def any_dialog_action(self, data, action, to):
        """Any action on any of an agent's dialogs (or an unknown one): mostly refusals."""
        agent, did = data.draw(st.sampled_from(self.pairs() + [("1001", "1")]))
        self.act(agent, did, action, data.draw(st.sampled_from([None, agent, to])), to)

    @precondition(lambda self: self.cc.status == "IN_SERVICE" and self.pairs())
    @rule(data=st.data(), steps=st.integers(1, 8))
    def offered_dialog_actions(self, data, steps):
        """A few actions the dialogs offer right now (or a customer answering): drives
        calls forward into consults, transfers, conferences ...; checked after each."""
        for _ in range(steps):
            pairs = self.pairs()
            ringing = [c for c in sorted(self.cc._calls) if any(
                p.agent_id is None and p.state == "ALERTING" for p in self.cc._calls[c].parties)]
            if not pairs:
                return
            alerting = [(a, d) for a, d in pairs if self.leg(a, d).state == "ALERTING"]
            # ringing legs are answered more often than not, so that calls go deep
            choice = data.draw(st.sampled_from(pairs + alerting * 3 + [("customer", c) for c in ringing]))
            if choice[0] == "customer":
                self.attempt(lambda: self.cc.customer_answer(choice[1]))
            else:
                self.offered(data, *choice)
            self.consistent()

    @precondition(lambda self: self.cc.status == "IN_SERVICE")
    @rule(data=st.data(), agents=st.permutations(AGENTS),
          finish=st.sampled_from(["TRANSFER", "CONFERENCE", "DROP", "HANGUP", "NOTHING"]),
          on_consult=st.booleans(), inbound=st.booleans())
    def consult_scenario(self, data, agents, finish, on_consult, inbound):
        """A gets a call (its own or one a customer makes), consults B, B answers, then
        A finishes the consult some way; the state around is whatever it was."""
        a, b = agents[0], agents[1]
        for x in (a, b):
            if self.cc.get_user(x).state == "LOGOUT":
                self.attempt(lambda: self.cc.change_state(x, "LOGIN", extension=x))
        legs = [d for d in sorted(self.view_dialogs[a]) if "CONSULT_CALL" in self.leg(a, d).actions]
        if legs:
            did = data.draw(st.sampled_from(legs))
        elif inbound and a != "2001":
            self.attempt(lambda: self.cc.change_state(a, "READY"))
            did = self.attempt(lambda: self.cc.inbound_call("1"))
            if did in self.view_dialogs[a]:
                self.attempt(lambda: self.cc.dialog_action(a, did, "ANSWER"))
        else:
            did = self.attempt(lambda: self.cc.make_call(a, "5550123"))
            if did in self.cc._calls:
                self.attempt(lambda: self.cc.customer_answer(did))
        self.consistent()
        if not did or did not in self.view_dialogs[a] or "CONSULT_CALL" not in self.leg(a, did).actions:
            return
        to = self.cc.get_user(b).extension
        cid = self.attempt(lambda: self.cc.dialog_action(a, did, "CONSULT_CALL", to_address=to))
        self.consistent()
        if not cid or cid not in self.cc._calls:
            return
        self.attempt(lambda: self.cc.dialog_action(b, cid, "ANSWER"))
        self.consistent()
        if finish in ("TRANSFER", "CONFERENCE"):
            self.act(a, cid if on_consult else did, finish, a, None)
        elif finish == "DROP":
            self.act(a, cid if on_consult else did, "DROP", None, None)
        elif finish == "HANGUP":
            self.attempt(lambda: self.cc.customer_hangup(did))

    @precondition(lambda self: self.cc.status == "IN_SERVICE")
    @rule(data=st.data(), finish=st.sampled_from(["BARGE", "DROP", "NOTHING", "PARTICIPANT_DROP"]))
    def monitor_scenario(self, data, finish):
        """The supervisor (signed in if needed) monitors a talking agent of its team."""
        if self.cc.get_user("1100").state == "LOGOUT":
            self.attempt(lambda: self.cc.change_state("1100", "LOGIN", extension="1100"))
        talking = [u for u in self.cc.users() if u.state in ("TALKING", "HOLD") and u.team.id == "1"
                   and u.login_id != "1100"]
        if not talking:
            return
        agent = data.draw(st.sampled_from(talking))
        mid = self.attempt(lambda: self.cc.supervisor_call("1100", "SILENT_MONITOR", agent.extension))
        self.consistent()
        if not mid:
            return
        if finish == "DROP":
            self.act("1100", mid, "DROP", "1100", None)
        elif finish in ("BARGE", "PARTICIPANT_DROP"):
            did = self.attempt(lambda: self.cc.supervisor_call("1100", "BARGE_CALL", agent.extension,
                                                               associated_dialog_id=mid))
            self.consistent()
            if did and finish == "PARTICIPANT_DROP":
                self.act("1100", did, "PARTICIPANT_DROP", agent.extension, None)

    def offered(self, data, agent, did):
        d = self.cc.get_dialog(did, agent)
        p = d.participant(self.cc.get_user(agent).extension)
        if not p.actions:
            return
        action = data.draw(st.sampled_from(p.actions))
        idle = [u.extension for u in self.cc.users() if u.state in ("READY", "NOT_READY")
                and not self.view_dialogs[u.login_id]]
        to = data.draw(st.sampled_from(idle * 3 + EXTENSIONS))
        target = agent
        if action == "PARTICIPANT_DROP":
            target = data.draw(st.sampled_from([x.media_address for x in d.participants]))
        if action == "BARGE_CALL":
            return self.attempt(lambda: self.cc.supervisor_call(agent, "BARGE_CALL", d.to_address,
                                                                associated_dialog_id=did))
        self.act(agent, did, action, target, to)

    @rule(data=st.data(), agent=st.sampled_from(AGENTS))
    def update_call_data(self, data, agent):
        ids = sorted(self.view_dialogs[agent]) + ["1"]
        did = data.draw(st.sampled_from(ids))
        cv = data.draw(st.sampled_from([None, {"callVariable3": "z"}, {"BAStatus": "x"}]))
        self.attempt(lambda: self.cc.update_call_data(agent, did, call_variables=cv, wrap_up_reason="Complaint"))

    @rule(data=st.data())
    def customer_answers(self, data):
        ids = self.live_dialog_ids() + ["1"]
        did = data.draw(st.sampled_from(ids))
        self.attempt(lambda: self.cc.customer_answer(did))

    @rule(data=st.data())
    def customer_hangs_up(self, data):
        ids = self.live_dialog_ids() + ["1"]
        did = data.draw(st.sampled_from(ids))
        self.attempt(lambda: self.cc.customer_hangup(did))

    @rule(agent=st.sampled_from(AGENTS), kind=st.sampled_from(
        ["OUTBOUND_PREVIEW", "OUTBOUND_DIRECT_PREVIEW", "OUTBOUND_CALLBACK_PREVIEW"]))
    def preview(self, agent, kind):
        self.attempt(lambda: self.cc.place_preview(agent, kind=kind))

    @rule(agent=st.sampled_from(AGENTS), action=st.sampled_from(["SILENT_MONITOR", "BARGE_CALL"]),
          data=st.data())
    def supervise(self, agent, action, data):
        assoc = data.draw(st.sampled_from([None] + sorted(self.view_dialogs["1100"])))
        self.attempt(lambda: self.cc.supervisor_call("1100", action, agent, associated_dialog_id=assoc))

    @rule(status=st.sampled_from(["IN_SERVICE"] * 3 + ["OUT_OF_SERVICE"]))
    def status(self, status):
        self.attempt(lambda: self.cc.set_status(status))

    @rule(seconds=st.integers(0, 400))
    def time_passes(self, seconds):
        self.clock.advance(seconds)

    # -- replay the events into the client view ------------------------------------------
    def replay_events(self):
        for e in self.events:
            if isinstance(e, DialogChanged):
                view = self.view_dialogs[e.agent_id]
                if e.change == "POST":
                    assert e.dialog.id not in view, f"POST of a dialog {e.agent_id} already has"
                    view[e.dialog.id] = e.dialog
                elif e.change == "PUT":
                    assert e.dialog.id in view, f"PUT of a dialog {e.agent_id} does not have"
                    view[e.dialog.id] = e.dialog
                else:
                    assert e.change == "DELETE" and e.dialog.id in view
                    assert e.dialog.state == "DROPPED"
                    del view[e.dialog.id]
            elif isinstance(e, UserChanged):
                self.view_users[e.agent_id] = e.user
                t = e.user.state_change_time
                assert t is None or t >= self.last_change_time.get(e.agent_id, t)
                self.last_change_time[e.agent_id] = t
            else:
                assert isinstance(e, (AgentError, TeamMemberChanged, QueueChanged, SystemStatusChanged))
        self.events.clear()

    @invariant()
    def consistent(self):
        self.replay_events()
        cc = self.cc
        calls = cc._calls
        waiting = {cid for q in cc._queues.values() for cid in q.waiting}
        # no leaks: every call is waiting in a queue or has an agent who lists it
        for cid, call in calls.items():
            agents = [p.agent_id for p in call.parties if p.agent_id]
            if cid in waiting:
                assert agents == [] and len(call.parties) == 1
                continue
            assert agents, f"call {cid} has no agent"
            assert any(not p.passive for p in call.parties if p.agent_id)
            for aid in agents:
                assert cid in cc._agents[aid].calls
            addresses = [p.address for p in call.parties]
            assert len(addresses) == len(set(addresses))
            if not call.reservation:
                assert len(call.parties) >= 2 or call.state in ("INITIATING", "INITIATED"), (cid, call.parties)
        for aid, a in cc._agents.items():
            for cid in a.calls:
                assert cid in calls and calls[cid].agent_party(aid) is not None
        if cc.status != "IN_SERVICE":
            return
        for aid in AGENTS:
            user = cc.get_user(aid)
            assert user.state in AGENT_STATES and user.state != "UNKNOWN"
            dialogs = cc.get_dialogs(aid)
            ext = user.extension
            # the client view equals the model
            model_view = {d.id: d for d in dialogs}
            assert model_view == self.view_dialogs[aid], describe(aid, model_view, self.view_dialogs[aid])
            if aid in self.view_users:
                assert self.view_users[aid] == user
            live = [d for d in dialogs if d.participant(ext) and d.participant(ext).state in LIVE_LEG]
            wrap = [d for d in dialogs if d.participant(ext) and d.participant(ext).state == "WRAP_UP"]
            assert len(live) + len(wrap) == len(dialogs)
            assert len(wrap) <= 1
            if user.state == "LOGOUT":
                assert dialogs == [] and user.pending_state == ""
                continue
            if wrap:
                assert user.state in ("WORK", "WORK_READY")
            if user.pending_state:
                assert self.flavour == "UCCE" and user.state in BUSY
            if self.flavour == "UCCX":
                assert user.state not in ("HOLD", "WORK_READY")
            own = []   # legs that bear the agent's state
            for d in live:
                p = d.participant(ext)
                assert p.media_address_type == "AGENT_DEVICE"
                passive = d.call_type == "SUPERVISOR_MONITOR" and d.from_address != ext
                stateless = d.call_type == "SUPERVISOR_MONITOR" and not passive and self.flavour == "UCCX"
                # UCCX: a call without a queue that is not an outbound campaign call is
                # non-ICD: it bears no agent state
                stateless = stateless or (self.flavour == "UCCX" and not (d.queue_number or d.queue_name)
                                          and not d.call_type.startswith("OUTBOUND")
                                          and not any(k.startswith("BA") for k in d.call_variables))
                if passive:
                    assert p.actions == []
                if not passive and not stateless:
                    own.append(p.state)
                assert cc.get_dialog(d.id) == d
            if user.state in BUSY:
                assert own, f"{aid} is {user.state} without a call"
            if not own:
                assert user.state not in BUSY, f"{aid} is {user.state} without a call"
            if any(s in ("ACTIVE", "INITIATING", "INITIATED") for s in own):
                assert user.state == "TALKING"
            elif own and all(s == "HELD" for s in own):
                assert user.state == ("HOLD" if self.flavour == "UCCE" else "TALKING")
            elif any(s == "ALERTING" for s in own) and user.state in BUSY:
                assert user.state in ("RESERVED", "RESERVED_OUTBOUND_PREVIEW", "HOLD", "TALKING")
            # every agent participant of a live dialog lists it
            for d in live:
                for p in d.participants:
                    if p.media_address_type == "AGENT_DEVICE":
                        other = cc._by_extension[p.media_address]
                        assert d.id in [x.id for x in cc.get_dialogs(other)]
        # queue statistics agree with the agents and the calls
        for q in cc.queues():
            s = q.statistics
            qr = cc._queues[q.id]
            members = [cc.get_user(m) for m in qr.members]
            assert s.calls_in_queue == len(qr.waiting)
            assert s.agents_logged_on == sum(1 for u in members if u.state != "LOGOUT")
            assert s.agents_ready == sum(1 for u in members if u.state == "READY")
            assert s.agents_not_ready == sum(1 for u in members if u.state == "NOT_READY")
            assert s.agents_wrap_up_not_ready == sum(1 for u in members if u.state == "WORK")
            assert s.agents_wrap_up_ready == sum(1 for u in members if u.state == "WORK_READY")
            assert s.agents_reserved == sum(1 for u in members if u.state.startswith("RESERVED"))
            assert (s.agents_ready + s.agents_not_ready + s.agents_busy_other + s.agents_talking_inbound
                    + s.agents_talking_outbound + s.agents_talking_internal + s.agents_wrap_up_not_ready
                    + s.agents_wrap_up_ready + s.agents_reserved) == s.agents_logged_on
            ringing = sum(1 for c in calls.values() if c.queue_id == q.id and c.answered_at is None
                          and c.id not in qr.waiting)
            assert s.total_calls == s.handled_calls + s.abandoned_calls + s.calls_in_queue + ringing
            if qr.waiting:
                assert s.start_time_of_longest_call_in_queue == calls[qr.waiting[0]].enqueued_at
            # nobody READY and idle while calls wait
            if qr.waiting:
                assert not any(cc._agents[m].state == "READY" and not cc._agents[m].calls for m in qr.members)


class UcceMachine(ModelMachine):
    flavour = "UCCE"


class UccxMachine(ModelMachine):
    flavour = "UCCX"


SETTINGS = settings(max_examples=100, stateful_step_count=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TestUcceModel = UcceMachine.TestCase
TestUcceModel.settings = SETTINGS
TestUccxModel = UccxMachine.TestCase
TestUccxModel.settings = SETTINGS
