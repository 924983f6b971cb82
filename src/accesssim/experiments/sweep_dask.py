"""A sweep's runs on Dask (``sweep.sweep`` with ``scheduler`` or ``dask_local``): connecting
with a deadline, checking that the driver sees what the workers write, and saying so when the
scheduler goes away.

Why apart from ``sweep``: this is the only code that talks to a cluster, and its failure modes
(a port that is not Dask, a lost scheduler, workers on another filesystem) are its own; a
sweep's results are the same on a process pool and on Dask.
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

from accesssim.specs.scenario import ScenarioError


def connect(scheduler: str, timeout: float):
    """A Dask ``Client`` of the scheduler at ``scheduler``, or a ``ScenarioError`` within
    ``timeout`` seconds saying why. Dask's own timeout does not cover a port that
    accepts the connection but does not speak Dask (an HTTP port hung for 12 minutes), and
    another server's bytes read as a frame length asked for 3 EiB; so the client is made in a
    thread that the driver stops waiting for."""
    from distributed import Client

    how = (
        f"start one with `dask scheduler` (it listens on port 8786 by default; 8787 is its "
        f"dashboard, HTTP) and workers with `dask worker {scheduler}`"
    )
    box: dict = {}

    def make():
        try:
            box["client"] = Client(scheduler, timeout=f"{timeout}s")
        except BaseException as exc:  # noqa: BLE001 - reported to the driver below
            box["error"] = exc

    th = threading.Thread(target=make, name="accesssim-dask-connect", daemon=True)
    th.start()
    th.join(timeout + 2)
    if "client" in box:
        return box["client"]
    if th.is_alive():
        listening = _listens(scheduler)
        what = (
            "accepts connections but did not answer as a Dask scheduler"
            if listening
            else "did not answer"
        )
        raise ScenarioError(
            f"--scheduler {scheduler!r}: {what} within {timeout:g} s (is it the address of "
            f"a `dask scheduler`, not of an HTTP server or another service?); {how}"
        )
    exc = box.get("error")
    if isinstance(exc, OSError | TimeoutError):
        raise ScenarioError(f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); {how}")
    raise ScenarioError(
        f"--scheduler {scheduler!r}: the server there does not speak the Dask protocol "
        f"({type(exc).__name__}: {str(exc)[:200]}); {how}"
    )


def _listens(address: str) -> bool:
    """Whether a TCP connection to ``address`` (``tcp://host:port``) is accepted."""
    try:
        from distributed.comm import get_address_host_port

        host, port = get_address_host_port(address)
        with socket.create_connection((host, port), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def check_visible(runs_dir: Path, res: dict, where: str) -> None:
    """After the first run finished on a Dask cluster: the driver must see what the worker
    wrote (its run folder, or its failure record), or every result of the sweep goes where
    the driver never looks (another machine's disk)."""
    run_id = res.get("run_id", "?")
    seen = (runs_dir / run_id / "manifest.json") if res.get("ok") else None
    if seen is None:
        seen = runs_dir / f"{run_id}.failed.json"
    if not seen.exists():
        raise ScenarioError(
            f"the Dask worker finished run {run_id} but this machine does not see its results "
            f"at {seen}: workers write into --out on their own filesystem. Give --out a folder "
            f"on a filesystem shared by the driver and every worker ({where}); nothing else "
            f"was lost: rerun to go on"
        )


def lost_scheduler(scheduler: str | None, done: int, total: int) -> ScenarioError:
    """What to say when the cluster drops the sweep (the scheduler stopped or is unreachable):
    complete runs are kept and a rerun resumes."""
    at = f" at {scheduler!r}" if scheduler else ""
    return ScenarioError(
        f"lost the Dask scheduler{at} after {done} of {total} run(s) of this sweep (it stopped, "
        f"or the network between it and this machine failed); the complete runs are kept: "
        f"start the scheduler again and rerun the same command to resume"
    )


def run(todo, runs_dir, args, scheduler, dask_local, tick, task, timeout: float) -> None:
    """Each run of ``todo`` as ``task(run, runs_dir, *args)`` on a local Dask cluster of
    ``dask_local`` workers or the scheduler at ``scheduler``; ``tick(result)`` per finished
    run."""
    try:
        from distributed import LocalCluster
        from distributed import as_completed as dask_completed
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError
    except ImportError:
        raise ScenarioError("Dask is not installed: pip install 'accesssim[dask]'") from None
    from concurrent.futures import CancelledError

    cluster = None
    try:
        if dask_local:
            from distributed import Client

            cluster = LocalCluster(
                n_workers=dask_local, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        else:
            client = connect(scheduler, timeout)
        where = f"scheduler {scheduler}" if scheduler else "local cluster"
        with client:
            futures = [
                client.submit(task, r.portable(), str(runs_dir), *args, pure=False) for r in todo
            ]
            print(f"submitted {len(futures)} run(s) to the Dask {where}", file=sys.stderr)
            done = 0
            try:
                for f in dask_completed(futures):
                    res = f.result()
                    if done == 0:
                        check_visible(runs_dir, res, where)
                    done += 1
                    tick(res)
            except (FutureCancelledError, CancelledError, CommClosedError) as exc:
                raise lost_scheduler(scheduler, done, len(todo)) from exc
            except ScenarioError:
                client.cancel(futures)
                raise
    finally:
        if cluster is not None:
            cluster.close()
