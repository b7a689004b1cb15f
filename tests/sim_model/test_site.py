"""The site: default site (protocol.md section 6), TOML loading, generation, checks."""
from __future__ import annotations

import pytest

from gc_core.resources import conf_dir
from gc_sim.model import Site, SiteError, default_site, load_site

from .conftest import SMALL_SITE

CONF = conf_dir() / "sim-site.toml"


def test_conf_file_is_the_default_site():
    assert load_site(CONF) == default_site()


def test_default_site_matches_protocol_section_6():
    s = load_site(CONF)
    assert [(t.id, t.name) for t in s.teams] == [("1", "Sales")]
    assert [(a.id, a.extension, a.team_id, a.password) for a in s.agents] == [
        ("1001", "1001", "1", "secret"), ("1002", "1002", "1", "secret"),
        ("1003", "1003", "1", "secret"), ("1100", "1100", "1", "secret")]
    sup = s.agent("1100")
    assert sup.is_supervisor and sup.supervises == ("1",)
    assert not any(s.agent(a).is_supervisor for a in ("1001", "1002", "1003"))
    assert [(q.id, q.name, q.team_ids) for q in s.queues] == [("1", "Sales", ("1",))]
    assert [w.label for w in s.wrap_up_reasons] == [
        "Complaint", "Inquiry New", "Conf call", "Transfer call", "Customer new call",
        "Old call customer", "Bill Inquiry"]
    assert [w.id for w in s.wrap_up_reasons] == ["1", "2", "3", "4", "5", "6", "7"]
    nr = {r.id: r.label for r in s.reason_codes if r.category == "NOT_READY"}
    assert nr["8"] == "Break"
    assert len([r for r in s.reason_codes if r.category == "LOGOUT"]) == 3
    assert sorted(b.type for b in s.phonebooks) == ["GLOBAL", "TEAM"]
    assert all(b.contacts for b in s.phonebooks)


def test_from_dict_accepts_camel_case_and_defaults():
    s = Site.from_dict(SMALL_SITE)
    a = s.agent("1003")
    assert (a.first_name, a.extension, a.wrap_up_on_incoming, a.wrap_up_on_outgoing) == (
        "Carol", "1003", "REQUIRED", "REQUIRED")
    b = s.agent("1001")
    assert (b.roles, b.wrap_up_on_incoming, b.wrap_up_on_outgoing) == (("Agent",), "OPTIONAL", "NOT_ALLOWED")
    assert s.phonebooks[0].contacts[0].phone_number == "5551000"


@pytest.mark.parametrize("address,external", [
    ("5551234", True), ("+33155551234", True), ("912", True), ("9", False),
    ("1001", False), ("12", False), ("abc", False), ("", False)])
def test_outside_numbers(address, external):
    assert default_site().is_external(address) is external


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["agents"].append(dict(d["agents"][0])), "duplicate agent id"),
    (lambda d: d["agents"][0].update(team="9"), "unknown team"),
    (lambda d: d["agents"][0].update(extension="10a1"), "not numeric"),
    (lambda d: d["agents"][0].update(supervises=["1"]), "no Supervisor role"),
    (lambda d: d["agents"][0].update(wrapUpOnIncoming="SOMETIMES"), "bad wrap-up mode"),
    (lambda d: d["reason_codes"][0].update(category="LUNCH"), "bad category"),
    (lambda d: d["queues"][0].update(teams=["7"]), "unknown team"),
    (lambda d: d["phonebooks"][0].update(type="PERSONAL"), "bad type"),
])
def test_inconsistent_sites_are_refused(mutate, message):
    import copy
    data = copy.deepcopy(SMALL_SITE)
    mutate(data)
    with pytest.raises(SiteError, match=message):
        Site.from_dict(data)


def test_generate_big_site():
    s = Site.generate(1000, agents_per_team=50)
    agents = [a for a in s.agents if not a.is_supervisor]
    sups = [a for a in s.agents if a.is_supervisor]
    assert len(agents) == 1000 and len(sups) == 20 and len(s.teams) == 20 and len(s.queues) == 20
    assert agents[0].id == "10000" and agents[-1].id == "10999" and agents[-1].team_id == "20"
    assert sups[0].supervises == ("1",) and sups[0].id == "11000"
    assert len(s.phonebooks) == 21
