"""(a) Every corpus payload through the Finesse backend's parser and the core's event
mappers, in-process: the client events must be the ones written from the spec
(:mod:`.expected_events`), every event passes GC's schemas, and no payload of the
corpus is left unchecked."""
from __future__ import annotations

import pytest

from gc_core import events as E
from gc_core.errors import from_api_error
from gc_finesse import finesse_xml as FX
from gc_finesse.notifications import updates_from_item
from gc_finesse.xmlparse import parse

from .corpus import Replay, all_payloads, load
from .expected_events import (A, FLOWS, QUEUE_STATS, TEAM_FLOW, call, cv, p, user_state)
from tests.expected import described

CHECKED: set = set()


def _subset(got: dict, want: dict) -> dict:
    """``got`` cut to ``want``'s keys where ``want`` leaves the wording open (Error)."""
    if got.get("type") == "Error" and want.get("type") == "Error":
        return {k: got.get(k) for k in want}
    return got


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_flow(flow):
    agents, steps = FLOWS[flow]
    replay = Replay(agents)
    for name, agent, want in steps:
        payload = load(name)
        got = replay.feed(agent, payload)
        assert [_subset(g, w) for g, w in zip(got, want)] == want and len(got) == len(want), \
            f"{flow}: {name}\n got: {got}\nwant: {want}"
        CHECKED.add(name)


def test_team_summary_users_keep_what_was_known():
    """Team notifications carry the summary user (no extension, no pendingState): the
    TeamAgents update keeps the member's extension from the team GC already knew."""
    replay = Replay({}, supervisor_of={"sup": "1004"})
    team = FX.team(parse(load("team_get_rest_ucce.xml").xml))
    assert [m.extension for m in team.users] == ["1001004", "1001005"]
    replay.seed_team("1004", team.users)
    CHECKED.add("team_get_rest_ucce.xml")
    for name, want in TEAM_FLOW:
        assert replay.feed("sup", load(name)) == [[w] for w in want], name  # array events
        CHECKED.add(name)


def test_queue_statistics():
    replay = Replay({})
    assert replay.feed("sup", load("queue_put_guide_sample_ucce.xml")) == [[{"type": "QueueStats",
                                                                             "queue": [QUEUE_STATS]}]]
    q = FX.queue(parse(load("queue_get_rest_ucce.xml").xml))
    assert (q.id, q.name, q.statistics.agents_logged_on, q.statistics.calls_in_queue) == ("10", "Sales", 1, 3)
    CHECKED.update({"queue_put_guide_sample_ucce.xml", "queue_get_rest_ucce.xml"})


@pytest.mark.parametrize("name, state, reason, label", [
    ("user_get_not_ready_ucce.xml", "NOT_READY", "16", "Team Meeting"),
    # a stale reason code in TALKING is not reported: the same as the notification says
    ("user_get_talking_stale_reason.xml", "TALKING", "", ""),
])
def test_rest_user_answers(name, state, reason, label):
    user = FX.user(parse(load(name).xml))
    assert E.state(user, A) == user_state(A, state, reason=reason, label=label)
    CHECKED.add(name)


def test_rest_dialogs_without_id_are_dropped():
    dialogs = FX.dialogs(parse(load("no_id_get_dialogs_rest_ucce.xml").xml))
    assert [d.id for d in dialogs] == ["16818000"]
    assert E.inbound_call(dialogs[0], A, A)["callVariables"] == cv("2002")
    assert E.inbound_call(dialogs[0], A, A)["participants"] == [p("2002", "ACTIVE", agent=False), p(A, "ACTIVE")]
    CHECKED.add("no_id_get_dialogs_rest_ucce.xml")


@pytest.mark.parametrize("name, status, code, description", [
    ("error_rest_parameter_missing.xml", 400, None, "State Parameter missing"),
    ("error_rest_unauthorized.xml", 401, "SUBSCRIPTION_FAILED", None),
])
def test_rest_errors(name, status, code, description):
    [err] = FX.api_errors(parse(load(name).xml))
    mapped = from_api_error(status, err.error_type, err.error_message, err.error_data)
    if code:
        assert mapped.code == code
    if description:
        # Finesse's own words reach the client, after the spec's description of the code
        assert mapped.description == described(mapped.code, description)
    assert mapped.details["finesseErrorType"] == err.error_type and mapped.details["httpStatus"] == status
    CHECKED.add(name)


def test_every_payload_is_documented_and_checked():
    """Runs last in this module: each payload names its source and flavour, both
    flavours are covered, and every payload was replayed above."""
    payloads = all_payloads()
    assert len(payloads) >= 40
    for pl in payloads:
        assert pl.source and pl.flavour in ("UCCE", "UCCX", "both") and pl.node and pl.what, pl.name
        parse(pl.xml)  # well-formed, no DTD
    assert {pl.flavour for pl in payloads} >= {"UCCE", "UCCX"}
    if len(CHECKED) < 10:
        pytest.skip("run with the whole module to check coverage")
    assert {pl.name for pl in payloads} - CHECKED == set()


def test_wrap_up_then_new_post_of_the_same_dialog_is_a_new_leg():
    """A dialog whose end was reported and that comes back to the agent (POST again)
    is shown again, and ends again once."""
    replay = Replay({A: A})
    for name in ("call_end_2_put_active_ucce.xml", "call_end_3_put_dropped_ucce.xml"):
        replay.feed(A, load(name))
    again = replay.feed(A, load("call_end_1_post_alerting_ucce.xml"))
    assert [e["type"] for e in again] == ["NewInboundCall", "InboundCall"]
    assert [e["state"] for e in replay.feed(A, load("call_end_3_put_dropped_ucce.xml"))] == ["DROPPED"]
    assert replay.feed(A, load("call_end_4_delete_ucce.xml")) == []


def test_delete_without_a_dropped_put_ends_the_call_once():
    """Whichever comes first, PUT DROPPED or DELETE, gives the one DROPPED."""
    replay = Replay({A: A})
    replay.feed(A, load("call_end_2_put_active_ucce.xml"))
    assert [e["state"] for e in replay.feed(A, load("call_end_4_delete_ucce.xml"))] == ["DROPPED"]
    assert replay.feed(A, load("call_end_3_put_dropped_ucce.xml")) == []  # a late PUT after the DELETE


def test_notification_parser_drops_dialogs_without_id():
    pl = load("no_id_post_dialogs_ucce.xml")
    assert updates_from_item(A, pl.node, pl.xml) == []
