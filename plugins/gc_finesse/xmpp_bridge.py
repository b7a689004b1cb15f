"""The one native thread that holds every agent's XMPP stream, and the bridge to gevent.

Why a native thread (reference/stack-notes.md, measured): slixmpp is asyncio-based;
driving its loop from gevent let SASL hashing and XML parsing of 200 logins freeze
every greenlet for seconds, while a plain asyncio loop in one native thread kept
the gevent side's worst stall at tens of milliseconds. So:

- the thread is started with the *original* ``start_new_thread`` and its loop gets
  the *original* ``selectors.DefaultSelector`` (monkey-patching would otherwise hand
  it gevent's, bound to a hub that never runs in that thread);
- greenlet -> asyncio: :meth:`XmppThread.call` (a coroutine, result awaited by the
  calling greenlet only) and :meth:`XmppThread.submit` (fire and forget);
- asyncio -> gevent: :meth:`XmppThread.to_gevent` puts work in one FIFO inbox and
  wakes a single dispatcher greenlet through ``run_callback_threadsafe``. One FIFO
  keeps each agent's events in the order its stream received them; one wake-up per
  batch (not per item) keeps a burst cheap; the dispatcher yields every few items
  so a burst for some agents never holds back a command of another;
- host names are never given to asyncio: its resolver runs in an executor whose
  threads monkey-patching turned into greenlets of a hub that never runs there, so
  a name like ``localhost`` would hang. Callers resolve on the gevent side
  (:func:`resolve`) and pass an IP literal;
- shutdown: every stream is closed, leftover tasks are cancelled and the loop is
  closed in its own thread, so interpreter exit prints no "greenlet is being
  finalized" noise.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import socket
from typing import Any, Callable, Optional

import gevent
import gevent.event

from gc_core.native_threads import native_logging_locks, new_loop, run_loop, start_native_thread

log = logging.getLogger("gc.finesse.xmpp")


# The dispatcher yields to other greenlets after this many items of a burst.
YIELD_EVERY = 32


def resolve(host: str, port: int) -> str:
    """An IP literal for ``host`` (resolved by gevent's cooperative resolver)."""
    try:
        socket.inet_pton(socket.AF_INET, host)
        return host
    except OSError:
        pass
    try:
        socket.inet_pton(socket.AF_INET6, host)
        return host
    except OSError:
        pass
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
    infos.sort(key=lambda i: 0 if i[0] == socket.AF_INET else 1)
    return infos[0][4][0]


class XmppThread:
    """A native thread running a plain asyncio loop; created and used from gevent."""

    def __init__(self, name: str = "gc-finesse-xmpp", inbox_limit: int = 0):
        self.name = name
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._hub_loop = None
        self._inbox: collections.deque = collections.deque()
        self._wake_pending = False
        self._wake: Optional[gevent.event.Event] = None
        self._dispatcher: Optional[gevent.Greenlet] = None
        self._stopping = False
        self._tasks: set = set()
        self._login_slots: Optional[asyncio.Semaphore] = None
        self.dispatched = 0

    # -- lifecycle (gevent side) ----------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "XmppThread":
        native_logging_locks()
        self._hub_loop = gevent.get_hub().loop
        self._wake = gevent.event.Event()
        self._done = gevent.event.Event()
        self.loop = new_loop()
        start_native_thread(self._main, ())
        started = gevent.event.AsyncResult()
        self.loop.call_soon_threadsafe(self._hub_loop.run_callback_threadsafe, started.set, True)
        # (the loop runs call_soon_threadsafe callbacks once it is running)
        started.get(timeout=timeout)
        self._dispatcher = gevent.spawn(self._dispatch_loop)
        return self

    def _main(self) -> None:
        try:
            run_loop(self.loop)
        finally:
            hub_loop = self._hub_loop
            if hub_loop is not None:
                try:
                    hub_loop.run_callback_threadsafe(self._done.set)
                except Exception:  # pragma: no cover - hub already gone
                    pass

    @property
    def running(self) -> bool:
        return self.loop is not None and self.loop.is_running() and not self._stopping

    def stop(self, timeout: float = 10.0, grace: float = 2.0) -> None:
        """Stop the loop and the dispatcher. Tasks still running (a stream saying
        goodbye in the background) get ``grace`` seconds to finish first; then the
        leftovers are cancelled and the loop closed in its own thread."""
        if self.loop is None or self._stopping:
            return
        self._stopping = True
        if self.loop.is_running():
            async def wind_down() -> None:
                pending = [t for t in self._tasks if not t.done()]
                if pending:
                    await asyncio.wait(pending, timeout=grace)
                self.loop.stop()
            self.loop.call_soon_threadsafe(lambda: self.loop.create_task(wind_down()))
            self._done.wait(timeout + grace)
        # deliver what already crossed, then stop the dispatcher
        self._drain()
        if self._dispatcher is not None:
            self._dispatcher.kill(block=False)

    # -- greenlet -> asyncio ------------------------------------------------------------
    # No concurrent.futures here: its Future guards itself with a threading.Condition,
    # which monkey-patching turned into a gevent lock, and a gevent lock taken by both
    # threads can miss the wake-up of a waiting greenlet (seen as 25 s stalls under
    # load). Tasks are created on the loop by call_soon_threadsafe and results come
    # back through run_callback_threadsafe: nothing is shared but GIL-atomic deques.
    def call(self, coro, timeout: Optional[float] = None) -> Any:
        """Run ``coro`` on the loop; block this greenlet (never the hub) for its result.

        On ``timeout`` the coroutine is cancelled and ``gevent.Timeout`` is raised."""
        if not self.running:
            coro.close()
            raise RuntimeError("the XMPP thread is not running")
        result = gevent.event.AsyncResult()
        hub_loop = self._hub_loop
        holder: dict = {}

        def done(task) -> None:  # asyncio thread
            self._tasks.discard(task)
            if task.cancelled():
                outcome = (False, asyncio.CancelledError())
            elif task.exception() is not None:
                outcome = (False, task.exception())
            else:
                outcome = (True, task.result())
            hub_loop.run_callback_threadsafe(_settle, result, outcome)

        def start() -> None:  # asyncio thread
            task = self.loop.create_task(coro)
            holder["task"] = task
            self._tasks.add(task)
            task.add_done_callback(done)

        self.loop.call_soon_threadsafe(start)
        try:
            return result.get(timeout=timeout)
        except gevent.Timeout:
            self.loop.call_soon_threadsafe(_cancel, holder)
            raise

    def submit(self, fn: Callable, *args) -> None:
        """Call ``fn(*args)`` on the loop soon (FIFO), without waiting."""
        if self.running:
            self.loop.call_soon_threadsafe(fn, *args)

    def spawn(self, coro) -> None:
        """Start ``coro`` on the loop without waiting (its errors are logged). The
        task is referenced until done (asyncio keeps only weak references)."""
        if not self.running:
            coro.close()
            return

        def done(task) -> None:
            self._tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.warning("XMPP task failed: %r", task.exception())

        def start() -> None:
            task = self.loop.create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(done)
        self.loop.call_soon_threadsafe(start)

    def login_slots(self) -> asyncio.Semaphore:
        """On the asyncio thread: the semaphore that bounds the logins in flight
        (:data:`gc_finesse.xmpp_stream.LOGINS_IN_FLIGHT`)."""
        if self._login_slots is None:
            from .xmpp_stream import LOGINS_IN_FLIGHT
            self._login_slots = asyncio.Semaphore(LOGINS_IN_FLIGHT)
        return self._login_slots

    def keep(self, task) -> None:
        """On the asyncio thread: hold a reference to ``task`` until it is done."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- asyncio -> gevent --------------------------------------------------------------
    def to_gevent(self, fn: Callable, *args) -> None:
        """Called on the asyncio thread: run ``fn(*args)`` in the dispatcher greenlet,
        after everything handed over before (one FIFO for all agents)."""
        self._inbox.append((fn, args))
        if not self._wake_pending:
            self._wake_pending = True
            self._hub_loop.run_callback_threadsafe(self._wake.set)

    def _dispatch_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        # Clear the flag *before* taking items: an item appended after this point
        # either is taken below or schedules another wake-up.
        self._wake_pending = False
        n = 0
        inbox = self._inbox
        while inbox:
            fn, args = inbox.popleft()
            try:
                fn(*args)
            except Exception:
                log.exception("handling an XMPP event failed")
            n += 1
            self.dispatched += 1
            if n % YIELD_EVERY == 0:
                gevent.sleep(0)

    def post(self, fn: Callable, *args) -> None:
        """From the gevent side: queue ``fn(*args)`` behind the events already in the
        inbox (keeps order between notifications and events the backend makes up)."""
        self._inbox.append((fn, args))
        if not self._wake_pending:
            self._wake_pending = True
            self._wake.set()


def _settle(result: gevent.event.AsyncResult, outcome: tuple) -> None:
    ok, value = outcome
    if ok:
        result.set(value)
    else:
        result.set_exception(value)


def _cancel(holder: dict) -> None:
    task = holder.get("task")
    if task is not None:
        task.cancel()


# threading.RLock would be its pure-Python version over a patched lock: take _thread's.
