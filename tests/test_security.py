"""Safe by default (issue 22): a scenario file runs no code unless the user allows it, the
current directory is not importable, and the dashboard answers only its own pages and dies
with its parent."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from custom_policy import ExtraCapacity

import accesssim
from accesssim.cli import main as cli
from accesssim.experiments import sweep
from accesssim.policies import registry
from accesssim.specs import experiment, scenario

SRC = str(Path(accesssim.__file__).resolve().parents[1])

# a module whose import leaves a trace: the marker file next to it
EVIL = """\
from pathlib import Path

Path(__file__).with_name("imported.marker").write_text("imported")
from accesssim.policies import Policy


class X(Policy):
    kind = "{kind}"
"""


def toml(name, policy_type, extra=""):
    return (
        f'[scenario]\nname = "{name}"\nyears = 1\nseeds = [1]\n[territory]\ndepartement = "23"\n'
        f'[[policies]]\ntype = "{policy_type}"\n{extra}'
    )


@pytest.fixture()
def evil(tmp_path, monkeypatch):
    """``evilmod_<test>.py`` (importable: its folder on sys.path) and a scenario naming it."""
    mod = f"evilmod_{tmp_path.name.replace('-', '_')}"
    kind = f"evil_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{mod}.py").write_text(EVIL.format(kind=kind), encoding="utf-8")
    (tmp_path / "evil.toml").write_text(toml("evil", f"{mod}:X"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, mod, kind
    registry.POLICY_TYPES.pop(kind, None)
    sys.modules.pop(mod, None)


# ---------------------------------------------------------------------- module:Class policies
def test_this_is_refused_before_it_is_imported(tmp_path, capsys):
    """``type = "this:x"`` printed the Zen of Python (the import ran); now the file is
    refused with its name, the key and the flag, and ``this`` is not imported."""
    sys.modules.pop("this", None)
    (tmp_path / "zen.toml").write_text(toml("zen", "this:x"), encoding="utf-8")
    with pytest.raises(scenario.ScenarioError) as err:
        scenario.load(tmp_path / "zen.toml")
    msg = str(err.value)
    assert str(tmp_path / "zen.toml") in msg and "[[policies]].type" in msg and "'this:x'" in msg
    assert "--allow-code" in msg and "trusted=True" in msg
    assert "this" not in sys.modules
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


def _study(tmp_path) -> Path:
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "base"\nyears = 1\n[territory]\ndepartement = "23"\n',
        encoding="utf-8",
    )
    (tmp_path / "exp.toml").write_text(
        '[experiment]\nname = "e"\nscenarios = ["base.toml", "evil.toml"]\n', encoding="utf-8"
    )
    (tmp_path / "study.toml").write_text(
        '[sensitivity]\nname = "s"\nbaseline = "base.toml"\npolicies = ["evil.toml"]\n'
        'methods = ["morris"]\nparameters = ["ed_without_mt_rr"]\noutputs = ["forgone_avoided"]\n'
        "[morris]\nr = 2\nlevels = 4\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        ["run", "{d}/evil.toml", "--out", "{d}/r", "--no-figures"],
        ["compare", "{d}/base.toml", "{d}/evil.toml", "--out", "{d}/c"],
        ["sweep", "{d}/exp.toml", "--out", "{d}/s", "--workers", "1"],
        ["sensitivity", "{d}/study.toml", "--out", "{d}/t", "--workers", "1"],
    ],
    ids=lambda c: c[0],
)
def test_every_command_refuses_a_module_policy_without_allow_code(evil, command, capsys):
    d, mod, _ = evil
    _study(d)
    args = [a.format(d=d) for a in command]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert f"{d / 'evil.toml'}: [[policies]].type: '{mod}:X'" in err
    assert "pass --allow-code" in err
    assert not (d / "imported.marker").exists() and mod not in sys.modules
    assert not any((d / out).exists() for out in ("r", "c", "s", "t"))


def test_the_api_imports_only_with_trusted(evil):
    d, mod, kind = evil
    for call in (
        lambda: accesssim.load_scenario(d / "evil.toml"),
        lambda: accesssim.run(d / "evil.toml"),
        lambda: accesssim.compare(d / "evil.toml", d / "evil.toml"),
    ):
        with pytest.raises(ValueError, match=r"evil\.toml: \[\[policies\]\]\.type.*trusted=True"):
            call()
        assert not (d / "imported.marker").exists()
    sc = accesssim.load_scenario(d / "evil.toml", trusted=True)
    assert (d / "imported.marker").exists()
    assert [p.kind for p in sc.build_policies()] == [kind]
    # the permission does not outlive the call
    assert not registry.is_code_allowed()


def test_registered_and_builtin_classes_need_no_permission(tmp_path):
    """A class registered in Python, or a built-in one, named by its path: nothing new is
    imported, so no permission is needed."""
    builtin = tmp_path / "b.toml"
    builtin.write_text(toml("b", "accesssim.policies.solidarity:SolidarityDays"), encoding="utf-8")
    assert scenario.load(builtin).build_policies()[0].kind == "solidarity_days"
    own = tmp_path / "own.toml"
    own.write_text(toml("own", "custom_policy:ExtraCapacity"), encoding="utf-8")
    registry.POLICY_TYPES.pop(ExtraCapacity.kind, None)
    with pytest.raises(scenario.ScenarioError, match="--allow-code"):
        scenario.load(own)
    accesssim.register_policy(ExtraCapacity)
    try:
        assert type(scenario.load(own).build_policies()[0]) is ExtraCapacity
    finally:
        registry.POLICY_TYPES.pop(ExtraCapacity.kind, None)


def test_a_sweep_allowed_in_the_parent_runs_in_worker_processes(evil):
    """The permission travels with the parent's registrations: a class loaded from a file the
    user allowed is imported again by the spawned workers (which do not ask), and the runs
    work; the parent's permission has ended by the time the sweep runs."""
    d, mod, kind = evil
    (d / "exp.toml").write_text(
        '[experiment]\nname = "e"\nscenarios = ["evil.toml"]\nseeds = [1, 2]\n', encoding="utf-8"
    )
    with registry.code_allowed():
        exp = experiment.load(d / "exp.toml")
    assert registry.registered_paths()[kind] == f"{mod}:X"
    counts = sweep.sweep(exp, d / "r", workers=2, show_progress=False)
    assert sweep.failures(d / "r" / "e") == [] and counts["done"] == 2


def test_a_worker_does_not_import_a_path_the_parent_did_not_register(evil):
    """A worker parses its run's scenario data again: with no registration from the parent
    (the parent did not allow code), a ``module:Class`` in that data is refused there too."""
    d, mod, _ = evil
    data = {
        "scenario": {"name": "evil", "years": 1},
        "territory": {"departement": "23"},
        "policies": [{"type": f"{mod}:X"}],
    }
    registry.ensure_registered({})  # what a worker of a parent without permission receives
    with pytest.raises(scenario.ScenarioError, match="--allow-code"):
        scenario.from_dict(data, d / "evil.toml")
    assert not (d / "imported.marker").exists()


# ---------------------------------------------------------------------- the current directory
def test_python_m_does_not_import_from_the_current_directory(evil):
    """``python -m`` puts the current directory on sys.path: an evilmod.py beside the
    scenario was imported. Now it is not, even with --allow-code; PYTHONPATH=. (explicit)
    still works."""
    d, mod, _ = evil
    (d / "evil.toml").write_text(toml("evil", f"{mod}:X", "no_such_key = 1\n"), encoding="utf-8")
    cmd = [sys.executable, "-m", "accesssim", "run", "evil.toml", "--allow-code", "--out", "r"]
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert f"cannot import policy class '{mod}:X'" in out.stderr
    assert not (d / "imported.marker").exists()
    env["PYTHONPATH"] = os.pathsep.join([".", SRC])
    out = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True, timeout=120)
    assert (d / "imported.marker").exists()  # imported; then the unknown key is refused
    assert out.returncode == 2 and "no_such_key" in out.stderr, out.stderr


# ---------------------------------------------------------------------- the dashboard
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_status(port: int, headers: dict) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def websocket_status(port: int, origin: str) -> str:
    """The status line answering a raw WebSocket upgrade to the page's kernel channel."""
    request = (
        f"GET /jupyter/api/kernels/k/channels?session_id=s HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """``python -m accesssim dashboard`` (the parent command and its server child)."""
    pytest.importorskip("solara")
    port = free_port()
    log_path = tmp_path_factory.mktemp("dash") / "server.log"
    log = open(log_path, "w")
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "accesssim", "dashboard", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        for _ in range(240):
            if port_open(port):
                break
            if proc.poll() is not None:
                break
            time.sleep(0.25)
        else:
            pytest.fail("dashboard did not start")
        if proc.poll() is not None:
            pytest.fail(f"dashboard exited: {log_path.read_text()[-2000:]}")
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)
        log.close()


def test_the_dashboard_refuses_foreign_origins_and_hosts(dashboard):
    """It accepted a WebSocket upgrade from ``Origin: http://evil.example`` (any web page
    could drive it) and ``Host: evil.example`` (DNS rebinding); now both get 403, and its own
    pages still work."""
    _, port = dashboard
    assert websocket_status(port, "http://evil.example").split(" ", 2)[1] == "403"
    assert websocket_status(port, "null").split(" ", 2)[1] == "403"
    assert websocket_status(port, f"http://127.0.0.1:{port}").split(" ", 2)[1] == "101"
    assert http_status(port, {"Host": "evil.example"}) == 403
    assert http_status(port, {"Host": f"evil.example:{port}"}) == 403
    assert http_status(port, {"Origin": "http://evil.example"}) == 403
    assert http_status(port, {}) == 200
    assert http_status(port, {"Host": f"localhost:{port}"}) == 200
    assert http_status(port, {"Origin": f"http://localhost:{port}"}) == 200


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited (its new parent has not reaped it yet)


def test_killing_the_dashboard_parent_stops_its_server(dashboard):
    """``kill -9`` of ``accesssim dashboard`` left its server child on the port; now the
    child notices (its parent pid changes) and exits within seconds."""
    proc, port = dashboard
    children = _children(proc.pid)
    assert children, "the dashboard command started no server child"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline and (port_open(port) or any(map(_alive, children))):
            time.sleep(0.25)
        assert not port_open(port), "the server still holds the port 10 s after its parent died"
        assert not any(map(_alive, children)), children
    finally:  # never leave an orphan behind, even when the test fails
        for pid in filter(_alive, children):
            os.kill(pid, signal.SIGKILL)


def test_allowed_hosts_follow_the_served_address():
    """Which Host and Origin values each --host answers: loopback aliases only for a local
    address, this machine's names for every interface, bare names on port 80."""
    from accesssim.dashboard import guard

    local = guard.allowed_hosts("127.0.0.1", 8765)
    assert {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"} <= local
    assert "localhost" not in local and "evil.example:8765" not in local
    lan = guard.allowed_hosts("192.168.1.5", 8765)
    assert lan == {"192.168.1.5:8765"}
    every = guard.allowed_hosts("0.0.0.0", 80)
    assert {"localhost", "localhost:80", f"{socket.gethostname().lower()}:80"} <= every

    def h(**kv):
        return [(k.encode(), v.encode()) for k, v in kv.items()]

    assert guard.refusal(h(host="127.0.0.1:8765"), local) is None
    assert guard.refusal(h(host="LOCALHOST:8765", origin="http://localhost:8765"), local) is None
    assert "Origin" in guard.refusal(h(host="127.0.0.1:8765", origin="null"), local)
    assert "Origin" in guard.refusal(h(host="127.0.0.1:8765", origin="file://"), local)
    assert "Origin" in guard.refusal(
        h(host="127.0.0.1:8765", origin="http://127.0.0.1:9999"), local
    )
    assert "Host" in guard.refusal(h(origin="http://127.0.0.1:8765"), local)  # no Host
    assert "Host" in guard.refusal(h(host="192.168.1.5:8765"), local)
