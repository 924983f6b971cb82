"""The model version: recorded in every manifest, changed by the shipped data files and by the
hand-bumped revision, and matched by the pinned regression file (CHANGELOG.md, "Releases")."""

import json
import re
import shutil
from pathlib import Path

from synthetic import LOZERE_BASE as BASE
from synthetic import LOZERE_DAYS as POLICY

from accesssim.util import provenance
from accesssim.util import version as v

REGRESSION = Path(__file__).parent / "data" / "baseline_regression.json"
REFRESH = (
    "bump MODEL_REVISION in src/accesssim/util/version.py if code moved the numbers, then run "
    "`python scripts/refresh_regression.py` and say in the commit why the numbers moved"
)


def test_pinned_regression_records_the_current_model_revision():
    pinned = json.loads(REGRESSION.read_text())
    assert "model_revision" in pinned, (
        f"{REGRESSION.name} records no model_revision: it predates the model version; {REFRESH}"
    )
    assert pinned["model_revision"] == v.MODEL_REVISION, (
        f"MODEL_REVISION is {v.MODEL_REVISION} but {REGRESSION.name} was made with revision "
        f"{pinned['model_revision']}: the regression was not refreshed; {REFRESH}"
    )


def test_pinned_regression_was_made_with_the_shipped_data_files():
    pinned = json.loads(REGRESSION.read_text())
    made_with = str(pinned.get("model_version")).partition("-")[2]
    assert made_with == v.model_data_hash(), (
        f"{REGRESSION.name} was made with model version {pinned.get('model_version')}; the "
        f"shipped data ({', '.join(v.MODEL_DATA_FILES)}) now hash to {v.model_data_hash()}: "
        f"a data file changed since the regression was refreshed; {REFRESH}"
    )


def test_model_version_changes_with_each_data_file_and_the_revision(tmp_path, monkeypatch):
    assert re.fullmatch(rf"r{v.MODEL_REVISION}-[0-9a-f]{{12}}", v.model_version())
    for rel in v.MODEL_DATA_FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(v.PACKAGE_DIR / rel, tmp_path / rel)
    same = v.model_data_hash(tmp_path)
    assert same == v.model_data_hash()  # the hash is of the content, not the place
    seen = {same}
    for rel in v.MODEL_DATA_FILES:
        f = tmp_path / rel
        original = f.read_bytes()
        f.write_bytes(original + b" ")
        seen.add(v.model_data_hash(tmp_path))
        f.write_bytes(original)
    assert len(seen) == 1 + len(v.MODEL_DATA_FILES)
    assert v.model_data_hash(tmp_path) == same
    monkeypatch.setattr(v, "MODEL_REVISION", v.MODEL_REVISION + 1)
    v.model_version.cache_clear()
    try:
        assert v.model_version().startswith(f"r{v.MODEL_REVISION}-")
    finally:
        monkeypatch.undo()
        v.model_version.cache_clear()


def test_provenance_records_version_and_model_version_even_without_git(monkeypatch):
    monkeypatch.setattr(provenance, "git_commit", lambda *a, **k: None)  # as an installed wheel
    p = provenance.provenance()
    assert p["git"] is None
    assert p["accesssim"] == v.__version__
    assert p["model_version"] == v.model_version()


def test_run_sweep_and_sensitivity_manifests_record_the_model_version(tmp_path):
    from accesssim.experiments import runner, sweep
    from accesssim.experiments.sensitivity import execute
    from accesssim.specs import experiment as exp_file
    from accesssim.specs import scenario

    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "days.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "exp.toml").write_text(
        '[experiment]\nname = "t"\nscenarios = ["days.toml"]\nseeds = [1]\n'
        '[grid]\n"policies.0.days_per_month" = [1.0]\n',
        encoding="utf-8",
    )
    mv = v.model_version()
    # run
    result = runner.run(scenario.load(tmp_path / "base.toml"), show_progress=False)
    runner.write(result, tmp_path / "run", figures=False)
    man = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert man["model_version"] == mv and man["provenance"]["model_version"] == mv
    # sweep: each run's manifest and the experiment's stamp
    exp = exp_file.load(tmp_path / "exp.toml")
    sweep.sweep(exp, tmp_path / "sw", workers=1, show_progress=False)
    root = tmp_path / "sw" / "t"
    assert json.loads((root / "experiment.json").read_text())["model_version"] == mv
    (m,) = (root / "runs").glob("*/manifest.json")
    assert json.loads(m.read_text())["model_version"] == mv
    # sensitivity: each run's manifest
    runs_dir = tmp_path / "sens"
    runs_dir.mkdir()
    execute.execute(exp.runs[0], str(runs_dir))
    (m,) = runs_dir.glob("*/manifest.json")
    assert json.loads(m.read_text())["model_version"] == mv


def test_compare_manifest_records_the_model_version(tmp_path):
    from accesssim.experiments import compare

    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "days.toml").write_text(POLICY, encoding="utf-8")
    cmp = compare.compare([tmp_path / "base.toml", tmp_path / "days.toml"])
    man = compare.manifest(cmp)
    assert man["model_version"] == v.model_version()
    assert man["provenance"]["model_version"] == v.model_version()
