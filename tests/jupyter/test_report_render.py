"""What the notebook renderers print: dollars as decimals, no LaTeX, labels that say where a figure came from."""
from __future__ import annotations

from llmsight.api import ScenarioPoint
from llmsight.formats.markdown import no_math
from llmsight.jupyter import report


def test_small_costs_print_as_decimals():
    assert report.money(0.000074) == "$0.000074"
    assert report.money(0.0072) == "$0.0072"
    assert report.money(7.234) == "$7.23" and report.money(1241.4) == "$1,241" and report.money(None) == "–"


def test_html_output_is_never_typeset():
    html = report.Rendered("<p>$868/month, over the budget of $400/month</p>", "")._repr_html_()
    assert html.startswith('<div class="llmsight tex2jax_ignore mathjax_ignore">')


def test_markdown_dollars_are_escaped_outside_code():
    assert no_math("costs $868 and $994; `$x` stays") == r"costs \$868 and \$994; `$x` stays"
    assert no_math(r"already \$5") == r"already \$5"


def _point(**kw) -> ScenarioPoint:
    base = dict(site_id="s", changes=(), model="gpt-5.4-mini", cost_per_call=0.001, cost_per_month=30.0,
                latency_p50_s=1.0, latency_p95_s=2.0, latency_p99_s=3.0, error_rate=0.0, quality=0.87,
                source="traffic", n=2656)
    return ScenarioPoint(**{**base, **kw})


def test_a_model_absent_from_traffic_is_not_labelled_traffic():
    assert report.source_label(_point()) == "traffic (n=2,656)"
    prior = report.source_label(_point(prior="gpt-5.4-mini: prior: *gpt-5*mini* (estimate, 2026-12-01)"))
    assert prior == "2,656 traffic rows replayed on priors (gpt-5.4-mini: prior: *gpt-5*mini* (estimate, 2026-12-01))"
    assert report.source_label(_point(source="priors", n=None)) == "priors"
