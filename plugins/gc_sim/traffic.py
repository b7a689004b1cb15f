"""Driving the simulated contact center: customers calling, answering, hanging up,
preview reservations, the node going in and out of service.

Exposed three ways: as sim-only commands (category ``sim``, schemas in
``gc_sim/schemas``) that tests and ``gc sim ...`` send over the same sockets as any
client; and as a demo timer (``sim.demo_call_interval``) so a newcomer running
``gc serve`` sees calls arrive. With several ``[backends.<name>]`` of type sim, each
command names its instance in ``params.backend`` (``gc sim --backend NAME``); with one
it may leave it out.
"""
from __future__ import annotations

import itertools
import logging
import random

import gevent

from gc_core.commands import SCOPE_SYSTEM, CommandSpec
from gc_core.errors import GCError

log = logging.getLogger("gc.sim.traffic")


def _backend(ctx):
    """The sim instance these commands drive: the one ``params.backend`` names, else
    the only sim instance configured. Several sim instances and no ``backend`` is
    ambiguous: PLEASE_RETRY naming the choices (so is a name that is not a sim
    instance); a connector without a sim says which backends it runs."""
    connector = ctx.connector
    sims = {b.instance: b for b in connector.backends.of_type("sim")}
    choices = ", ".join(sims)
    name = ctx.params.get("backend")
    if name is not None:
        if name in sims:
            return sims[name]
        raise GCError("PLEASE_RETRY", f"{ctx.request.type}: {name!r} is not a sim backend of this connector"
                                      + (f" (its sim backends: {choices})" if sims else
                                         f"; it runs {_running(connector)}"))
    if len(sims) == 1:
        return next(iter(sims.values()))
    if not sims:
        raise GCError("PLEASE_RETRY", f"{ctx.request.type} drives the sim backend; this connector runs "
                                      f"{_running(connector)}")
    raise GCError("PLEASE_RETRY", f"{ctx.request.type}: this connector runs several sim backends ({choices}): "
                                  f"name one in params.backend (gc sim --backend NAME)")


def _running(connector) -> str:
    return ", ".join(f"{b.instance} ({b.name})" if b.instance != b.name else b.name for b in connector.backends)


def _answer(ctx, action: str, **fields) -> None:
    ctx.reply({"type": "SimTraffic", "action": action, **fields})


def _check_queue(backend, queue_id) -> None:
    """An unknown ``queueId`` is a mistake in the SimCall, not a Finesse refusal: GC
    answers GENERAL_ERROR (no code of the spec's table fits better; PLEASE_RETRY cannot
    help) with the table's origin for that code, naming the queue and the site's queues
    (docs/protocol.md, Decisions: "SimCall to an unknown queue")."""
    queues = backend.model.site.queues
    if queue_id is not None and str(queue_id) not in {q.id for q in queues}:
        known = ", ".join(f"{q.id} ({q.name})" for q in queues) or "none"
        raise GCError("GENERAL_ERROR", f"unknown queue {str(queue_id)!r}: the sim's site has queues {known}")


def sim_call(ctx) -> None:
    p = ctx.params
    backend = _backend(ctx)
    _check_queue(backend, p.get("queueId"))
    dialog_id = backend.call(backend.model.inbound_call, queue_id=p.get("queueId"),
                             from_address=p.get("fromAddress", "5550100"), to_address=p.get("toAddress"),
                             call_variables=p.get("callVariables"))
    _answer(ctx, "call", dialogId=dialog_id)


def sim_answer(ctx) -> None:
    backend = _backend(ctx)
    backend.call(backend.model.customer_answer, ctx.params["dialogId"])
    _answer(ctx, "answer", dialogId=ctx.params["dialogId"])


def sim_hangup(ctx) -> None:
    backend = _backend(ctx)
    backend.call(backend.model.customer_hangup, ctx.params["dialogId"])
    _answer(ctx, "hangup", dialogId=ctx.params["dialogId"])


def sim_preview(ctx) -> None:
    p = ctx.params
    backend = _backend(ctx)
    kwargs = {k: p[n] for k, n in (("kind", "kind"), ("customer_number", "customerNumber"),
                                   ("campaign", "campaign"), ("account", "account"),
                                   ("call_variables", "callVariables")) if n in p}
    dialog_id = backend.call(backend.model.place_preview, p["loginId"], **kwargs)
    _answer(ctx, "preview", dialogId=dialog_id)


def sim_status(ctx) -> None:
    backend = _backend(ctx)
    backend.call(backend.model.set_status, ctx.params["status"])
    _answer(ctx, "status", status=ctx.params["status"])


COMMANDS = [
    CommandSpec("SimCall", sim_call, scope=SCOPE_SYSTEM),
    CommandSpec("SimAnswer", sim_answer, scope=SCOPE_SYSTEM),
    CommandSpec("SimHangup", sim_hangup, scope=SCOPE_SYSTEM),
    CommandSpec("SimPreview", sim_preview, scope=SCOPE_SYSTEM),
    CommandSpec("SimStatus", sim_status, scope=SCOPE_SYSTEM),
]


class DemoTraffic:
    """Every ``interval`` seconds a customer calls the site's first queue; once an
    agent answers, the customer hangs up after ``duration`` seconds; a caller nobody
    answers gives up after ``patience`` seconds."""

    def __init__(self, backend, interval: float, duration: float, patience: float = 120.0):
        self.backend = backend
        self.interval = interval
        self.duration = duration
        self.patience = patience
        self._greenlets: list = []
        self._numbers = (f"555{n:04d}" for n in itertools.count(100))

    def start(self) -> None:
        self._greenlets.append(gevent.spawn(self._run))

    def stop(self) -> None:
        gevent.killall(self._greenlets, block=False)

    def _run(self) -> None:
        while True:
            gevent.sleep(self.interval)
            try:
                dialog_id = self.backend.call(self.backend.model.inbound_call, from_address=next(self._numbers),
                                              call_variables={"callVariable1": random.choice(
                                                  ["Gold", "Silver", "Bronze"])})
            except Exception as exc:
                log.info("demo call not placed: %s", exc)
                continue
            log.info("demo: customer calling, dialog %s", dialog_id)
            self._greenlets.append(gevent.spawn(self._customer, dialog_id))
            self._greenlets = [g for g in self._greenlets if not g.dead]

    def _customer(self, dialog_id: str) -> None:
        waited = 0.0
        while waited < self.patience:
            gevent.sleep(1.0)
            waited += 1.0
            try:
                dialog = self.backend.model.get_dialog(dialog_id)
            except Exception:
                return  # the agent already ended it
            if any(p.media_address_type == "AGENT_DEVICE" and p.state in ("ACTIVE", "HELD")
                   for p in dialog.participants):
                gevent.sleep(self.duration)
                break
        try:
            self.backend.call(self.backend.model.customer_hangup, dialog_id)
        except Exception:
            pass
