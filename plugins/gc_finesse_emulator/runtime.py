"""The emulator's two native threads and the bridges between them.

* :class:`HubThread`: a native thread running its own gevent hub. The REST servers of
  both nodes and every model call live there, so the model is only ever touched by
  one thread and may use gevent timers.
* :class:`AsyncioThread`: a native thread running a plain asyncio loop for slixmpp
  (reference/stack-notes.md: started with the original ``start_new_thread``, its
  selector from the original ``selectors``; addresses are IP literals so asyncio
  never resolves names in its executor).

Both work whether or not the calling process is gevent-monkey-patched: callers wait
for results by polling with ``time.sleep`` (cooperative when patched, a plain sleep
otherwise) instead of sharing a lock or condition across a hub boundary.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Optional

import gevent
import gevent.event
import gevent.monkey

from gc_core.native_threads import new_loop, run_loop, start_native_thread

_start_new_thread = start_native_thread
_get_ident = gevent.monkey.get_original("_thread", "get_ident")


class _Result:
    __slots__ = ("done", "value", "error")

    def __init__(self):
        self.done = False
        self.value = None
        self.error: Optional[BaseException] = None

    def run(self, fn: Callable, args: tuple, kwargs: dict) -> None:
        try:
            self.value = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the waiting thread
            self.error = exc
        finally:
            self.done = True

    def wait(self, timeout: Optional[float], what: str = "call") -> Any:
        wait_until(lambda: self.done, timeout, what)
        if self.error is not None:
            raise self.error
        return self.value


def wait_until(predicate: Callable[[], bool], timeout: Optional[float], what: str = "condition") -> None:
    """Poll ``predicate`` (0.2 ms growing to 5 ms) until true; TimeoutError after ``timeout``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.0002
    while not predicate():
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.005)


class HubThread:
    """A native thread with its own gevent hub; ``call`` runs a function there."""

    def __init__(self, name: str = "finesse-emulator-hub"):
        self.name = name
        self._hub = None
        self._ident: Optional[int] = None
        self._stop: Optional[gevent.event.Event] = None
        self._running = False
        self._finished = False

    def start(self, timeout: float = 10.0) -> "HubThread":
        _start_new_thread(self._main, ())
        wait_until(lambda: self._running or self._finished, timeout, "the emulator hub thread")
        return self

    def _main(self) -> None:
        self._ident = _get_ident()
        self._hub = gevent.get_hub()
        self._stop = gevent.event.Event()
        # An active async watcher keeps the otherwise idle loop alive (the hub raises
        # LoopExit when nothing is pending) and is the thread-safe way to stop it.
        self._wakeup = self._hub.loop.async_()
        self._wakeup.start(self._stop.set)
        self._running = True
        try:
            self._stop.wait()
        finally:
            self._wakeup.stop()
            self._running = False
            self._finished = True
            try:
                self._hub.destroy(destroy_loop=True)
            except Exception:  # pragma: no cover - teardown only
                pass

    @property
    def in_thread(self) -> bool:
        return _get_ident() == self._ident

    def call(self, fn: Callable, *args, timeout: Optional[float] = 30.0, **kwargs) -> Any:
        """Run ``fn(*args, **kwargs)`` in a greenlet of the hub thread and return its
        result (or raise its exception). Called from the hub thread itself, runs inline."""
        if self.in_thread:
            return fn(*args, **kwargs)
        if not self._running:
            raise RuntimeError("emulator hub thread is not running")
        result = _Result()
        self._hub.loop.run_callback_threadsafe(gevent.spawn, result.run, fn, args, kwargs)
        return result.wait(timeout, getattr(fn, "__name__", "call"))

    def spawn(self, fn: Callable, *args) -> None:
        """Fire and forget ``fn(*args)`` in the hub thread."""
        if self.in_thread:
            gevent.spawn(fn, *args)
        elif self._running:
            self._hub.loop.run_callback_threadsafe(gevent.spawn, fn, *args)

    def stop(self, timeout: float = 10.0) -> None:
        if not self._running:
            return
        self._wakeup.send()
        wait_until(lambda: self._finished, timeout, "the emulator hub thread to stop")


class AsyncioThread:
    """A native thread running a plain asyncio loop (slixmpp lives here)."""

    def __init__(self, name: str = "finesse-emulator-xmpp"):
        self.name = name
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._finished = False

    def start(self, timeout: float = 10.0) -> "AsyncioThread":
        self.loop = new_loop()
        _start_new_thread(self._main, ())
        wait_until(lambda: self.loop.is_running() or self._finished, timeout, "the XMPP thread")
        return self

    def _main(self) -> None:
        try:
            run_loop(self.loop)
        finally:
            self._finished = True

    @property
    def running(self) -> bool:
        return self.loop is not None and self.loop.is_running()

    def run(self, coro, timeout: Optional[float] = 30.0) -> Any:
        """Run a coroutine on the loop and wait for its result from any thread."""
        if not self.running:
            coro.close()
            raise RuntimeError("emulator XMPP thread is not running")
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            wait_until(fut.done, timeout, getattr(coro, "__name__", "coroutine"))
        except TimeoutError:
            fut.cancel()
            raise
        return fut.result()

    def submit(self, fn: Callable, *args) -> None:
        """Call ``fn(*args)`` on the loop soon (FIFO: order of submission is kept)."""
        if self.running:
            self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is None or self._finished:
            return
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        wait_until(lambda: self._finished, timeout, "the XMPP thread to stop")
