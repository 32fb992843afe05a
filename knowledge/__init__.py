"""What llmsight knows about models, as data with sources (design §4; user docs: docs/knowledge.md).

- `catalog`: prices and context windows from litellm's bundled price map (read, never imported), and
  for models it dropped the row an older release last listed (`data/last_listed_prices.json`);
  `Catalog.cost` equals `litellm.cost_per_token`.
- `tokens`: offline tiktoken counts from litellm's bundled encoding files.
- `models`: floating aliases and snapshots, deprecations and successors, prompt-cache minimums.
- `priors`: latency and quality priors per model family, used only without traffic.
- `pricing`: quotes for `llm-lint price`.
- `sdk_defaults`: what each SDK does when the code states no timeout or retries.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# A folder holding a copy of litellm's data files in litellm's layout (price map, litellm_core_utils/tokenizers),
# with the litellm-<version>.dist-info they came from beside it: the VS Code extension's bundled server ships
# these instead of litellm and sets this variable.
LITELLM_DIR_ENV = "LLMSIGHT_LITELLM_DIR"


def litellm_dirs() -> list[Path]:
    """Where litellm's data files are: $LLMSIGHT_LITELLM_DIR when set, else the installed litellm package
    (found without importing litellm); empty when neither exists."""
    override = os.environ.get(LITELLM_DIR_ENV)
    if override:
        return [Path(override)]
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(location) for location in spec.submodule_search_locations]
