"""Issue #6, phonebooks plugin, on the sim (UCCE and UCCX), through real sockets:
GetPhonebooks (PhoneBook), GetTeamPhonebooks (TeamPhoneBook), GetPhonebookContacts
(phoneBookContacts), a 6,000-contact book whole, and who may read what."""
from __future__ import annotations

import pytest

from gc_core.testing import GCProcess

from .helpers import (BIG_BOOK_ID, BIG_BOOK_SIZE, COMPANY_DIRECTORY, GLOBAL_BOOKS, big_book_contact, error_view,
                      sim_config)
from tests.expected import described


@pytest.fixture(scope="module", params=["UCCE", "UCCX"])
def gc(request, site, tmp_path_factory):
    with GCProcess(sim_config(site, request.param), workdir=tmp_path_factory.mktemp(f"gc-pb-{request.param}")) as p:
        yield p


def test_getphonebooks_lists_the_global_books_and_the_agents_team_books(team, desks):
    desk = desks(team.agents[0])
    desk.connect()  # phone books need no sign-in
    r, events = desk.do("GetPhonebooks")
    assert events == [[{"type": "PhoneBook", "phoneBook": [GLOBAL_BOOKS[0], team.book, GLOBAL_BOOKS[1]],
                        "requestId": r}]]


def test_getphonebooks_legacy_frame(team, desks):
    desk = desks(team.agents[0], "tcp")
    desk.connect()
    desk.client.send(f"GetPhonebooks#{team.agents[0].id}")
    assert desk.sync() == [[{"type": "PhoneBook", "phoneBook": [GLOBAL_BOOKS[0], team.book, GLOBAL_BOOKS[1]]}]]


def test_getteamphonebooks_own_team_and_supervised_team(team, desks):
    agent, sup = desks(team.agents[0]), desks(team.supervisor)
    agent.connect()
    sup.connect()
    for desk in (agent, sup):
        r, events = desk.do("GetTeamPhonebooks", {"teamId": team.id})
        assert events == [[{"type": "TeamPhoneBook", "phoneBook": [team.book], "requestId": r}]]
    # the spec's second category and the positional form
    agent.client.send({"category": "team_phonebooks", "type": "GetTeamPhonebooks", "agentId": team.agents[0].id,
                       "params": team.id, "requestId": "tp"})
    assert agent.sync() == [[{"type": "TeamPhoneBook", "phoneBook": [team.book], "requestId": "tp"}]]


def test_getteamphonebooks_of_another_team_is_refused(team, other_team, desks):
    for who in (team.agents[0], team.supervisor):
        desk = desks(who)
        desk.connect()
        r, events = desk.do("GetTeamPhonebooks", {"teamId": other_team.id})
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                                    "agentId": who.id, "requestId": r}]
        assert events[0]["errorDescription"] == described(
            "PLEASE_RETRY", f"GetTeamPhonebooks refused: team {other_team.id} is neither agent {who.id}'s team "
            "nor a team it supervises")


def test_getphonebookcontacts(team, desks):
    desk = desks(team.agents[0])
    desk.connect()
    r, events = desk.do("GetPhonebookContacts", {"phonebookId": "1"})
    assert events == [[{"type": "phoneBookContacts", "contact": COMPANY_DIRECTORY, "requestId": r}]]
    r, events = desk.do("GetPhonebookContacts", {"phonebookId": team.id})
    assert events == [[{"type": "phoneBookContacts", "contact": team.book_contacts, "requestId": r}]]
    desk.client.send(f"GetPhonebookContacts#{team.agents[0].id}|{team.id}")
    assert desk.sync() == [[{"type": "phoneBookContacts", "contact": team.book_contacts}]]


def test_a_6000_contact_book_arrives_whole_in_one_event(team, desks):
    desk = desks(team.agents[0])
    desk.connect()
    r, events = desk.do("GetPhonebookContacts", {"phonebookId": BIG_BOOK_ID})
    assert len(events) == 1
    contacts = events[0][0]["contact"]
    assert len(contacts) == BIG_BOOK_SIZE
    assert contacts == [big_book_contact(i) for i in range(1, BIG_BOOK_SIZE + 1)]
    assert events[0][0]["requestId"] == r


def test_contacts_of_a_book_the_agent_is_not_given_are_refused(team, other_team, desks):
    desk = desks(team.agents[0])
    desk.connect()
    for book in (other_team.id, "2", "4711"):  # another team's book, team 1's book, no such book
        r, events = desk.do("GetPhonebookContacts", {"phonebookId": book})
        assert [error_view(e) for e in events] == [{"type": "Error", "errorCode": "PLEASE_RETRY", "errorOrigin": "GC",
                                                    "agentId": team.agents[0].id, "requestId": r}]
        assert events[0]["errorDescription"] == described(
            "PLEASE_RETRY", f"GetPhonebookContacts refused: phone book {book} is not one of agent "
            f"{team.agents[0].id}'s phone books")


def test_missing_parameters(team, desks):
    desk = desks(team.agents[0])
    desk.connect()
    for command in ("GetTeamPhonebooks", "GetPhonebookContacts"):
        r, events = desk.do(command, {})
        assert [e["errorCode"] for e in events] == ["PLEASE_RETRY"]
        assert events[0]["errorDescription"].endswith("Id is missing.")
