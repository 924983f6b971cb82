"""Sweeps: grid expansion, resume, atomic runs, Dask = process pool, bad input."""

import http.server
import io
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import pytest
from synthetic import LOZERE_BASE as BASE
from synthetic import LOZERE_DAYS as POLICY

import accesssim
from accesssim.cli import main as cli
from accesssim.experiments import runner, sweep, sweep_dask, sweep_summary
from accesssim.specs import experiment as exp_file
from accesssim.specs.scenario import ScenarioError


def experiment(tmp_path, grid='"policies.0.days_per_month" = [0.5, 2.0]', seeds="[1, 2]", extra=""):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "days.toml").write_text(POLICY, encoding="utf-8")
    text = (
        f'[experiment]\nname = "t"\nscenarios = ["base.toml", "days.toml"]\nseeds = {seeds}\n'
        f"{extra}\n[grid]\n{grid}\n"
    )
    p = tmp_path / "exp.toml"
    p.write_text(text, encoding="utf-8")
    return p


def manifests(root):
    out = {}
    for m in sorted((root / "runs").glob("*/manifest.json")):
        d = json.loads(m.read_text())
        out[d["run_id"]] = d["key_outputs"]
    return out


def test_grid_expansion_and_baseline_once_per_seed(tmp_path):
    exp = exp_file.load(
        experiment(
            tmp_path,
            grid='"policies.0.days_per_month" = [0.5, 1, 2]\n'
            '"policies.0.participation" = [0.1, 0.2]',
        )
    )
    assert len(exp.points) == 6
    by = {}
    for r in exp.runs:
        by.setdefault(r.scenario_name, []).append(r)
    assert len(by["base"]) == 2  # the policy keys do not apply: one point, 2 seeds
    assert len(by["days"]) == 6 * 2
    assert len({r.run_id for r in exp.runs}) == len(exp.runs)
    doses = {
        (r.point["policies.0.days_per_month"], r.point["policies.0.participation"])
        for r in by["days"]
    }
    assert doses == {(d, p) for d in (0.5, 1, 2) for p in (0.1, 0.2)}


def test_resume_runs_only_the_rest_and_equals_an_uninterrupted_sweep(tmp_path):
    exp = exp_file.load(experiment(tmp_path))
    first = sweep.sweep(exp, tmp_path / "a", workers=1, limit=2, show_progress=False)
    assert first["done"] == 2
    second = sweep.sweep(exp, tmp_path / "a", workers=2, show_progress=False)
    assert second["skipped"] == 2 and second["done"] == len(exp.runs) - 2
    third = sweep.sweep(exp, tmp_path / "a", workers=1, show_progress=False)
    assert third["done"] == 0 and third["skipped"] == len(exp.runs)
    sweep.sweep(exp, tmp_path / "b", workers=1, show_progress=False)
    assert manifests(tmp_path / "a" / "t") == manifests(tmp_path / "b" / "t")
    # the per-run tables are identical too
    for run in exp.runs:
        a = (tmp_path / "a" / "t" / "runs" / run.run_id / "epci_yearly.csv").read_bytes()
        b = (tmp_path / "b" / "t" / "runs" / run.run_id / "epci_yearly.csv").read_bytes()
        assert a == b


def test_a_finished_run_frees_its_model(tmp_path, monkeypatch):
    # a model sits in reference cycles; a long sweep must not keep every finished one until
    # Python's next full collection (sweep.release_run)
    made = []
    run_one = runner.run_one

    def tracked(*a, **kw):
        m = run_one(*a, **kw)
        made.append(weakref.ref(m))
        return m

    monkeypatch.setattr(runner, "run_one", tracked)
    exp = exp_file.load(experiment(tmp_path))
    assert sweep.sweep(exp, tmp_path / "a", workers=1, limit=2, show_progress=False)["done"] == 2
    assert len(made) == 2 and all(r() is None for r in made)


def test_a_failing_run_leaves_no_partial_files_and_the_others_go_on(tmp_path, monkeypatch):
    exp = exp_file.load(experiment(tmp_path))
    real = sweep.runner.run

    def flaky(sc, **kw):
        if sc.name == "days" and sc.seeds == [2]:
            raise RuntimeError("boom")
        return real(sc, **kw)

    monkeypatch.setattr(sweep.runner, "run", flaky)
    counts = sweep.sweep(exp, tmp_path, workers=1, show_progress=False)
    assert counts["failed"] == 2 and counts["done"] == len(exp.runs) - 2
    runs = tmp_path / "t" / "runs"
    failed = sorted(p.name for p in runs.glob("*.failed.json"))
    assert len(failed) == 2
    for f in failed:
        info = json.loads((runs / f).read_text())
        assert "RuntimeError: boom" in info["traceback"]
        assert not (runs / info["run_id"]).exists()  # no partial result folder
    assert not list(runs.glob(".tmp-*"))


def test_dask_local_cluster_gives_the_same_numbers_as_the_process_pool(tmp_path):
    pytest.importorskip("distributed")
    exp = exp_file.load(experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]'))
    sweep.sweep(exp, tmp_path / "pool", workers=2, show_progress=False)
    counts = sweep.sweep(exp, tmp_path / "dask", dask_local=2, show_progress=False)
    assert counts["done"] == len(exp.runs) and counts["failed"] == 0
    assert manifests(tmp_path / "pool" / "t") == manifests(tmp_path / "dask" / "t")


def test_summarize_compares_with_the_baseline_of_the_same_seed(tmp_path):
    exp = exp_file.load(experiment(tmp_path))
    sweep.sweep(exp, tmp_path, workers=1, show_progress=False)
    rows, keys = sweep_summary.collect(tmp_path / "t")
    base = {r["seed"]: r for r in rows if r["scenario"] == "base"}
    for r in rows:
        if r["scenario"] == "days":
            b = base[r["seed"]]
            assert r["forgone_avoided"] == pytest.approx(
                b["horizon_forgone"] - r["horizon_forgone"]
            )
    files = sweep_summary.summarize(tmp_path / "t")
    assert (tmp_path / "t" / "dose_policies_0_days_per_month.png") in files
    assert "forgone avoided" in (tmp_path / "t" / "summary.md").read_text()


@pytest.mark.parametrize(
    "kw, message",
    [
        (
            {"grid": '"policies.0.days_per_mont" = [1.0]'},
            "grid key 'policies.0.days_per_mont'.*close matches: policies.0.days_per_month",
        ),
        ({"grid": '"parameters.forgo_bse" = [0.1]'}, "close matches: parameters.forgo_base"),
        ({"grid": '"policies.0.days_per_month" = []'}, "expected a non-empty list"),
        ({"seeds": "[1, 2, 2]"}, r"duplicate seeds \[2\]"),
        (  # each point's scenario is validated when the experiment is read, not mid-sweep
            {"grid": '"policies.0.days_per_month" = [1.0, 5.0]'},
            r"days_per_month: 5.0 is out of range.*at grid point",
        ),
        (
            {"extra": 'outputs = ["everything"]'},
            r"outputs: expected some of \[.epci_yearly.*got \[.everything.\]",
        ),
    ],
)
def test_bad_experiments(tmp_path, kw, message):
    with pytest.raises(ScenarioError, match=message):
        exp_file.load(experiment(tmp_path, **kw))


def test_empty_grid_section(tmp_path):
    p = experiment(tmp_path)
    p.write_text(p.read_text().split("[grid]")[0] + "[grid]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"\[grid\] is empty"):
        exp_file.load(p)


def test_results_of_another_definition_are_refused_unless_forced(tmp_path):
    exp = exp_file.load(experiment(tmp_path))
    sweep.sweep(exp, tmp_path / "r", workers=1, limit=1, show_progress=False)
    changed = exp_file.load(experiment(tmp_path, grid='"policies.0.days_per_month" = [1.5]'))
    with pytest.raises(ScenarioError, match="different definition.*--force"):
        sweep.sweep(changed, tmp_path / "r", workers=1, show_progress=False)
    counts = sweep.sweep(
        changed, tmp_path / "r", workers=1, force=True, limit=1, show_progress=False
    )
    assert counts["done"] == 1


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(sweep, "SCHEDULER_TIMEOUT", "1s")
    p = experiment(tmp_path)
    code = cli.main(
        ["sweep", str(p), "--scheduler", "tcp://127.0.0.1:9", "--results", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert "Traceback" not in err


def test_sweep_exit_code_says_whether_a_run_failed(tmp_path, monkeypatch):
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [1.0]', seeds="[1]")

    def boom(sc, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(sweep.runner, "run", boom)
    assert cli.main(["sweep", str(p), "--workers", "1", "--results", str(tmp_path / "r")]) == 1


# ---------------------------------------------------------------------- issue 22: sweeps that
# cannot silently lose or mix results (a real cluster, stale runs, bad schedulers, orphans)
SRC = Path(accesssim.__file__).resolve().parents[1]  # the code under test, for subprocesses


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": str(SRC), **extra}
    env.pop("CI", None)
    return env


def start(args, cwd, log) -> subprocess.Popen:
    """A process of this interpreter, output to ``log`` (killed by the caller's ``finally``)."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env=child_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(*procs) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def scheduler_process(cwd, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = start(
        ["-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        cwd,
        log,
    )
    deadline = time.monotonic() + 60  # listening before a driver's 10 s connect timeout starts
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"tcp://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real `dask scheduler` and one `dask worker`, both started in a folder of their own
    (not the driver's working directory); killed at the end."""
    pytest.importorskip("distributed")
    where = tmp_path_factory.mktemp("cluster")
    sched = worker = None
    try:
        sched, address = scheduler_process(where, where / "scheduler.log")
        worker = start(
            [
                "-m",
                "dask",
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],  # fmt: skip
            where,
            where / "worker.log",
        )
        yield address, where
    finally:
        stop(worker, sched)


def test_dask_sweep_with_a_relative_out_lands_where_the_driver_runs(
    tmp_path, dask_cluster, monkeypatch
):
    # the worker's cwd is not the driver's: a relative --out sent as is put every run into the
    # worker's folder, and the driver's stayed empty
    address, worker_cwd = dask_cluster
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="[1]")
    driver = tmp_path / "driver"
    driver.mkdir()
    monkeypatch.chdir(driver)
    code = cli.main(["sweep", str(p), "--scheduler", address, "--out", "rel"])
    assert code == 0
    exp = exp_file.load(p)
    assert sorted(manifests(driver / "rel" / "t")) == sorted(r.run_id for r in exp.runs)
    assert not (worker_cwd / "rel").exists()


def test_dask_sweep_stops_when_the_driver_cannot_see_the_runs(tmp_path, dask_cluster):
    # a worker on another machine writes to its own disk: the driver says so after the first
    # run instead of reporting "done" over an empty folder
    address, _ = dask_cluster
    exp = exp_file.load(experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]'))

    def elsewhere(run, runs_dir, outputs, policy_paths=None):  # sent by value (cloudpickle)
        return {"run_id": run.run_id, "ok": True}

    with pytest.raises(ScenarioError, match=r"does not see its results.*shared by the driver"):
        sweep.sweep(exp, tmp_path / "r", scheduler=address, task=elsewhere, show_progress=False)


def test_check_visible_accepts_a_run_or_its_failure_record(tmp_path):
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "a" / "manifest.json").write_text("{}")
    (runs / "b.failed.json").write_text("{}")
    sweep_dask.check_visible(runs, {"run_id": "a", "ok": True}, "x")
    sweep_dask.check_visible(runs, {"run_id": "b", "ok": False}, "x")
    with pytest.raises(ScenarioError, match="runs/c.failed.json"):
        sweep_dask.check_visible(runs, {"run_id": "c", "ok": False}, "x")


def test_output_paths_are_absolute_before_work_is_sent(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = exp_file.load(experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]'))
    sent = []

    def task(run, runs_dir, outputs, policy_paths=None):
        sent.append(runs_dir)
        return {"run_id": run.run_id, "ok": True}

    sweep.sweep(exp, "rel", workers=1, task=task, limit=1, show_progress=False)
    assert sent == [str(tmp_path / "rel" / "t" / "runs")]


def test_force_moves_the_runs_of_an_old_definition_aside(tmp_path, capsys):
    p = experiment(tmp_path, seeds="[1]")  # base + days at 0.5 and 2.0
    exp = exp_file.load(p)
    sweep.sweep(exp, tmp_path / "r", workers=1, show_progress=False)
    runs = tmp_path / "r" / "t" / "runs"
    (runs / "days-00000000-s9.failed.json").write_text("{}")  # a failure of an old run
    changed = exp_file.load(
        experiment(tmp_path, grid='"policies.0.days_per_month" = [1.5]', seeds="[1]")
    )
    counts = sweep.sweep(changed, tmp_path / "r", workers=1, force=True, show_progress=False)
    assert counts["skipped"] == 1 and counts["done"] == 1  # the baseline did not change
    assert sorted(p.name for p in runs.iterdir()) == sorted(r.run_id for r in changed.runs)
    (stale,) = (tmp_path / "r" / "t").glob("stale-*")
    old = {r.run_id for r in exp.runs} - {r.run_id for r in changed.runs}
    assert sorted(p.name for p in stale.iterdir()) == sorted([*old, "days-00000000-s9.failed.json"])
    assert "moved 3 run(s) of an earlier definition" in capsys.readouterr().err
    rows, _ = sweep_summary.collect(tmp_path / "r" / "t")
    assert sorted(r["run_id"] for r in rows) == sorted(r.run_id for r in changed.runs)


def test_summarize_counts_only_the_runs_of_the_current_definition(tmp_path):
    # fewer seeds on the same file: the other seeds' runs stay in runs/ but are not counted
    # (was "4 complete runs of 2")
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]')
    sweep.sweep(exp_file.load(p, seeds=2), tmp_path, workers=1, show_progress=False)
    fewer = exp_file.load(p, seeds=1)
    assert sweep.sweep(fewer, tmp_path, workers=1, show_progress=False)["skipped"] == 2
    assert len(list((tmp_path / "t" / "runs").glob("*/manifest.json"))) == 4
    rows, _ = sweep_summary.collect(tmp_path / "t")
    assert sorted(r["run_id"] for r in rows) == sorted(r.run_id for r in fewer.runs)
    sweep_summary.summarize(tmp_path / "t")
    assert "2 complete runs of 2" in (tmp_path / "t" / "summary.md").read_text()


class _Http(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_http_port_as_scheduler_fails_within_30_s(tmp_path):
    pytest.importorskip("distributed")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Http)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="[1]")
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "accesssim",
                "sweep",
                str(p),
                "--scheduler",
                address,
                "--out",
                str(tmp_path / "r"),
            ],  # fmt: skip
            env=child_env(ACCESSSIM_SCHEDULER_TIMEOUT="3s"),
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert time.monotonic() - t0 < 30
    assert proc.returncode == 2, proc.stderr
    assert f"--scheduler '{address}': accepts connections but did not answer as a Dask" in (
        proc.stderr
    )
    assert "Traceback" not in proc.stderr


def test_a_server_that_is_not_dask_is_a_clear_error(tmp_path, capsys):
    # its bytes read as a frame length asked numpy for 3 EiB ("Unable to allocate 3.07 EiB")
    pytest.importorskip("distributed")

    class Banner(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" * 4)
            self.request.recv(1024)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="[1]")
    try:
        code = cli.main(["sweep", str(p), "--scheduler", address, "--out", str(tmp_path / "r")])
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert code == 2
    assert f"--scheduler '{address}': the server there does not speak the Dask protocol" in err
    assert "Traceback" not in err


def test_the_default_scheduler_timeout_leaves_room_within_30_s():
    assert sweep.scheduler_timeout() <= 20


def test_a_lost_scheduler_says_that_a_rerun_resumes(tmp_path):
    # the scheduler dies while the driver waits for its runs (no worker: nothing runs, so the
    # timing is deterministic): a message, exit 2, no FutureCancelledError traceback
    pytest.importorskip("distributed")
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="[1]")
    sched = driver = None
    try:
        sched, address = scheduler_process(tmp_path, tmp_path / "scheduler.log")
        log = tmp_path / "driver.log"
        driver = start(
            ["-m", "accesssim", "sweep", str(p), "--scheduler", address, "--out", "r"],
            tmp_path,
            log,
        )
        deadline = time.monotonic() + 60
        while "submitted 2 run(s)" not in log.read_text() and driver.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        sched.kill()
        driver.wait(timeout=60)
    finally:
        stop(driver, sched)
    out = log.read_text()
    assert driver.returncode == 2, out
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"accesssim: error: lost the Dask scheduler at '{address}' after 0")
    assert "rerun the same command to resume" in last


def test_lost_scheduler_message():
    msg = str(sweep_dask.lost_scheduler("tcp://h:8786", 3, 27))
    assert "lost the Dask scheduler at 'tcp://h:8786' after 3 of 27" in msg
    assert "rerun the same command to resume" in msg


def test_kill_9_of_the_driver_leaves_no_child_alive(tmp_path):
    # the pool workers and the resource tracker went on for 20+ minutes, still writing
    psutil = pytest.importorskip("psutil")
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="30")
    runs = tmp_path / "r" / "t" / "runs"
    log = tmp_path / "driver.log"
    driver = start(
        ["-m", "accesssim", "sweep", str(p), "--workers", "2", "--out", "r"], tmp_path, log
    )
    kids = []
    try:
        parent = psutil.Process(driver.pid)
        deadline = time.monotonic() + 90
        while True:  # mid-run: 2 pool workers and the resource tracker up, a run started
            kids = parent.children(recursive=True)
            if len(kids) >= 3 and runs.is_dir() and any(runs.iterdir()):
                break
            assert driver.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=10)
        t0 = time.monotonic()
        alive = kids
        while alive and time.monotonic() - t0 < 10:
            time.sleep(0.2)
            alive = [k for k in alive if _alive(psutil, k)]
        assert not alive, [k.cmdline() for k in alive]
    finally:
        stop(driver)
        for k in kids:  # orphans of a failed assertion
            if _alive(psutil, k):
                k.kill()


def _alive(psutil, proc) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("option", [["--workers", "0"], ["--workers", "-1"], ["--dask-local", "0"]])
def test_options_that_would_do_nothing_are_refused(tmp_path, capsys, option):
    p = experiment(tmp_path)
    with pytest.raises(SystemExit) as exc:
        cli.main(["sweep", str(p), *option, "--out", str(tmp_path / "r")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option[0]}: expected a whole number of at least 1, got '{option[1]}'" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", ["sensitivity", "compare"])
def test_workers_0_is_refused_by_the_other_commands(tmp_path, capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, str(tmp_path / "x.toml"), "--workers", "0"])
    assert exc.value.code == 2
    assert "argument --workers: expected a whole number of at least 1" in capsys.readouterr().err


def test_run_count_is_known_before_the_grid_is_expanded(tmp_path):
    seen = []
    exp = exp_file.load(
        experiment(tmp_path, grid='"policies.0.days_per_month" = [0.5, 1, 1, 2]'),
        on_count=seen.append,
    )
    assert seen == [len(exp.runs)] == [2 + 3 * 2]  # the baseline once a seed; 1 listed twice
    p = experiment(tmp_path)
    p.write_text(
        p.read_text().split("[grid]")[0]
        + '[[points]]\n"policies.0.days_per_month" = 0.5\n'
        + '[[points]]\n"policies.0.days_per_month" = 2.0\n'
        + '[[points]]\n"policies.0.days_per_month" = 0.5\n',
        encoding="utf-8",
    )
    seen.clear()
    exp = exp_file.load(p, on_count=seen.append)
    assert seen == [len(exp.runs)] == [2 + 2 * 2]


def test_a_huge_grid_is_refused_at_once_without_a_terminal(tmp_path, monkeypatch, capsys):
    values = ", ".join(str(round(0.1 + i * 1e-4, 4)) for i in range(1000))
    p = experiment(
        tmp_path,
        grid=f'"policies.0.days_per_month" = [{values}]\n"policies.0.participation" = [{values}]',
        seeds="[1]",
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # no terminal
    t0 = time.monotonic()
    code = cli.main(["sweep", str(p), "--out", str(tmp_path / "r")])
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err
    assert code == 2
    assert "1,000,001 runs (more than 10,000); pass --yes to run them" in err
    assert not (tmp_path / "r").exists()


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_a_large_experiment_asks_at_a_terminal_and_yes_skips_the_question(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(exp_file, "CONFIRM_RUNS", 1)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stdin", _Tty())
    asked = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "n")
    p = experiment(tmp_path, grid='"policies.0.days_per_month" = [2.0]', seeds="[1]")
    out = ["--out", str(tmp_path / "r"), "--workers", "1"]
    assert cli.main(["sweep", str(p), *out]) == 2
    assert asked and "2 runs (more than 1); prepare and run them all? [y/N]" in asked[0]
    assert "not confirmed; pass --yes" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")  # CI: refused without asking
    assert cli.main(["sweep", str(p), *out]) == 2 and len(asked) == 1
    assert cli.main(["sweep", str(p), *out, "--yes"]) == 0 and len(asked) == 1
    assert len(list((tmp_path / "r" / "t" / "runs").glob("*/manifest.json"))) == 2


def test_runs_of_another_model_version_are_not_resumed(tmp_path, monkeypatch):
    """The same experiment after a model change: its old runs have the same inputs but were
    made by another model, so the folder is refused without --force and, forced, every run is
    made again and the old ones moved aside (a resumed sweep must not mix two models)."""
    exp = exp_file.load(experiment(tmp_path, seeds="[1]"))
    sweep.sweep(exp, tmp_path / "r", workers=1, show_progress=False)
    monkeypatch.setattr(sweep, "model_version", lambda: "r999-test")
    with pytest.raises(ScenarioError, match="model version .*r999-test.*--force"):
        sweep.sweep(exp, tmp_path / "r", workers=1, show_progress=False)
    run = exp.runs[0]
    assert not sweep.is_complete(tmp_path / "r" / "t" / "runs", run)
    (stale,) = [sweep.move_stale(tmp_path / "r" / "t" / "runs", exp)]
    assert sorted(p.name for p in stale.iterdir()) == sorted(r.run_id for r in exp.runs)
