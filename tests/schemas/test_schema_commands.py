"""Command schemas: one per command of protocol.md section 3, with the annotations GC's
router reads, and the GC error codes bad requests map to."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st

from schema_test_support import (
    CHECKED_IN_COMMANDS, PROTOCOL_MD, all_schemas, command_types, gc_error_for, parse_protocol_table,
    schema_id, validator,
)

NO_AGENT = {"Hello", "Beat"}
# optional parameters GC adds to the spec's (documented in docs/protocol.md, issue 10)
GC_EXTENSION_PARAMS = {"Hello": ["resumeToken?", "clientCredential?"], "Beat": ["resumeToken?", "clientCredential?"]}


def schema(t):
    return all_schemas()[schema_id("commands", t)]


def test_command_files_equal_checked_in_table():
    assert command_types() == set(CHECKED_IN_COMMANDS)


@pytest.mark.skipif(not PROTOCOL_MD.is_file(), reason="../shared/spec/protocol.md not present")
def test_checked_in_table_equals_protocol_md():
    parsed = parse_protocol_table(PROTOCOL_MD.read_text(encoding="utf-8"))
    assert parsed == CHECKED_IN_COMMANDS
    assert command_types() == set(parsed)


@pytest.mark.parametrize("t", sorted(CHECKED_IN_COMMANDS))
def test_annotations_match_table(t):
    cats, params = CHECKED_IN_COMMANDS[t]
    params = list(params) + GC_EXTENSION_PARAMS.get(t, [])
    names = [p.rstrip("?") for p in params]
    required = [p for p in params if not p.endswith("?")]
    s = schema(t)
    assert s["x-gc-positional"] == names
    assert s["x-gc-categories"] == cats
    props = s["properties"]
    assert props["category"]["enum"] == cats
    assert props["type"] == {**props["type"], "const": t}
    assert s["additionalProperties"] is False
    assert set(props) == {"category", "type", "params", "requestId"} | (set() if t in NO_AGENT else {"agentId"})
    assert s["required"] == ["type"] + ([] if t in NO_AGENT else ["agentId"]) + (["params"] if required else [])
    p = props["params"]
    assert p["type"] == "object" and p["additionalProperties"] is False
    assert list(p["properties"]) == names
    assert p.get("required", []) == required


@pytest.mark.parametrize("t", sorted(CHECKED_IN_COMMANDS))
def test_example_request_is_valid_and_strings_only(t):
    example = schema(t)["examples"][0]
    assert validator("commands", t).is_valid(example)
    for name, value in example.get("params", {}).items():
        if name != "subscribe":
            assert isinstance(value, str)


@pytest.mark.parametrize("t", sorted(CHECKED_IN_COMMANDS))
def test_minimal_and_rejected_envelopes(t):
    v = validator("commands", t)
    example = schema(t)["examples"][0]
    minimal = {k: example[k] for k in ("type", "agentId", "params") if k in example}
    assert v.is_valid(minimal)
    for bad in (
        {**example, "unknown": 1},                          # extra top-level member
        {**example, "type": t.swapcase()},                  # the core canonicalises first
        {**example, "category": "no_such_category"},
        {**example, "requestId": "r" * 65},
        {**example, "requestId": 42},
        {**example, "params": {**example.get("params", {}), "extra": "x"}},
        {**example, "params": "secret,1001"},               # the core maps positional strings first
    ):
        assert not v.is_valid(bad), bad
    if t in NO_AGENT:
        assert not v.is_valid({**example, "agentId": "1001"})
    else:
        assert not v.is_valid({k: x for k, x in example.items() if k != "agentId"})
        for agent in ("", "10#01", "10,01", "10|01", "a" * 65, 1001):
            assert not v.is_valid({**example, "agentId": agent}), agent


def test_categories_and_aliases():
    assert schema("GetTeamPhonebooks")["x-gc-categories"] == ["phonebook", "team_phonebooks"]
    for cat in ("phonebook", "team_phonebooks"):
        assert validator("commands", "GetTeamPhonebooks").is_valid(
            {"category": cat, "type": "GetTeamPhonebooks", "agentId": "1001", "params": {"teamId": "7"}})
    assert schema("SHCEDULECALLBACK")["x-gc-aliases"] == ["SCHEDULECALLBACK"]
    assert schema("CANCELSHCEDULECALLBACK")["x-gc-aliases"] == ["CANCELSCHEDULECALLBACK"]


def login(**params):
    return {"category": "agent_state", "type": "Login", "agentId": "1001", "params": params, "requestId": "c-42"}


def req(t, params=None, agent="1001"):
    r = {"type": t, "agentId": agent}
    if params is not None:
        r["params"] = params
    return r


# (schema type, request, expected GC code): each request is invalid.
NEGATIVE = [
    ("Login", login(extension="1001"), "MISSING_PASSWORD"),
    ("Login", login(password="", extension="1001"), "MISSING_PASSWORD"),
    ("Login", login(password="secret"), "MISSING_EXTENSION"),
    ("Login", login(password="secret", extension=""), "MISSING_EXTENSION"),
    ("Login", login(password="secret", extension="10a1"), "WRONG_EXTENSION"),
    ("Login", login(password="secret", extension="1" * 33), "WRONG_EXTENSION"),
    ("Login", login(password="secret", extension=1001), "PLEASE_RETRY"),      # a number, not a string
    ("Login", login(password="secret", extension="1001", pin="1"), "PLEASE_RETRY"),
    ("Login", {**login(password="secret", extension="1001"), "agentId": "10#01"}, "PLEASE_RETRY"),
    ("Login", {**login(password="secret", extension="1001"), "agentId": ""}, "PLEASE_RETRY"),
    ("Login", req("Login"), "PLEASE_RETRY"),                                    # no params at all
    ("MobileAgentLogin", req("MobileAgentLogin", {"password": "s", "extension": "x1", "phone": "555",
                                                  "connectionMode": "true"}), "WRONG_EXTENSION"),
    ("MobileAgentLogin", req("MobileAgentLogin", {"password": "s", "extension": "1001", "phone": "555",
                                                  "connectionMode": "yes"}), "PLEASE_RETRY"),
    ("Connect", req("Connect", {"clientDestination": "crm-7"}), "MISSING_PASSWORD"),
    ("MakeCall", req("MakeCall", {"number": ""}), "MISSING_NUMBER"),
    ("MakeCall", req("MakeCall", {}), "MISSING_NUMBER"),
    ("MakeCall", req("MakeCall", {"number": "12ab"}), "WRONG_EXTENSION"),
    ("MakeCall", req("MakeCall", {"number": "12#3"}), "WRONG_EXTENSION"),
    ("Transfer_sst", req("Transfer_sst", {"dialogId": "1"}), "MISSING_NUMBER"),
    ("ConsultCall", req("ConsultCall", {"number": "", "dialogId": "1"}), "MISSING_NUMBER"),
    ("ConsultCall", req("ConsultCall", {"number": "1002"}), "NO_DIALOG_ID"),
    ("TransferCall", req("TransferCall", {"dialogId": "1"}), "MISSING_EXTENSION"),
    ("Conferencecall", req("Conferencecall", {"extension": "ext", "dialogId": "1"}), "WRONG_EXTENSION"),
    ("MakeNotReadyWithReason", req("MakeNotReadyWithReason", {}), "MISSING_REASON_CODE"),
    ("MakeNotReadyWithReason", req("MakeNotReadyWithReason", {"reasonCode": ""}), "MISSING_REASON_CODE"),
    ("MakeNotReadyWithReason", req("MakeNotReadyWithReason", {"reasonCode": "Lunch"}), "MISSING_REASON_CODE"),
    ("logoutwithreason", req("logoutwithreason", {"reasonCode": ""}), "MISSING_REASON_CODE"),
    ("AnswerCall", req("AnswerCall", {}), "NO_DIALOG_ID"),
    ("HoldCall", req("HoldCall", {"dialogId": ""}), "NO_DIALOG_ID"),
    ("ReleaseCall", req("ReleaseCall", {"dialogId": "1#2"}), "NO_DIALOG_ID"),
    ("getdialogstate", req("getdialogstate", {"dialogId": ""}), "NO_DIALOG_ID"),
    ("wrapup", req("wrapup", {"dialogId": "1"}), "MISSING_REASON_CODE"),
    ("silentmonitor", req("silentmonitor", {"agentExtension": ""}), "MISSING_EXTENSION"),
    ("AcceptOutboundPreview", req("AcceptOutboundPreview", {"dialogId": "1", "action": "MAYBE"}), "PLEASE_RETRY"),
    ("getteamusers", req("getteamusers", {"teamId": "7", "subscribe": "yes"}), "PLEASE_RETRY"),
    ("getteamusers", req("getteamusers", {"subscribe": True}), "PLEASE_RETRY"),
    ("update_call_variable", req("update_call_variable", {"dialogId": "1", "name": "callVariable11", "value": "x"}), "PLEASE_RETRY"),
    ("RECLASSIFYCALL", req("RECLASSIFYCALL", {"targetMediaAddress": "1001", "dialogId": "1", "value": "SPAM"}), "PLEASE_RETRY"),
    ("UPDATECALLBACK", req("UPDATECALLBACK", {"targetMediaAddress": "1001", "dialogId": "1", "callbackTime": "",
                                              "callbackNumber": ""}), "PLEASE_RETRY"),
    ("SHCEDULECALLBACK", req("SHCEDULECALLBACK", {"targetMediaAddress": "1001", "dialogId": "1",
                                                  "callbackTime": "tomorrow", "callbackNumber": ""}), "PLEASE_RETRY"),
    ("Logout", req("Logout", {"reasonCode": "1"}), "PLEASE_RETRY"),
    ("Login", login(password="secret", extension="1001\n"), "WRONG_EXTENSION"),   # Python's "$" quirk
    ("MakeCall", req("MakeCall", {"number": "1002\n"}), "WRONG_EXTENSION"),
    ("Login", {**login(password="secret", extension="1001"), "agentId": "1001\n"}, "PLEASE_RETRY"),
    ("Login", {**login(password="secret", extension="1001"), "agentId": "10\u000001"}, "PLEASE_RETRY"),
    ("HoldCall", req("HoldCall", {"dialogId": "123\r\n"}), "NO_DIALOG_ID"),
    ("Hello", {"type": "Hello"}, "PLEASE_RETRY"),
    ("Hello", {"type": "Hello", "params": {"clientDestination": "crm#7"}}, "PLEASE_RETRY"),
]


@pytest.mark.parametrize("t,request_,code", NEGATIVE, ids=[f"{t}-{c}-{i}" for i, (t, _, c) in enumerate(NEGATIVE)])
def test_bad_requests_fail_with_their_gc_code(t, request_, code):
    assert gc_error_for("commands", t, request_) == code


POSITIVE = [
    ("Login", login(password="p,#|ss", extension="1001")),   # JSON passwords are not bound by the legacy framing
    ("MakeCall", req("MakeCall", {"number": "+15551234"})),
    ("MakeCall", req("MakeCall", {"number": "*671002"})),
    ("AcceptOutboundPreview", req("AcceptOutboundPreview", {"dialogId": "16871253"})),
    ("RejectOutboundPreview", req("RejectOutboundPreview", {"dialogId": "16871253", "action": "REJECT"})),
    ("AcceptOutboundPreview", req("AcceptOutboundPreview", {"dialogId": "16871253", "action": "REJECT"})),  # as the spec's personal callback row
    ("getteamusers", req("getteamusers", {"teamId": "7"})),
    ("getteamusers", req("getteamusers", {"teamId": "7", "subscribe": True})),
    ("getteamusers", req("getteamusers", {"teamId": "7", "subscribe": "false"})),
    ("UPDATECALLBACK", req("UPDATECALLBACK", {"targetMediaAddress": "1001", "dialogId": "1", "callbackTime": "",
                                              "callbackNumber": "5551234"})),
    ("SHCEDULECALLBACK", req("SHCEDULECALLBACK", {"targetMediaAddress": "1001", "dialogId": "1",
                                                  "callbackTime": "2019-09-18 10:30:00", "callbackNumber": ""})),
    ("update_call_variable", req("update_call_variable", {"dialogId": "1", "name": "user.customer_id", "value": ""})),
    ("Logout", req("Logout")),
    ("Logout", req("Logout", {})),
    ("Hello", {"category": "system", "type": "Hello", "params": {"clientDestination": "crm-7"}, "requestId": ""}),
]


@pytest.mark.parametrize("t,request_", POSITIVE, ids=[f"{t}-{i}" for i, (t, _) in enumerate(POSITIVE)])
def test_good_requests_pass(t, request_):
    assert gc_error_for("commands", t, request_) is None


@settings(max_examples=200, deadline=None)
@given(extension=st.text(alphabet="0123456789", min_size=1, max_size=32),
       # a password is printable Latin-1, what HTTP Basic credentials carry to Finesse (issue 10)
       password=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(
           lambda ch: not 0x7F <= ord(ch) <= 0x9F), min_size=1, max_size=256))
def test_any_digit_extension_and_password_log_in(extension, password):
    assert gc_error_for("commands", "Login", login(password=password, extension=extension)) is None


@settings(max_examples=200, deadline=None)
@given(extension=st.text(min_size=1, max_size=32).filter(lambda s: not s.isascii() or not s.isdigit()))
def test_any_non_digit_extension_is_wrong_extension(extension):
    assert gc_error_for("commands", "Login", login(password="secret", extension=extension)) == "WRONG_EXTENSION"


def test_missing_first_of_several_required_params():
    # Both missing: the first required parameter's code is reported.
    assert gc_error_for("commands", "Login", login()) == "MISSING_PASSWORD"
    assert gc_error_for("commands", "ConsultCall", req("ConsultCall", {})) == "MISSING_NUMBER"


def test_schemas_are_not_mutated_by_validation():
    before = copy.deepcopy(schema("Login"))
    gc_error_for("commands", "Login", login())
    assert schema("Login") == before
