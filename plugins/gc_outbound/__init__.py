"""The outbound plugin: preview reservations, personal callbacks, scheduled callbacks
and reclassification (Finesse ``PUT Dialog`` actions).

A reservation (UCCE Outbound Preview, UCCX Direct Preview, personal callback)
arrives as a call: the agent plugin sends NewInboundCall and InboundCall with the
dialog's callType (OUTBOUND_PREVIEW, OUTBOUND_DIRECT_PREVIEW,
OUTBOUND_CALLBACK_PREVIEW) and the BA* variables in ``callVariables``. Every result
below arrives the same way, as InboundCall events carrying the requestId.

=======================  ===============================  ==============================
command                  UCCE (Outbound Preview)          UCCX (Direct Preview)
=======================  ===============================  ==============================
AcceptOutboundPreview    ACCEPT                           ANSWER (outbound.uccx_accept_action)
RejectOutboundPreview    REJECT                           DROP (outbound.uccx_reject_action)
CloseOutboundPreview     CLOSE                            not offered (no such action)
SHCEDULECALLBACK,        UPDATE_SCHEDULED_CALLBACK        same
UPDATECALLBACK           (callbackTime, callbackNumber)
CANCELSHCEDULECALLBACK   CANCEL_SCHEDULED_CALLBACK        same
RECLASSIFYCALL           RECLASSIFY (outboundClassif.)    same
=======================  ===============================  ==============================

The optional ``action`` parameter of Accept/Reject/Close (the spec's second
positional parameter) never changes what the command does: the command decides, and
a conflicting ``action`` is ignored (the spec's "Accept the personal callback" row
sends ``AcceptOutboundPreview`` with ``REJECT`` and means accept).

Which commands exist follows the backend's capabilities: Accept/Reject/RECLASSIFYCALL
need OUTBOUND_PREVIEW (UCCE) or OUTBOUND_DIRECT_PREVIEW (UCCX) (``requires_any``),
and the handler sends the platform's actions; Close needs OUTBOUND_PREVIEW; the
callback commands need CALLBACKS.
"""
from __future__ import annotations

from gc_core.backend import CAP_CALLBACKS, CAP_DIRECT_PREVIEW, CAP_OUTBOUND_PREVIEW
from gc_core.commands import CommandSpec
from gc_core.hookspecs import hookimpl

from . import commands as c

UCCE_PREVIEW = frozenset({CAP_OUTBOUND_PREVIEW})
UCCX_PREVIEW = frozenset({CAP_DIRECT_PREVIEW})
ANY_PREVIEW = UCCE_PREVIEW | UCCX_PREVIEW
CALLBACKS = frozenset({CAP_CALLBACKS})


@hookimpl
def gc_config_defaults():
    return {"outbound": {
        # UCCX Direct Preview: the Finesse action that accepts / rejects a reservation.
        "uccx_accept_action": "ANSWER",
        "uccx_reject_action": "DROP",
        # Accept/Reject/Close only a dialog that is an outbound reservation (callType
        # OUTBOUND_*PREVIEW* or BAStatus ..._RESERVATION); false: leave it to the backend.
        "check_reservation": True,
    }}


@hookimpl
def gc_commands():
    return [
        CommandSpec("AcceptOutboundPreview", c.preview("ACCEPT"), requires_any=ANY_PREVIEW),
        CommandSpec("RejectOutboundPreview", c.preview("REJECT"), requires_any=ANY_PREVIEW),
        CommandSpec("CloseOutboundPreview", c.preview("CLOSE"), requires=UCCE_PREVIEW),
        CommandSpec("SHCEDULECALLBACK", c.schedule_callback, requires=CALLBACKS),
        CommandSpec("UPDATECALLBACK", c.schedule_callback, requires=CALLBACKS),
        CommandSpec("CANCELSHCEDULECALLBACK", c.cancel_callback, requires=CALLBACKS),
        # RECLASSIFY acts on any outbound call, on both platforms
        CommandSpec("RECLASSIFYCALL", c.reclassify, requires_any=ANY_PREVIEW),
    ]
