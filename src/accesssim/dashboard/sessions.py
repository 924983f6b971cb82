"""The dashboard's memory: each page's models are freed when the page closes or idles.

Why a module of its own: a page holds two models of its territory (about 300 MB each for
France entière), and Solara keeps the session of a page whose connection dropped for 24 hours
by default (``SOLARA_KERNEL_CULL_TIMEOUT``, Solara's ``kernel.cull_timeout`` setting): a day
of visits would hold gigabytes. Three things free them:

- ``configure_solara``: Solara culls a disconnected session after ``IDLE`` (30 minutes) instead
  of 24 hours; the page's clean-up (``app.Page``) then calls ``release``.
- ``cull_idle``: a page still open but left alone for ``IDLE`` (no command) loses its models
  (the page says so, and Réinitialiser builds them again), checked every minute.
- ``release``: drops the models, collects the cycles they sit in (Mesa agents point back at
  their model) and asks the C allocator to give freed pages back to the system
  (``malloc_trim``, glibc only), so the server's resident memory falls, not only its heap.

``ACCESSSIM_DASHBOARD_IDLE`` (e.g. ``"10s"``, ``"30m"``) sets ``IDLE``, for the benchmark and
the tests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
import weakref

log = logging.getLogger("accesssim.dashboard")

IDLE_DEFAULT = "30m"
CHECK_EVERY_S = 60.0


def parse_duration(text: str) -> float:
    """``"30m"`` -> 1800.0, ``"10s"``, ``"2h"``, or a number of seconds."""
    text = str(text).strip()
    units = {"s": 1, "m": 60, "h": 3600}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def idle_seconds() -> float:
    return parse_duration(os.environ.get("ACCESSSIM_DASHBOARD_IDLE", IDLE_DEFAULT))


def configure_solara() -> None:
    """Solara culls a session whose page disconnected after ``idle_seconds`` (its default
    keeps it 24 hours): call in the server before it serves."""
    import solara.server.settings

    solara.server.settings.kernel.cull_timeout = f"{idle_seconds():g}s"


_LIVE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # session -> last command
_LOCK = threading.Lock()
_culler: threading.Thread | None = None


def track(session) -> None:
    """Count ``session`` (an ``engine.Session``) as used now, and start the idle culler."""
    global _culler
    with _LOCK:
        _LIVE[session] = time.monotonic()
        if _culler is None:
            _culler = threading.Thread(target=_cull_forever, name="idle-culler", daemon=True)
            _culler.start()


def live() -> int:
    """Sessions that still hold models."""
    with _LOCK:
        return sum(1 for s in _LIVE if s.run is not None)


def release(session, stop: threading.Event | None = None) -> bool:
    """Free ``session``'s models (after stopping its running batch, if any): True if it held
    some. Waits at most 30 s for the batch to stop."""
    if stop is not None:
        stop.set()
    got = session.lock.acquire(timeout=30)
    try:
        had = session.run is not None
        session.run = None
    finally:
        if got:
            session.lock.release()
    with _LOCK:
        _LIVE.pop(session, None)
    if had:
        log.info("dashboard session released")
        give_back_memory()
    return had


def give_back_memory() -> None:
    """Collect the freed models' reference cycles and return free heap pages to the system."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (macOS, musl): the heap keeps them
            pass


def cull_idle(now: float | None = None, idle: float | None = None) -> int:
    """Release every session idle for more than ``idle`` seconds; how many were."""
    now = time.monotonic() if now is None else now
    idle = idle_seconds() if idle is None else idle
    with _LOCK:
        stale = [s for s, t in _LIVE.items() if now - t > idle and s.run is not None]
    return sum(release(s) for s in stale)


def _cull_forever() -> None:
    while True:
        time.sleep(min(CHECK_EVERY_S, max(idle_seconds() / 4, 0.5)))
        try:
            cull_idle()
        except Exception:  # never let the culler die
            log.exception("dashboard idle cull failed")
