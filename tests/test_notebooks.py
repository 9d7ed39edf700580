"""The notebooks in ``notebooks/`` run end to end and are committed without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def test_the_notebook_guide_lists_exactly_the_notebooks() -> None:
    """notebooks/README.md's table names every notebook there is, and no other."""
    import re

    guide = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+\.ipynb)` \|", guide, flags=re.MULTILINE))
    assert listed == {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"{path.name}: cell {i} has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: cell {i} was executed"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute every cell in a fresh python3 kernel started in ``notebooks/``, as Jupyter starts
    it; any error fails."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    here = {"metadata": {"path": str(ROOT / "notebooks")}}
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources=here)
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
    assert os.environ["MPLBACKEND"] == "Agg"
    # the findings are printed by code: every cell that prints an f-string sentence printed text
    silent = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and 'print(f"' in cell.source
        and not any(
            out.get("output_type") == "stream" and out.get("text", "").strip()
            for out in cell.get("outputs", [])
        )
    ]
    assert not silent, f"{path.name}: cells {silent} print no finding"
