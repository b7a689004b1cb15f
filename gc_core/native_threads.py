"""Native threads inside a gevent process: the pieces every plugin running an asyncio
loop beside gevent needs (the Finesse backend's XMPP streams, the emulator's publisher).

reference/stack-notes.md explains why such a loop lives in a native thread: started
with the *original* ``start_new_thread``, with the *original* selector (the patched
one belongs to a hub that never runs there), torn down in its own thread.
"""
from __future__ import annotations

import asyncio
import logging

import gevent.monkey

start_native_thread = gevent.monkey.get_original("_thread", "start_new_thread")
_DefaultSelector = gevent.monkey.get_original("selectors", "DefaultSelector")
# NB: get_original("threading", "RLock") still answers gevent's; this one is the OS's.
_NativeRLock = gevent.monkey.get_original("_thread", "RLock")


def new_loop() -> asyncio.AbstractEventLoop:
    """An asyncio loop for a native thread (with the unpatched selector)."""
    return asyncio.SelectorEventLoop(_DefaultSelector())


def run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Body of the loop's thread: run until stopped, then cancel what is left, finish
    async generators and close the loop, all in this thread (so interpreter exit
    prints no "greenlet is being finalized" noise)."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:  # pragma: no cover - teardown only
            logging.getLogger("gc.threads").debug("asyncio loop teardown", exc_info=True)
        finally:
            loop.close()


def native_logging_locks() -> None:
    """Make logging's locks native ones.

    Both threads log (slixmpp on the XMPP thread, everything else on gevent's). In a
    monkey-patched process ``logging``'s module lock and every handler's lock are
    gevent locks, and a gevent lock contended across native threads can leave the
    waiting greenlet asleep until some unrelated event wakes the hub: measured here
    as log records written 25 s late and commands stalled behind them. Native locks
    held for one ``emit`` cost the hub microseconds instead (handlers do not yield
    while holding them: they write to files or the console)."""
    if getattr(logging, "_gc_native_locks", False):
        return
    logging._lock = _NativeRLock()  # type: ignore[attr-defined]
    handlers = set(logging.getLogger().handlers)
    for lg in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(lg, logging.Logger):
            handlers.update(lg.handlers)
    for h in handlers:
        h.lock = _NativeRLock()
    original = logging.Handler.createLock

    def create_lock(self) -> None:
        original(self)
        self.lock = _NativeRLock()
    logging.Handler.createLock = create_lock  # handlers made later get one too
    logging._gc_native_locks = True  # type: ignore[attr-defined]
