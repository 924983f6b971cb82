"""The documentation site builds with warnings as errors (`make docs`; mkdocs.yml), and has the
pages it promises: README, tutorial, ODD, outputs, sources, data, architecture, API reference."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# mkdocs, mkdocs-material, mkdocstrings-python, mkdocs-jupyter
MISSING = [
    m
    for m in ("mkdocs", "material", "mkdocstrings_handlers", "mkdocs_jupyter")
    if importlib.util.find_spec(m) is None
]


@pytest.mark.skipif(
    bool(MISSING),
    reason=f"the docs extra is not installed ({', '.join(MISSING)} missing): "
    "pip install -e '.[docs]' (the test extra includes it)",
)
def test_site_builds_strict_with_every_page(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
        + ["-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    for page in ("", "tutorial", "ODD", "outputs", "sources", "data", "ARCHITECTURE"):
        assert (site / page / "index.html").is_file(), page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="ODD/"' in index and 'href="data/"' in index  # README links rewritten
    api = (site / "api" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="accesssim.api.run"' in api and 'id="accesssim.api.compare"' in api
    for mod in ("policies_base", "specs_schema", "outputs_indicators", "params_parameters"):
        assert "doc-object" in (site / "api" / mod / "index.html").read_text(encoding="utf-8")
