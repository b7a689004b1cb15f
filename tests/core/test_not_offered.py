"""The router's answer to a command this deployment does not offer (issue 16): the
spec's "request has been rejected" code from GC, naming the plugin and the setting;
PLEASE_RETRY stays for names no schema knows (bad input)."""
from __future__ import annotations

import pytest

from gc_core.commands import NOT_OFFERED, CommandRegistry
from gc_core.errors import GCError
from gc_core.resources import schemas_dir
from gc_core.schemas import SchemaRegistry
from tests.expected import described


@pytest.fixture(scope="module")
def schemas():
    return SchemaRegistry([schemas_dir()])


def refusal(routes: CommandRegistry, name: str) -> GCError:
    with pytest.raises(GCError) as info:
        routes.resolve(name)
    return info.value


def test_disabled_plugin_is_named_with_the_setting(schemas):
    routes = CommandRegistry([], schemas, (), disabled={"getteamusers": "supervisor"})
    err = refusal(routes, "GETTEAMUSERS")
    assert (err.code, err.origin) == (NOT_OFFERED, "GC") and NOT_OFFERED == "CF_GENERIC_UNSPECIFIED_REJECTION"
    assert err.description == described(NOT_OFFERED, "getteamusers is provided by the plugin 'supervisor', which is "
                                                     "not enabled here: add \"supervisor\" to the gc.plugins setting")


def test_a_schema_alias_of_a_disabled_command_names_the_plugin_too(schemas):
    aliased = next((c for c, s in schemas.commands.items() if s.aliases), None)
    assert aliased is not None, "the core schemas define x-gc-aliases"
    alias = schemas.commands[aliased].aliases[0]
    err = refusal(CommandRegistry([], schemas, (), disabled={aliased: "outbound"}), alias)
    assert err.code == NOT_OFFERED and f"{aliased} is provided by the plugin 'outbound'" in err.description


def test_a_command_nobody_provides_says_so(schemas):
    err = refusal(CommandRegistry([], schemas, ()), "Login")
    assert (err.code, err.origin) == (NOT_OFFERED, "GC")
    assert err.description == described(NOT_OFFERED, "Login is not provided by any installed plugin: install a "
                                                     "plugin that handles it and add it to the gc.plugins setting")


def test_an_unknown_name_is_bad_input(schemas):
    err = refusal(CommandRegistry([], schemas, (), disabled={"Login": "agent"}), "Dance")
    assert (err.code, err.description) == ("PLEASE_RETRY", described("PLEASE_RETRY", "unknown command 'Dance'"))
