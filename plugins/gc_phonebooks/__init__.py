"""The phonebooks plugin: the spec's phone book commands.

=====================  ======================================  ===================
command                Finesse call                            answer
=====================  ======================================  ===================
GetPhonebooks          GET User/{id}/PhoneBooks                PhoneBook
GetTeamPhonebooks      GET TeamResource/{teamId}/PhoneBooks    TeamPhoneBook
GetPhonebookContacts   GET PhoneBook/{id}/Contacts             phoneBookContacts
=====================  ======================================  ===================

A book arrives whole in one event: the backend session pages through Finesse's
``Range: objects=a-b`` (206 Partial Content) itself, so a 6,000-contact book (the
Finesse maximum) is one ``phoneBookContacts`` event.

Configuration ``[phonebooks]``: see :func:`gc_config_defaults`.
"""
from __future__ import annotations

from gc_core.backend import CAP_PHONEBOOKS
from gc_core.commands import CommandSpec
from gc_core.hookspecs import hookimpl

from . import commands as c

PHONEBOOKS = frozenset({CAP_PHONEBOOKS})


@hookimpl
def gc_config_defaults():
    return {"phonebooks": {
        # An agent reads only the books it is given: the global ones, its own team's and
        # (supervisors) those of the teams it supervises. false: any team's and any book
        # the backend lets the agent's credentials read.
        "restrict_to_own_teams": True,
    }}


@hookimpl
def gc_commands():
    return [
        CommandSpec("GetPhonebooks", c.get_phonebooks, requires=PHONEBOOKS),
        CommandSpec("GetTeamPhonebooks", c.get_team_phonebooks, requires=PHONEBOOKS),
        CommandSpec("GetPhonebookContacts", c.get_phonebook_contacts, requires=PHONEBOOKS),
    ]
