"""The backend conformance kit: what GC's clients rely on, checked on any backend.

A vendor who adds a telephony backend describes it once as a :class:`KitTarget` (how
to start GC configured for it, which agents and reason codes it has, and a small
driver that makes customer calls arrive), registers that under the ``gc.kit_targets``
entry-point group, and runs::

    pytest --gc-kit NAME --pyargs gc_core.backend_kit

(the ``--gc-kit`` option and the ``gc_kit_target`` fixture come from the pytest plugin
:mod:`gc_core.testing`, registered under ``pytest11``). A test module may instead
subclass :class:`BackendKit` and name its targets in ``gc_kit_targets``.

The kit drives GC only through real sockets, as a client does: JSON frames over the
WebSocket transport, every received event checked against GC's schemas. Expected
values come from the spec (docs/protocol.md, the spec's samples) and from the target's
own declaration of its site (agents, reason codes), never from what GC printed.

A row that needs something the backend does not offer (a command GC does not route to
it for want of a capability, a dialog action its calls never offer, a driver method it
does not implement) skips and says why, if the target lists that feature in
:attr:`KitTarget.lacks`; if it does not, the row fails, so a backend cannot pass by
silently losing a feature.
"""
from __future__ import annotations

import abc
import importlib
import importlib.metadata
import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import pytest

from .testing import GCClient, GCProcess, event_obj, event_type

KIT_GROUP = "gc.kit_targets"

# Features a row may need; a target lists those its backend lacks in ``lacks``.
HOLD = "HOLD"                      # the HOLD / RETRIEVE dialog actions
CONSULT = "CONSULT_CALL"           # the CONSULT_CALL dialog action
TRANSFER = "TRANSFER"              # completing a consult as a transfer
CONFERENCE = "CONFERENCE"          # completing a consult as a conference
WORK_STATES = "WORK_READY"         # the backend capability behind makeworkready
CALL_VARIABLES = "UPDATE_CALL_DATA"  # update_call_variable / wrapup on a live call
CUSTOMER_HANGUP = "customer_hangup"  # driver: the customer ends the call
STATUS = "status_changes"          # driver: take the backend out of service and back
FEATURES = (HOLD, CONSULT, TRANSFER, CONFERENCE, WORK_STATES, CALL_VARIABLES, CUSTOMER_HANGUP, STATUS)


@dataclass(frozen=True)
class KitAgent:
    """An agent of the target's site: signed out when the kit starts, wrap-up not
    REQUIRED, its extension a phone the backend can ring."""
    id: str
    password: str
    extension: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class KitTarget(abc.ABC):
    """A backend under test, as the kit sees it.

    Attributes a target sets:

    * ``name``: shown in skip messages;
    * ``agents``: at least two :class:`KitAgent` of one team, all serving ``queue``;
    * ``queue``: where :meth:`call` sends customers (a call rings at the one READY agent);
    * ``not_ready_reasons`` / ``logout_reasons`` / ``wrap_up_reasons``: the site's
      reason codes, ``{id: label}`` in the order the backend lists them (at least one each);
    * ``lacks``: features of :data:`FEATURES` the backend does not offer; rows needing
      them skip (and a row finding a feature missing that is not listed fails).
    """

    name: str = "backend"
    agents: Sequence[KitAgent] = ()
    queue: str = ""
    not_ready_reasons: Mapping[str, str] = {}
    logout_reasons: Mapping[str, str] = {}
    wrap_up_reasons: Mapping[str, str] = {}
    lacks: frozenset = frozenset()

    @abc.abstractmethod
    def start(self, workdir: Path) -> GCProcess:
        """Start whatever the backend needs and GC configured for it (a
        :class:`~gc_core.testing.GCProcess` on free loopback ports); return GC."""

    def stop(self) -> None:
        """Stop what :meth:`start` started (GC is stopped by the kit)."""

    @abc.abstractmethod
    def call(self, from_address: str, call_variables: Mapping[str, str]) -> None:
        """A customer at ``from_address`` (digits) calls :attr:`queue` with these call
        variables (``callVariable1``..``callVariable10`` and ``user.*`` names)."""

    def hangup(self, dialog_id: str) -> None:
        """The customer of ``dialog_id`` hangs up (feature :data:`CUSTOMER_HANGUP`)."""
        raise NotImplementedError

    def set_in_service(self, in_service: bool) -> None:
        """Take the backend out of service, or back in (feature :data:`STATUS`)."""
        raise NotImplementedError


def load_target(spec: str) -> KitTarget:
    """A target by entry-point name (group ``gc.kit_targets``) or ``module:attribute``;
    the object found is a :class:`KitTarget`, or a callable returning one."""
    if ":" in spec:
        module, _, attr = spec.partition(":")
        obj: Any = getattr(importlib.import_module(module), attr)
    else:
        eps = {ep.name: ep for ep in importlib.metadata.entry_points(group=KIT_GROUP)}
        if spec not in eps:
            raise LookupError(f"no kit target {spec!r} (installed in {KIT_GROUP}: {', '.join(sorted(eps)) or '-'})")
        obj = eps[spec].load()
    target = obj() if not isinstance(obj, KitTarget) and callable(obj) else obj
    if not isinstance(target, KitTarget):
        raise TypeError(f"kit target {spec!r} is {type(target).__name__}, not a KitTarget")
    if len(target.agents) < 2 or not target.queue:
        raise ValueError(f"kit target {spec!r} needs two agents and a queue")
    return target


def installed_targets() -> list[str]:
    return sorted(ep.name for ep in importlib.metadata.entry_points(group=KIT_GROUP))


# -- a client desk ------------------------------------------------------------------------
_ids = itertools.count(1)
_numbers = itertools.count(5551000)


def customer_number() -> str:
    """A fresh outside number (7 digits) per call, so events match by ``fromAddress``."""
    return str(next(_numbers))


class Desk:
    """One agent's client: its own connection and destination, named JSON frames."""

    def __init__(self, gc: GCProcess, agent: KitAgent):
        self.agent = agent
        self.client: GCClient = gc.client("websocket")
        self.destination = f"kit-{agent.id}-{next(_ids)}"
        self.new_call: dict = {}

    def close(self) -> None:
        self.client.close()

    def send(self, command: str, rid: Optional[str] = None, **params: str) -> str:
        """Send ``command`` for this agent; returns its requestId (fresh unless given)."""
        rid = rid or f"kit-{next(_ids)}"
        frame = {"type": command, "agentId": self.agent.id, "params": params, "requestId": rid}
        self.client.send(frame)
        return rid

    def expect(self, kind: str, rid: Optional[str] = None, timeout: float = 15.0, **fields: Any) -> dict:
        """The first event of type ``kind`` with these field values (and this requestId,
        if given); events passed over stay unread for later expectations."""
        def match(e: Any) -> bool:
            obj = event_obj(e)
            return (event_type(e) == kind and (rid is None or obj.get("requestId") == rid)
                    and all(obj.get(k) == v for k, v in fields.items()))
        return event_obj(self.client.expect(match, timeout=timeout))

    def call_event(self, dialog_id: str, value: str, rid: Optional[str] = None) -> dict:
        """The InboundCall of ``dialog_id`` in state ``value``."""
        return self.expect("InboundCall", rid, dialogId=dialog_id, state=value)

    def state(self, value: Optional[str] = None, rid: Optional[str] = None, **fields: Any) -> dict:
        """The agent's next State event (of ``value``) per the spec's State sample."""
        extra = {"state": value} if value else {}
        ev = self.expect("State", rid, agentId=self.agent.id, **extra, **fields)
        assert ev["fullName"] == self.agent.full_name, ev
        return ev

    def now(self) -> dict:
        """GetState now: the agent's State, answered with the request's requestId."""
        return self.state(rid=self.send("GetState"))

    def refused(self, rid: str, code: Optional[str] = None) -> dict:
        """The Error answering ``rid`` (spec: errorCode, errorOrigin, errorDescription,
        request, requestId)."""
        err = self.expect("Error", rid)
        assert err.get("agentId") == self.agent.id, err
        assert err.get("errorDescription"), err
        if code is not None:
            assert err["errorCode"] == code, err
        return err

    # set-up steps
    def hello(self) -> None:
        self.client.send({"type": "Hello", "params": {"clientDestination": self.destination}})
        answer = dict(event_obj(self.client.expect("System")))
        answer.pop("resumeToken", None)  # a GC extension: the first Hello of a new destination
        assert answer == {"type": "System", "status": "IN_SERVICE"}

    def connect(self) -> None:
        self.hello()
        self.client.send({"type": "Connect", "agentId": self.agent.id,
                          "params": {"clientDestination": self.destination, "password": self.agent.password}})
        assert self.now()["agentId"] == self.agent.id

    def login(self, ready: bool = False) -> dict:
        """Connect and sign in; returns the AgentInfo."""
        self.connect()
        rid = self.send("Login", password=self.agent.password, extension=self.agent.extension)
        self.state("NOT_READY", rid, extension=self.agent.extension)
        info = self.expect("AgentInfo", rid, agentId=self.agent.id)
        if ready:
            self.state("READY", self.send("MakeReady"))
        return info

    def ring(self, target: KitTarget, **variables: str) -> tuple[str, str]:
        """A customer calls the queue; it rings here (this agent READY). Returns
        (dialog id, the customer's number)."""
        number = customer_number()
        target.call(number, variables)
        new = self.expect("NewInboundCall", fromAddress=number, agentId=self.agent.id)
        self.new_call = new  # the spec's NewInboundCall, for rows that look at it
        did = new["dialogId"]
        self.call_event(did, "ALERTING")
        return did, number

    def answered(self, target: KitTarget, **variables: str) -> tuple[str, str]:
        did, number = self.ring(target, **variables)
        rid = self.send("AnswerCall", dialogId=did)
        self.call_event(did, "ACTIVE", rid)
        self.state("TALKING")
        return did, number

    def controls(self, dialog_id: str) -> list:
        rid = self.send("getdialogstatecontrols", dialogId=dialog_id)
        return self.expect("DialogState", rid, dialogId=dialog_id)["controls"]

    def offers(self, dialog_id: str, action: str, tries: int = 60) -> tuple[bool, list]:
        """Whether the dialog offers ``action`` (getdialogstatecontrols), asking again
        while it does not: the backend's dialog update that adds an action (a held call
        offering TRANSFER once its consult is answered) may still be on its way.
        Returns (offered, the last controls)."""
        for _ in range(tries):
            controls = self.controls(dialog_id)
            if action in controls:
                return True, controls
            time.sleep(0.05)
        return False, controls


def party(event: dict, address: str) -> Optional[dict]:
    return next((p for p in event.get("participants", []) if p.get("mediaAddress") == address), None)


def variables_of(event: dict) -> dict:
    """The spec's callVariables list of one-key objects, as one mapping."""
    return {k: v for item in event.get("callVariables", []) for k, v in item.items()}


# -- the kit --------------------------------------------------------------------------------
class BackendKit:
    """The conformance rows. Subclass it in a test module (the subclass's name must
    start with ``Test``) and set ``gc_kit_targets``, or run ``--pyargs gc_core.backend_kit``
    with ``--gc-kit``."""

    gc_kit_targets: Sequence[str] = ()

    # -- fixtures ---------------------------------------------------------------------
    @pytest.fixture
    def target(self, gc_kit_target) -> KitTarget:
        return gc_kit_target.target

    @pytest.fixture
    def desks(self, gc_kit_target):
        """``desks(n)``: desks for the target's first ``n`` agents; afterwards each agent is
        signed out (force_logout drops its calls) so the next row starts clean."""
        opened: list[Desk] = []

        def open_desks(n: int) -> list[Desk]:
            out = [Desk(gc_kit_target.gc, a) for a in gc_kit_target.target.agents[:n]]
            opened.extend(out)
            return out
        yield open_desks
        for d in opened:
            d.close()
        for agent in {d.agent for d in opened}:
            cleanup = Desk(gc_kit_target.gc, agent)
            try:
                cleanup.connect()
                if cleanup.now()["state"] != "LOGOUT":
                    cleanup.send("force_logout")
                    cleanup.state("LOGOUT")
            finally:
                cleanup.close()

    def need(self, target: KitTarget, feature: str, available: bool, why: str) -> None:
        """Skip (saying why) when the backend lacks ``feature`` and the target says so;
        fail when it lacks it and the target does not say so."""
        if available:
            return
        if feature in target.lacks:
            pytest.skip(f"{target.name} lacks {feature}: {why}")
        pytest.fail(f"{target.name} does not offer {feature} ({why}); if the backend really lacks it, "
                    f"list it in the target's `lacks`")

    def command_offered(self, desk: Desk, target: KitTarget, feature: str, command: str, **params: str) -> dict:
        """Send ``command`` and return the first event answering it; if that is GC's
        refusal for want of a backend capability (its router's "not available on the
        ... backend"), the row needs ``feature``."""
        rid = desk.send(command, **params)
        answer = event_obj(desk.client.expect(lambda e: event_obj(e).get("requestId") == rid, timeout=15))
        unavailable = answer.get("type") == "Error" and "is not available on the" in answer.get("errorDescription", "")
        self.need(target, feature, not unavailable, answer.get("errorDescription", ""))
        return answer

    # -- sign in and out --------------------------------------------------------------
    def test_sign_in_and_out(self, desks, target):
        [d] = desks(1)
        a = d.agent
        d.connect()
        assert d.now()["state"] == "LOGOUT"
        rid = d.send("Login", password=a.password, extension=a.extension)
        st = d.state("NOT_READY", rid)
        assert st["extension"] == a.extension and st["reasonCode"] == "" and st["label"] == ""
        info = d.expect("AgentInfo", rid)
        assert (info["firstName"], info["lastName"], info["agentId"]) == (a.first_name, a.last_name, a.id)
        st = d.now()
        assert (st["state"], st["extension"]) == ("NOT_READY", a.extension)
        rid = d.send("Logout")
        d.state("LOGOUT", rid)

    def test_sign_in_with_a_wrong_password(self, desks, target):
        [d] = desks(1)
        d.hello()
        d.client.send({"type": "Connect", "agentId": d.agent.id, "requestId": "bad-pw",
                       "params": {"clientDestination": d.destination, "password": d.agent.password + "x"}})
        err = d.refused("bad-pw", "SUBSCRIPTION_FAILED")  # the spec: invalid credentials
        assert d.agent.password not in str(err)
        d.connect()  # the right password still works
        assert d.now()["state"] == "LOGOUT"
        # Login with a password other than the one the agent connected with: the spec's sample
        rid = d.send("Login", password=d.agent.password + "x", extension=d.agent.extension)
        err = d.refused(rid, "CF_INVALID_PASSWORD_SPECIFIED")
        assert err["request"]["type"] == "Login", err
        assert d.agent.password not in str(err)
        assert d.now()["state"] == "LOGOUT"

    # -- every state with reason codes ------------------------------------------------
    def test_reason_code_lists(self, desks, target):
        [d] = desks(1)
        d.login()
        for command, expected in (("reasoncodenotready", target.not_ready_reasons),
                                  ("reasoncodelogout", target.logout_reasons),
                                  ("wrapupreasoncode", target.wrap_up_reasons)):
            ev = d.expect("ReasonCodes", d.send(command))
            assert ev["reasonCodes"] == [{k: v} for k, v in expected.items()], (command, ev)

    def test_ready_not_ready_and_logout_with_reasons(self, desks, target):
        [d] = desks(1)
        d.login()
        d.state("READY", d.send("MakeReady"), reasonCode="", label="")
        for code, label in target.not_ready_reasons.items():
            d.state("NOT_READY", d.send("MakeNotReadyWithReason", reasonCode=code), reasonCode=code, label=label)
        d.state("READY", d.send("MakeReady"))
        d.state("NOT_READY", d.send("MakeNotReady"))
        code, label = next(iter(target.logout_reasons.items()))
        d.state("LOGOUT", d.send("logoutwithreason", reasonCode=code), reasonCode=code, label=label)

    def test_work_states(self, desks, target):
        [d] = desks(1)
        d.login()
        answer = self.command_offered(d, target, WORK_STATES, "makeworkready")
        assert (answer["type"], answer["agentId"], answer["state"]) == ("State", d.agent.id, "WORK_READY"), answer
        d.state("WORK", d.send("makeworknotready"))
        d.state("NOT_READY", d.send("MakeNotReady"))

    # -- an inbound call through its life ---------------------------------------------
    def test_inbound_call_rings_is_answered_and_released(self, desks, target):
        [d] = desks(1)
        d.login(ready=True)
        did, number = d.ring(target)
        assert d.offers(did, "ANSWER")[0], d.controls(did)
        rid = d.send("AnswerCall", dialogId=did)
        active = d.call_event(did, "ACTIVE", rid)
        assert active["fromAddress"] == number and active["callType"] == "ACD_IN"
        assert party(active, number)["state"] == "ACTIVE"
        assert party(active, d.agent.extension)["state"] == "ACTIVE"
        d.state("TALKING", rid)
        d.expect("DialogState", d.send("getdialogstate", dialogId=did), dialogId=did, state="ACTIVE")
        rid = d.send("ReleaseCall", dialogId=did)
        d.expect("InboundCall", rid, dialogId=did, state="DROPPED")
        d.state("READY", rid)
        d.expect("DialogState", d.send("getdialogstate", dialogId=did), dialogId=did, state="NOT_FOUND")

    def test_customer_hangs_up(self, desks, target):
        [d] = desks(1)
        d.login(ready=True)
        did, _ = d.answered(target)
        try:
            target.hangup(did)
        except NotImplementedError:
            self.need(target, CUSTOMER_HANGUP, False, "the target's driver has no hangup()")
        d.expect("InboundCall", dialogId=did, state="DROPPED")
        d.state("READY")

    # -- hold / retrieve --------------------------------------------------------------
    def test_hold_and_retrieve(self, desks, target):
        [d] = desks(1)
        d.login(ready=True)
        did, number = d.answered(target)
        offered, controls = d.offers(did, "HOLD")
        self.need(target, HOLD, offered, f"an active call offers {controls}")
        rid = d.send("HoldCall", dialogId=did)
        held = d.call_event(did, "HELD", rid)
        assert party(held, d.agent.extension)["state"] == "HELD" and party(held, number)["state"] == "ACTIVE"
        assert d.offers(did, "RETRIEVE")[0], d.controls(did)
        rid = d.send("RetrieveCall", dialogId=did)
        d.call_event(did, "ACTIVE", rid)
        assert d.now()["state"] == "TALKING"
        rid = d.send("ReleaseCall", dialogId=did)
        d.expect("InboundCall", rid, dialogId=did, state="DROPPED")

    # -- consult, transfer, conference ------------------------------------------------
    def _consulted(self, desks, target) -> tuple[Desk, Desk, str, str, str]:
        """a answers a customer and consults b, who answers. Returns (a, b, original
        dialog, consult dialog, customer number)."""
        da, db = desks(2)
        da.login(ready=True)
        db.login()
        did, number = da.answered(target, callVariable1="Gold")
        offered, controls = da.offers(did, "CONSULT_CALL")
        self.need(target, CONSULT, offered, f"an active call offers {controls}")
        rid = da.send("ConsultCall", number=db.agent.extension, dialogId=did)
        da.call_event(did, "HELD", rid)
        consult = da.expect("ConsultCall", rid, toAddress=db.agent.extension)
        cid = consult["assDialogId"]
        assert cid != did and consult["callType"] == "CONSULT"
        new = db.expect("NewInboundCall", dialogId=cid)
        assert new["callType"] == "CONSULT" and new["fromAddress"] == da.agent.extension
        db.call_event(cid, "ALERTING")
        rid = db.send("AnswerCall", dialogId=cid)
        db.call_event(cid, "ACTIVE", rid)
        # UCCE: the consulted agent goes TALKING; UCCX: a consult is a non-ICD call and
        # leaves its state (Finesse guide 12.5(1), User - Change Agent State)
        assert db.now()["state"] in ("TALKING", "NOT_READY")
        da.call_event(cid, "ACTIVE")
        return da, db, did, cid, number

    def test_consult_then_transfer(self, desks, target):
        da, db, did, cid, number = self._consulted(desks, target)
        offered, controls = da.offers(did, "TRANSFER")
        self.need(target, TRANSFER, offered, f"a held call with an answered consult offers {controls}")
        rid = da.send("TransferCall", extension=da.agent.extension, dialogId=did)
        da.expect("InboundCall", rid, dialogId=cid, state="DROPPED")
        da.expect("InboundCall", rid, dialogId=did, state="DROPPED")
        da.state("READY", rid)
        db.expect("InboundCall", dialogId=cid, state="DROPPED")
        moved = db.expect("InboundCall", state="ACTIVE", fromAddress=number)
        assert party(moved, db.agent.extension)["state"] == "ACTIVE" and party(moved, number) is not None
        assert party(moved, da.agent.extension) is None
        assert variables_of(moved)["callVariable1"] == "Gold"
        rid = db.send("ReleaseCall", dialogId=moved["dialogId"])
        db.expect("InboundCall", rid, dialogId=moved["dialogId"], state="DROPPED")

    def test_consult_then_conference(self, desks, target):
        da, db, did, cid, number = self._consulted(desks, target)
        offered, controls = da.offers(did, "CONFERENCE")
        self.need(target, CONFERENCE, offered, f"a held call with an answered consult offers {controls}")
        rid = da.send("Conferencecall", extension=da.agent.extension, dialogId=did)
        for desk, r in ((da, rid), (db, None)):
            desk.expect("InboundCall", r, dialogId=cid, state="DROPPED")
            conf = desk.expect("InboundCall", r, state="ACTIVE", fromAddress=number, callType="CONFERENCE")
            assert {p["mediaAddress"] for p in conf["participants"]} == {number, da.agent.extension,
                                                                       db.agent.extension}, conf
            assert all(p["state"] == "ACTIVE" for p in conf["participants"]), conf
        assert da.now()["state"] == "TALKING" and db.now()["state"] == "TALKING"

    # -- wrap-up and call variables ---------------------------------------------------
    def test_wrap_up_on_a_live_call(self, desks, target):
        [d] = desks(1)
        d.login(ready=True)
        did, number = d.answered(target)
        offered, controls = d.offers(did, "UPDATE_CALL_DATA")
        self.need(target, CALL_VARIABLES, offered, f"an active call offers {controls}")
        code, label = next(iter(target.wrap_up_reasons.items()))
        for reason in (label, code):  # the spec's wrapup takes the reason (an id of wrapupreasoncode works too)
            rid = d.send("wrapup", wrapupReason=reason, dialogId=did)
            d.call_event(did, "ACTIVE", rid)
        d.refused(d.send("wrapup", dialogId=did), "MISSING_REASON_CODE")
        rid = d.send("ReleaseCall", dialogId=did)
        d.expect("InboundCall", rid, dialogId=did, state="DROPPED")

    def test_call_variables(self, desks, target):
        [d] = desks(1)
        d.login(ready=True)
        sent = {"callVariable1": "Gold", "callVariable10": "last", "user.account": "42"}
        did, number = d.ring(target, **sent)
        ring = d.new_call
        got = variables_of(ring)
        expected = {f"callVariable{i}": "" for i in range(1, 11)} | sent | {"ani": number}
        assert got == expected, ring
        # the spec's order: callVariable1..10, then ani (11th in every sample), then the
        # other variables in Finesse's order
        names = [k for item in ring["callVariables"] for k in item]
        assert names[:11] == [f"callVariable{i}" for i in range(1, 11)] + ["ani"], names
        rid = d.send("AnswerCall", dialogId=did)
        d.call_event(did, "ACTIVE", rid)
        offered, controls = d.offers(did, "UPDATE_CALL_DATA")
        self.need(target, CALL_VARIABLES, offered, f"an active call offers {controls}")
        rid = d.send("update_call_variable", dialogId=did, name="callVariable3", value="VIP")
        updated = d.call_event(did, "ACTIVE", rid)
        assert variables_of(updated) == expected | {"callVariable3": "VIP"}, updated
        rid = d.send("ReleaseCall", dialogId=did)
        d.expect("InboundCall", rid, dialogId=did, state="DROPPED")

    # -- errors: wrong state and bad input --------------------------------------------
    def test_wrong_state_requests_change_nothing(self, desks, target):
        [d] = desks(1)
        d.connect()
        for command in ("MakeReady", "MakeNotReady", "Logout"):  # signed out: only LOGIN is possible
            d.refused(d.send(command), "CF_INVALID_OBJECT_STATE")
            assert d.now()["state"] == "LOGOUT"
        d.login(ready=True)
        did, _ = d.answered(target)
        d.refused(d.send("AnswerCall", dialogId=did), "CF_INVALID_OBJECT_STATE")
        d.refused(d.send("RetrieveCall", dialogId=did), "CF_INVALID_OBJECT_STATE")
        d.refused(d.send("Logout"), "CF_INVALID_OBJECT_STATE")
        assert d.now()["state"] == "TALKING"
        d.expect("DialogState", d.send("getdialogstate", dialogId=did), dialogId=did, state="ACTIVE")
        rid = d.send("ReleaseCall", dialogId=did)  # the call still works
        d.expect("InboundCall", rid, dialogId=did, state="DROPPED")
        d.state("READY", rid)

    def test_bad_input_gets_the_spec_errors_and_changes_nothing(self, desks, target):
        [d] = desks(1)
        d.connect()
        d.refused(d.send("Login", password=d.agent.password), "MISSING_EXTENSION")
        d.refused(d.send("Login", password=d.agent.password, extension="10a1"), "WRONG_EXTENSION")
        assert d.now()["state"] == "LOGOUT"
        d.login(ready=True)
        d.refused(d.send("MakeNotReadyWithReason"), "MISSING_REASON_CODE")
        unknown = next(str(n) for n in itertools.count(900) if str(n) not in target.not_ready_reasons)
        err = d.refused(d.send("MakeNotReadyWithReason", reasonCode=unknown))
        assert err["errorCode"] != "MISSING_REASON_CODE", err
        d.refused(d.send("MakeCall"), "MISSING_NUMBER")
        assert d.now()["state"] == "READY"
        d.client.send({"type": "MakeReady", "agentId": d.agent.id, "requestId": "x", "params": {"surprise": "1"}})
        d.refused("x", "PLEASE_RETRY")
        d.client.send("{not json")
        err = event_obj(d.client.expect("Error"))
        assert err["errorCode"] == "PLEASE_RETRY", err
        assert d.now()["state"] == "READY"

    def test_one_client_cannot_act_for_another_agent(self, desks, target):
        da, db = desks(2)
        da.login()
        db.connect()
        rid = f"kit-{next(_ids)}"  # da's connection, db's agent: db is not bound to this connection
        da.client.send({"type": "MakeReady", "agentId": db.agent.id, "requestId": rid})
        err = event_obj(da.client.expect(lambda e: event_obj(e).get("requestId") == rid))
        assert event_type(err) == "Error", err
        assert db.now()["state"] == "LOGOUT" and da.now()["state"] == "NOT_READY"

    # -- status changes -----------------------------------------------------------------
    def test_status_changes_reach_every_destination(self, desks, target):
        da, db = desks(2)
        da.login()
        db.connect()
        try:
            target.set_in_service(False)
        except NotImplementedError:
            self.need(target, STATUS, False, "the target's driver has no set_in_service()")
        try:
            for d in (da, db):
                assert event_obj(d.client.expect("System", timeout=30)) == {"type": "System",
                                                                             "status": "OUT_OF_SERVICE"}
        finally:
            target.set_in_service(True)
        for d in (da, db):
            assert event_obj(d.client.expect("System", timeout=30)) == {"type": "System", "status": "IN_SERVICE"}
        assert da.now()["state"] == "NOT_READY"


class TestBackendKit(BackendKit):
    """Collected by ``pytest --gc-kit NAME --pyargs gc_core.backend_kit``."""


@dataclass
class RunningTarget:
    """What the ``gc_kit_target`` fixture yields: the target and its running GC."""
    target: KitTarget
    gc: GCProcess
