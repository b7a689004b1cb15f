"""Agent commands: the spec's agent_state, agent_work, agent_call and agent_dialog
commands, written against :mod:`gc_core.backend` only, so they run unchanged on the
sim and on both Finesse flavours. Commands a backend lacks the capability for
(MobileAgentLogin, Transfer_sst, makeworkready on UCCX) are not offered there."""
from __future__ import annotations

from gc_core.backend import CAP_MOBILE_AGENT, CAP_TRANSFER_SST, CAP_WORK_READY
from gc_core.commands import CommandSpec
from gc_core.hookspecs import hookimpl

from . import call_commands as call
from . import state_commands as st
from .mappers import MAPPERS


@hookimpl
def gc_commands():
    return [
        # agent_state / agent_work
        CommandSpec("Login", st.login),
        CommandSpec("MobileAgentLogin", st.mobile_agent_login, requires=frozenset({CAP_MOBILE_AGENT})),
        CommandSpec("Logout", st.logout, member_ok=True),
        CommandSpec("logoutwithreason", st.logout_with_reason),
        CommandSpec("force_logout", st.force_logout),
        CommandSpec("MakeReady", st.make_ready, member_ok=True),
        CommandSpec("MakeNotReady", st.make_not_ready, member_ok=True),
        CommandSpec("MakeNotReadyWithReason", st.make_not_ready_with_reason),
        CommandSpec("makeworknotready", st.make_work_not_ready),
        CommandSpec("makeworkready", st.make_work_ready, requires=frozenset({CAP_WORK_READY})),
        CommandSpec("GetState", st.get_state),
        CommandSpec("refresh", st.refresh),
        CommandSpec("reasoncodelogout", st.reason_codes_logout),
        CommandSpec("reasoncodenotready", st.reason_codes_not_ready),
        CommandSpec("wrapupreasoncode", st.wrap_up_reason_codes),
        # agent_call / agent_dialog
        CommandSpec("MakeCall", call.make_call),
        CommandSpec("AnswerCall", call.answer_call),
        CommandSpec("HoldCall", call.hold_call),
        CommandSpec("RetrieveCall", call.retrieve_call),
        CommandSpec("ReleaseCall", call.release_call),
        CommandSpec("ConsultCall", call.consult_call),
        CommandSpec("Transfer_sst", call.transfer_sst, requires=frozenset({CAP_TRANSFER_SST})),
        CommandSpec("TransferCall", call.transfer_call),
        CommandSpec("Conferencecall", call.conference_call),
        CommandSpec("getdialogstate", call.get_dialog_state),
        CommandSpec("getdialogstatecontrols", call.get_dialog_state_controls),
        CommandSpec("getDialogParticipants", call.get_dialog_participants),
        CommandSpec("wrapup", call.wrapup),
        CommandSpec("update_call_variable", call.update_call_variable),
        CommandSpec("getallagents", call.get_all_agents),
    ]


@hookimpl
def gc_event_mappers():
    return dict(MAPPERS)
