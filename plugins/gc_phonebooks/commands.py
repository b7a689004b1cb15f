"""Handlers and event builders of the phone book commands.

The events are arrays holding one object, as the spec's samples show:
``[{"type": "PhoneBook", "phoneBook": [{"name", "type", "id"}]}]``, the same with
``TeamPhoneBook``, and ``[{"type": "phoneBookContacts", "contact": [{"description",
"firstName", "lastName", "phoneNumber", "id"}]}]``. A book's ``type`` is written as
the spec's samples write it: ``GLOBAL`` and ``Team`` (Finesse's GLOBAL / TEAM).

With ``phonebooks.restrict_to_own_teams`` (the default) a team's books are listed
only for the agent's own team and the teams it supervises, and a book's contacts
only for a book the agent is given (its GetPhonebooks list, or a supervised team's
books); anything else is refused with PLEASE_RETRY naming the team or book.
"""
from __future__ import annotations

from gc_core.domain import Contact, PhoneBook
from gc_core.errors import GCError


# Finesse's phone book type -> the spelling of the spec's PhoneBook / TeamPhoneBook samples.
BOOK_TYPES = {"GLOBAL": "GLOBAL", "TEAM": "Team"}


def book_entry(b: PhoneBook) -> dict:
    kind = (b.type or "").upper()
    return {"name": b.name, "type": BOOK_TYPES.get(kind, kind), "id": b.id}


def contact_entry(c: Contact) -> dict:
    return {"description": c.description or "", "firstName": c.first_name, "lastName": c.last_name,
            "phoneNumber": c.phone_number, "id": c.id}


def phonebooks_event(books: list, type_name: str = "PhoneBook") -> list:
    return [{"type": type_name, "phoneBook": [book_entry(b) for b in books]}]


def contacts_event(contacts: list) -> list:
    return [{"type": "phoneBookContacts", "contact": [contact_entry(c) for c in contacts]}]


def _restricted(ctx) -> bool:
    return ctx.connector.config["phonebooks"]["restrict_to_own_teams"]


def _own_teams(ctx) -> set:
    return {t for t in (ctx.binding.team_id, *ctx.binding.supervised_teams) if t}


def get_phonebooks(ctx) -> None:
    ctx.emit(phonebooks_event(ctx.session.phonebooks()))


def get_team_phonebooks(ctx) -> None:
    team_id = ctx.params["teamId"]
    if _restricted(ctx) and team_id not in _own_teams(ctx):
        raise GCError("PLEASE_RETRY", f"GetTeamPhonebooks refused: team {team_id} is neither agent "
                                      f"{ctx.agent_id}'s team nor a team it supervises")
    ctx.emit(phonebooks_event(ctx.session.team_phonebooks(team_id), "TeamPhoneBook"))


def get_phonebook_contacts(ctx) -> None:
    book_id = ctx.params["phonebookId"]
    if _restricted(ctx):
        visible = {b.id for b in ctx.session.phonebooks()}
        for team_id in sorted(ctx.binding.supervised_teams):
            if book_id in visible:
                break
            visible.update(b.id for b in ctx.session.team_phonebooks(team_id))
        if book_id not in visible:
            raise GCError("PLEASE_RETRY", f"GetPhonebookContacts refused: phone book {book_id} is not "
                                          f"one of agent {ctx.agent_id}'s phone books")
    ctx.emit(contacts_event(ctx.session.contacts(book_id)))
