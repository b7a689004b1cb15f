"""Shared helpers for the schema tests: loading the schemas, a registry built from their
``$id``s, the command table of protocol.md section 3 (checked in, and parsed from the
shared spec when it is present), and the GC error code a validation error maps to."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from gc_core.resources import schemas_dir

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = schemas_dir()
SAMPLES = REPO / "tests" / "spec_samples"
SHARED_SPEC = REPO.parent / "shared" / "spec"
PROTOCOL_MD = SHARED_SPEC / "protocol.md"
SPEC_TXT = SHARED_SPEC / "gc-json-api.txt"

BASE_ID = "https://generic-connector.dev/schemas/"
DEFS_ID = BASE_ID + "defs.json"
DEFAULT_CODE = "PLEASE_RETRY"

EVENT_TYPES = {
    "System", "AgentInfo", "State", "InboundCall", "NewInboundCall", "ReasonCodes", "ConsultCall",
    "DialogState", "Agents", "TeamAgents", "QueueStats", "PhoneBook", "TeamPhoneBook",
    "phoneBookContacts", "Error", "ZoomRecording",
}

# protocol.md section 3, checked in so the tests mean something without ../shared:
# (categories, types, params); a trailing "?" marks an optional parameter.
_TABLE = [
    (["system"], ["Hello"], ["clientDestination"]),
    (["system"], ["Beat"], ["clientDestination"]),
    (["agent_info"], ["Connect"], ["clientDestination", "password"]),
    (["agent_state"], ["Login"], ["password", "extension"]),
    (["agent_state"], ["MobileAgentLogin"], ["password", "extension", "phone", "connectionMode"]),
    (["agent_state"], ["Logout", "MakeReady", "MakeNotReady", "GetState", "refresh", "force_logout",
                       "makeworknotready", "makeworkready", "reasoncodelogout", "reasoncodenotready"], []),
    (["agent_state"], ["MakeNotReadyWithReason", "logoutwithreason"], ["reasonCode"]),
    (["agent_work"], ["wrapupreasoncode"], []),
    (["agent_call"], ["MakeCall"], ["number"]),
    (["agent_call"], ["AnswerCall", "HoldCall", "RetrieveCall", "ReleaseCall", "getDialogParticipants"], ["dialogId"]),
    (["agent_call"], ["Transfer_sst", "ConsultCall"], ["number", "dialogId"]),
    (["agent_call"], ["TransferCall", "Conferencecall"], ["extension", "dialogId"]),
    (["agent_call"], ["getallagents"], []),
    (["agent_call"], ["update_call_variable"], ["dialogId", "name", "value"]),
    (["agent_call"], ["AcceptOutboundPreview", "RejectOutboundPreview", "CloseOutboundPreview"], ["dialogId", "action?"]),
    (["agent_call"], ["SHCEDULECALLBACK", "UPDATECALLBACK"], ["targetMediaAddress", "dialogId", "callbackTime", "callbackNumber"]),
    (["agent_call"], ["CANCELSHCEDULECALLBACK"], ["targetMediaAddress", "dialogId"]),
    (["agent_call"], ["RECLASSIFYCALL"], ["targetMediaAddress", "dialogId", "value"]),
    (["agent_call"], ["bargein"], ["teamAgentLoginId", "dialogId"]),
    (["agent_dialog"], ["getdialogstate", "getdialogstatecontrols"], ["dialogId"]),
    (["agent_dialog"], ["wrapup"], ["wrapupReason", "dialogId"]),
    (["zoom"], ["ZOOMPauseRecording", "ZOOMResumeRecording"], []),
    (["phonebook"], ["GetPhonebooks"], []),
    (["phonebook", "team_phonebooks"], ["GetTeamPhonebooks"], ["teamId"]),
    (["contacts"], ["GetPhonebookContacts"], ["phonebookId"]),
    (["supervisor_queue_info"], ["getqueuelist"], []),
    (["supervisor_dialog"], ["silentmonitor"], ["agentExtension"]),
    (["supervisor_dialog"], ["endsilentmonitor"], ["dialogId"]),
    (["supervisor_dialog"], ["dropparticipant"], ["agentExtension", "dialogId"]),
    (["supervisor_team"], ["getteamusers"], ["teamId", "subscribe?"]),
    (["supervisor_team_member_state"], ["getteamuserstate"], ["teamAgentLoginId"]),
]


def _expand(rows):
    table = {}
    for cats, types, params in rows:
        for t in types:
            assert t not in table, f"{t} listed twice"
            table[t] = (list(cats), list(params))
    return table


CHECKED_IN_COMMANDS: dict[str, tuple[list[str], list[str]]] = _expand(_TABLE)


def parse_protocol_table(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """The command table of protocol.md section 3 as {type: (categories, params)}."""
    section = re.search(r"^## 3\..*?$(.*?)^## ", text, re.S | re.M)
    assert section, "protocol.md has no section 3"
    rows = []
    for line in section.group(1).splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 3 or cells[0] == "category" or set(cells[0]) <= set("-: "):
            continue
        cats = [c.strip() for c in cells[0].split(",")]
        types = [t.strip() for t in cells[1].split(",")]
        params_cell = re.sub(r"\([^)]*\)", "", cells[2]).strip()
        params = [] if params_cell in ("-", "") else [p.strip() for p in params_cell.split(",")]
        rows.append((cats, types, params))
    return _expand(rows)


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def all_schema_files() -> tuple[Path, ...]:
    return tuple(sorted(SCHEMAS.rglob("*.json")))


@lru_cache(maxsize=None)
def all_schemas() -> dict[str, dict]:
    """Every schema by its ``$id``."""
    out = {}
    for path in all_schema_files():
        schema = load(path)
        assert schema["$id"] not in out, f"duplicate $id {schema['$id']}"
        out[schema["$id"]] = schema
    return out


@lru_cache(maxsize=None)
def registry() -> Registry:
    return Registry().with_resources(
        (sid, Resource.from_contents(schema)) for sid, schema in all_schemas().items())


def schema_id(kind: str, name: str) -> str:
    return f"{BASE_ID}{kind}/{name}.json"


@lru_cache(maxsize=None)
def validator(kind: str, name: str) -> Draft202012Validator:
    """The validator of ``commands/<name>.json`` or ``events/<name>.json``."""
    return Draft202012Validator(all_schemas()[schema_id(kind, name)], registry=registry())


def command_types() -> set[str]:
    return {p.stem for p in (SCHEMAS / "commands").glob("*.json")}


def event_types() -> set[str]:
    return {p.stem for p in (SCHEMAS / "events").glob("*.json")}


def gc_error_code(error: ValidationError) -> str:
    """The GC error code a validation error stands for, read from ``x-gc-errors``.

    A ``required`` failure is looked up on the missing property's subschema
    (``properties[<missing>]['x-gc-errors']['required']``); any other failure on the
    failing subschema itself (``x-gc-errors[<validator>]``). No mapping: PLEASE_RETRY.
    """
    if error.validator == "required":
        missing = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
        name = next((n for n in missing if repr(n) in error.message), missing[0] if missing else None)
        prop = error.schema.get("properties", {}).get(name, {}) if name else {}
        return prop.get("x-gc-errors", {}).get("required", DEFAULT_CODE)
    return error.schema.get("x-gc-errors", {}).get(error.validator, DEFAULT_CODE)


def gc_error_for(kind: str, name: str, instance) -> str | None:
    """None if ``instance`` is valid; otherwise the GC code of the best-matching error."""
    error = best_match(validator(kind, name).iter_errors(instance))
    return None if error is None else gc_error_code(error)


def walk(node, path=()):
    """Yield (path, subschema-dict) for every dict in a schema document."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*__*.json"))


def sample_event_type(path: Path) -> str:
    return path.name.split("__", 1)[0]


# Where each sample comes from in gc-json-api.txt (1-based line of its first character)
# and what was done to it: "none" (verbatim), "nbsp" (verbatim but for non-breaking
# spaces turned into spaces), "truncated" (closed a truncated object), "settled" (the
# UCCX QueueStats sample, rewritten to the settled shape), or protocol.md's example.
SAMPLE_SOURCES = {
    "System__out_of_service.json": (164, "none"),
    "AgentInfo__agent_info.json": (176, "none"),
    "State__not_ready.json": (212, "none"),
    "InboundCall__agent_call.json": (260, "nbsp"),
    "NewInboundCall__new_call.json": (339, "nbsp"),
    "ReasonCodes__wrap_up.json": (398, "none"),
    "ConsultCall__consult_call_initiated.json": (437, "none"),
    "InboundCall__release_call_dropped.json": (518, "none"),
    "InboundCall__complete_conference.json": (538, "nbsp"),
    "InboundCall__complete_transfer_held.json": (628, "truncated"),
    "InboundCall__complete_transfer_active.json": (672, "nbsp"),
    "DialogState__get_dialog_state.json": (762, "none"),
    "Agents__get_all_agents.json": (779, "none"),
    "TeamAgents__get_team_users.json": (804, "nbsp"),
    "QueueStats__ucce.json": (842, "nbsp"),
    "QueueStats__uccx.json": (872, "settled"),
    "PhoneBook__phonebooks.json": (955, "nbsp"),
    "TeamPhoneBook__team_phonebooks.json": (977, "nbsp"),
    "phoneBookContacts__contacts.json": (999, "nbsp"),
    "Error__protocol_login_bad_password.json": (None, "protocol.md"),
}
