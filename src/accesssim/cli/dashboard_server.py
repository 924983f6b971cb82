"""``accesssim dashboard``: check the options, then start the Solara server as a child process
and supervise it (stopped with this command, so that it never keeps the port)."""

from __future__ import annotations

import sys
from pathlib import Path

from accesssim.geo import territory as terr


def dashboard_command(
    host: str, port: int, territory: str | None = None, presets: str | Path | None = None
) -> list[str]:
    """The command serving the dashboard (also used by its end-to-end test): this command's
    hidden ``--serve`` mode, which configures the page and runs Solara in its process."""
    cmd = [sys.executable, "-m", "accesssim", "dashboard", "--serve", "--host", host]
    cmd += ["--port", str(port)]
    if territory is not None:
        cmd += ["--territory-label", territory]
    if presets is not None:
        cmd += ["--presets", str(presets)]
    return cmd


def _serve_dashboard(args) -> int:
    """The server child: the page's territory and presets passed explicitly, then Solara's own
    ``run`` in this process (the page module is imported once, already configured)."""
    from solara.__main__ import cli as solara_cli

    from accesssim.dashboard import app

    app.configure(territory=args.territory_label, presets_dir=args.presets)
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
    cmd = dashboard_command(args.host, args.port, label, args.presets)
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
