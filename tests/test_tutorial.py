"""The tutorial notebook (docs/tutorial.ipynb) executes from start to end on its small
territory (one département, 3 years, 3 seeds: about a minute), so it cannot rot."""

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def test_tutorial_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs (CI runs it)"
    )
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError with the cell and traceback on an error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "solidarity_days: forgone consultations avoided" in text
    assert "home_consultations_displaced" in text and "priority EPCIs" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the map
    out = tmp_path / "results" / "tutorial"
    assert (out / "manifest.json").is_file() and (out / "compare_summary.csv").is_file()
    intro = nb.cells[0].source
    assert "modelled" in intro and "not observations" in intro
