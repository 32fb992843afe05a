"""The example notebook runs top to bottom in a real kernel (nbclient)."""
from __future__ import annotations

import os

import nbclient
import nbformat

from nb_helpers import REPO

NOTEBOOK = REPO / "examples" / "notebooks" / "explore.ipynb"


def test_example_notebook_runs_top_to_bottom():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1                                  # the explorer
    assert "llmsight explorer: app/chat.py:18" in views[0]["data"]["text/plain"]      # its text form
    lint = next(o for o in outputs if "LLM001" in o.get("data", {}).get("text/html", ""))
    assert "app/chat.py:18" in lint["data"]["text/plain"]
    assert any(code in lint["data"]["text/plain"] for code in ("LLM012", "LLM013", "LLM014", "LLM015", "LLM016"))
    # no notebook file known to nbclient's kernel: the cells run so far, `triage` among them
    own = next(o for o in outputs if "kernel-history.ipynb" in o.get("data", {}).get("text/plain", ""))
    assert "LLM001" in own["data"]["text/plain"] and "LLM004" in own["data"]["text/plain"]
    row = next(o for o in outputs if "'latency_p95_s'" in o.get("data", {}).get("text/plain", ""))
    assert "'source': 'traffic'" in row["data"]["text/plain"]          # examples/traffic/app_traffic.jsonl
    assert any("+            timeout=8," in o.get("text", "") for o in outputs)
