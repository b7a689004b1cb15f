"""The agent rule and the [backends.<name>] tables (docs/protocol.md, "Backends"):
explicit ids before ranges before patterns before the default; conflicts and
unknown keys are configuration errors; no [backends] table = one instance named
after gc.backend. Expected values follow the documented rule."""
from __future__ import annotations

import pytest

from gc_core.backends import AgentRule, InstanceConfig, instance_configs
from gc_core.config import Config, ConfigError

SIM_DEFAULTS = {"site": "", "flavour": "UCCE", "external_answer_after": 1.0}
TYPES = {"sim": SIM_DEFAULTS}


def rule(*instances):
    return AgentRule([InstanceConfig(name=n, type="sim", agents=tuple(a), default=d) for n, a, d in instances])


def test_most_specific_entry_wins():
    r = rule(("east", ["1500", "sup-*"], False), ("west", ["1000-1999"], False),
             ("lab", ["1*", "sup-9"], False), ("train", [], True))
    assert r.instance_for("1500") == "east"      # explicit id beats west's range and lab's pattern
    assert r.instance_for("1501") == "west"      # range beats lab's pattern
    assert r.instance_for("10000") == "lab"      # outside the range: the pattern
    assert r.instance_for("sup-9") == "lab"      # an explicit id beats east's earlier pattern
    assert r.instance_for("sup-1") == "east"     # patterns: first instance in configuration order
    assert r.instance_for("2000") == "train"     # nothing else: the default
    assert r.instance_for("01500") == "west"     # ranges compare numbers, ids compare text


def test_no_default_places_nobody_else():
    r = rule(("east", ["1000-1099"], False))
    assert r.instance_for("1100") is None
    assert r.instance_for("abc") is None


@pytest.mark.parametrize("instances, message", [
    ([("a", ["1001"], False), ("b", ["1001"], False)], "listed by backends.a and backends.b"),
    ([("a", ["1000-1999"], False), ("b", ["1900-2999"], False)], "overlaps '1000-1999' of backends.a"),
    ([("a", [], True), ("b", [], True)], "both the default"),
    ([("a", ["20-10"], False)], "runs backwards"),
])
def test_conflicts_are_configuration_errors(instances, message):
    with pytest.raises(ConfigError, match=message):
        rule(*instances)


def config(**sections):
    base = {"gc": {"backend": "sim"}, "sim": dict(SIM_DEFAULTS)}
    base.update(sections)
    return Config(base)


def test_without_backends_one_instance_named_after_gc_backend():
    [inst] = instance_configs(config(sim={**SIM_DEFAULTS, "flavour": "UCCX"}), TYPES)
    assert (inst.name, inst.type, inst.default, inst.agents) == ("sim", "sim", True, ())
    assert inst.settings["flavour"] == "UCCX"


def test_instance_settings_overlay_the_type_section():
    conf = config(sim={**SIM_DEFAULTS, "site": "shared.toml"},
                  backends={"x": {"type": "sim", "flavour": "UCCX", "agents": "1-9, 20"},
                            "e": {"type": "sim"}})
    x, e = instance_configs(conf, TYPES)
    assert (x.name, x.settings["flavour"], x.settings["site"], x.agents) == ("x", "UCCX", "shared.toml", ("1-9", "20"))
    assert (e.name, e.settings["flavour"], e.settings["site"]) == ("e", "UCCE", "shared.toml")


def test_set_and_environment_spellings_reach_the_instance():
    conf = config(backends={"x": {"type": "sim"}, "x.flavour": "UCCX", "x__external_answer_after": "2.5"})
    [x] = instance_configs(conf, TYPES)
    assert (x.settings["flavour"], x.settings["external_answer_after"]) == ("UCCX", 2.5)


@pytest.mark.parametrize("table, message", [
    ({"agents": ["1"]}, "needs type"),
    ({"type": "sim", "flavor": "UCCX"}, "unknown key sim.flavor"),
    ({"type": "sim", "external_answer_after": "soon"}, "expected float"),
    ({"type": "sim", "default": "maybe"}, "expected true or false"),
    ({"type": "sim", "agents": 5}, "expected a list"),
])
def test_bad_tables_are_refused(table, message):
    with pytest.raises(ConfigError, match=message):
        instance_configs(config(backends={"x": table}), TYPES)
