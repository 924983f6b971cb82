"""``accesssim dashboard``: check the options, then start the Solara server as a child process
and supervise it (stopped with this command, so that it never keeps the port).

Memory: a page's models are freed when it closes, when Solara culls its session (30 minutes
after its connection dropped, instead of Solara's 24 hours) or after 30 minutes without a
command (``dashboard.sessions``; ``ACCESSSIM_DASHBOARD_IDLE`` sets the delay).

The child answers only requests addressed to its host and port from its own pages
(``dashboard.guard``), and exits when its parent dies, even by ``kill -9`` (a watchdog on the
parent's pid), so that it never keeps the port after the command is gone.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from accesssim.geo import territory as terr


def dashboard_command(
    host: str,
    port: int,
    territory: str | None = None,
    presets: str | Path | None = None,
    allow_code: bool = False,
) -> list[str]:
    """The command serving the dashboard (also used by its end-to-end test): this command's
    hidden ``--serve`` mode, which configures the page and runs Solara in its process, and
    exits when the process that started it (this one) dies."""
    cmd = [sys.executable, "-m", "accesssim", "dashboard", "--serve", "--host", host]
    cmd += ["--port", str(port), "--parent-pid", str(os.getpid())]
    if territory is not None:
        cmd += ["--territory-label", territory]
    if presets is not None:
        cmd += ["--presets", str(presets)]
    if allow_code:
        cmd += ["--allow-code"]
    return cmd


PARENT_POLL_S = 0.5  # how often the server child checks that its parent is alive
SHUTDOWN_GRACE_S = 5.0  # then how long it lets the server stop before exiting anyway


def watch_parent(parent_pid: int, poll: float = PARENT_POLL_S) -> threading.Thread:
    """Stop this process when ``parent_pid`` is no longer its parent (the parent died, even by
    ``kill -9``, and this process was handed to init): SIGTERM to itself (the server stops
    cleanly), then a hard exit if it has not within ``SHUTDOWN_GRACE_S``. A thread polling
    ``os.getppid``, which works on Linux and macOS alike (Linux's PR_SET_PDEATHSIG would not
    cover a parent that died before it was set)."""
    import signal

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(poll)
        print("accesssim dashboard: the parent process is gone; stopping", file=sys.stderr)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(SHUTDOWN_GRACE_S)
        os._exit(1)

    t = threading.Thread(target=watch, name="parent-watchdog", daemon=True)
    t.start()
    return t


def _guard_requests(host: str, port: int) -> None:
    """Add the Host/Origin check (``dashboard.guard``) to Solara's Starlette app. Solara's
    ``run`` serves ``solara.server.starlette:app``; importing that module reads the page to
    serve from ``SOLARA_APP``, which ``run`` sets to the same value a moment later."""
    os.environ["SOLARA_APP"] = "accesssim.dashboard.app"
    from solara.server import starlette as solara_starlette

    from accesssim.dashboard.guard import RequestGuard

    solara_starlette.app.add_middleware(RequestGuard, host=host, port=port)


def _serve_dashboard(args) -> int:
    """The server child: the page's territory and presets passed explicitly, then Solara's own
    ``run`` in this process (the page module is imported once, already configured)."""
    if args.parent_pid is not None:
        watch_parent(args.parent_pid)
    from solara.__main__ import cli as solara_cli

    from accesssim.dashboard import app, sessions
    from accesssim.policies import registry

    dash_log = logging.getLogger("accesssim.dashboard")  # failures and freed sessions
    if not dash_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        dash_log.addHandler(handler)
        dash_log.setLevel(logging.INFO)
        dash_log.propagate = False
    if args.allow_code:  # the presets may name "package.module:Class" policies, in any thread
        registry.allow_code_in_process()
    app.configure(territory=args.territory_label, presets_dir=args.presets)
    _guard_requests(args.host, args.port)
    sessions.configure_solara()  # a disconnected page's session goes after 30 min, not 24 h
    run = [
        "run",
        "accesssim.dashboard.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
    ]
    try:
        solara_cli(run)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def cmd_dashboard(args) -> int:
    import importlib.util
    import subprocess

    if importlib.util.find_spec("solara") is None:
        print(
            "accesssim: error: the dashboard needs solara: pip install 'accesssim[viz]'",
            file=sys.stderr,
        )
        return 2
    if args.serve:
        return _serve_dashboard(args)
    if args.presets and not Path(args.presets).is_dir():
        print(f"accesssim: error: --presets {args.presets}: not a folder", file=sys.stderr)
        return 2
    t = terr.load()  # check the name now: a clear error here, not in the browser
    label = None
    if args.region:
        label = t.names["region"][t.resolve_code("region", args.region)]
    elif args.departement:
        code = t.resolve_code("departement", args.departement)
        label = f"{code} {t.names['departement'][code]}"
    cmd = dashboard_command(args.host, args.port, label, args.presets, args.allow_code)
    print(f"dashboard on http://{args.host}:{args.port} (Ctrl-C to stop)", file=sys.stderr)
    return _serve(subprocess.Popen(cmd))


def _serve(child) -> int:
    """Wait for the server ``child``; on SIGTERM, SIGINT or SIGHUP stop it (terminate, then
    kill after 10 s) so that it never outlives this command and keeps the port."""
    import signal
    import subprocess

    def stop(signum, frame):
        raise KeyboardInterrupt

    names = ("SIGTERM", "SIGINT", "SIGHUP")  # SIGHUP does not exist on Windows
    sigs = [getattr(signal, n) for n in names if hasattr(signal, n)]
    old = {s: signal.signal(s, stop) for s in sigs}
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
