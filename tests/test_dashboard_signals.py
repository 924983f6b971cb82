"""`accesssim dashboard` stops its Solara child on SIGTERM/SIGINT and frees the port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("solara")
if not Path("/proc/self/task").exists():
    pytest.skip("needs /proc to find the child server", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_child(sig, tmp_path):
    port = free_port()
    log = open(tmp_path / "log", "w")
    parent = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accesssim",
            "dashboard",
            "--departement",
            "48",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # signals reach the parent only, not the child's group
    )
    kids = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("dashboard did not start: " + (tmp_path / "log").read_text()[-2000:])
        kids = children(parent.pid)
        assert kids, "no child server process"
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)
        for _ in range(50):
            if not any(alive(k) for k in kids) and not port_open(port):
                break
            time.sleep(0.2)
        assert not any(alive(k) for k in kids), "the server child outlived the command"
        assert not port_open(port), "the port is still held"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait()
        for k in kids:  # never leave a server behind, even when the test fails
            if alive(k):
                os.kill(k, signal.SIGKILL)
        log.close()
