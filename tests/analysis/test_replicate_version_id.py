"""A Replicate prediction created from a bare version id names a build, not a model: its estimate says so and
how to price it (map the id to its model), rather than calling the id a model the price data lacks; once
mapped, it is priced from the model's row."""
from __future__ import annotations

from pathlib import Path

from llmsight import api

VERSION = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"
APP = f'''import replicate


def complete(prompt):
    return replicate.predictions.create(version="{VERSION}", input={{"prompt": prompt, "max_new_tokens": 64}})
'''


def _estimate(tmp_path: Path, config: dict):
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = api.check_source(APP, "app.py", root=tmp_path, config=config)
    return result.estimates[result.call_sites[0].id]


def test_a_bare_version_id_is_named_as_one_with_its_remedy(tmp_path):
    reason = _estimate(tmp_path, {}).cost_per_call.prior
    assert "Replicate version id" in reason and "[tool.llmsight.models]" in reason
    assert f'"{VERSION}" = "replicate/<owner>/<name>"' in reason


def test_a_mapped_version_id_is_priced_from_its_models_row(tmp_path):
    est = _estimate(tmp_path, {"models": {VERSION: "replicate/meta/llama-2-70b-chat"}})
    assert est.cost_per_call.value and est.cost_per_call.value > 0
