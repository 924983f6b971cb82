"""Sweeps: grid expansion, resume, atomic runs, Dask = process pool, bad input."""

import json
import weakref

import pytest
from synthetic import LOZERE_BASE as BASE
from synthetic import LOZERE_DAYS as POLICY

from accesssim.cli import main as cli
from accesssim.experiments import runner, sweep, sweep_summary
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
