"""The trade-off explorer: one call site, what-if changes on sliders, cost vs p95 with quality as colour.

The widget only collects choices and draws; every figure comes from `llmsight.api.ScenarioRunner`
(the simulator's replay over the site's traffic, or the static estimate on priors without traffic),
the Pareto front from `api.pareto_front`, and the code edit from `api.scenario_fix`. A slider change
recomputes one scenario (the one being explored), debounced; the candidate models are computed once
per site and every computed scenario is cached, so going back to a setting is instant.
"""
from __future__ import annotations

import asyncio
import csv
import difflib
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from llmsight import api
from llmsight.jupyter import report
from llmsight.records import CallSite, CheckResult, Fix

EXPLORABLE = ("chat", "completion", "responses")
AS_WRITTEN = "(as written)"
NO_FALLBACK = "(none)"


@dataclass
class Choice:
    """What the sliders and pickers say; 0 / as written = leave the code's value."""

    model: str | None = None
    timeout: float = 0
    max_tokens: int = 0
    trim_input: int = 0
    response_cache_hit_rate: float = 0.0
    fallback: str | None = None

    def changes(self) -> dict:
        out = {"model": self.model, "timeout": self.timeout, "max_tokens": self.max_tokens,
               "trim_input": self.trim_input, "response_cache_hit_rate": self.response_cache_hit_rate,
               "fallback": self.fallback}
        return {k: v for k, v in out.items() if v not in (None, 0, 0.0, "")}


def _diff(path: str, old: str, new: str) -> str:
    """Unified diff of a file; of the changed cells' code for a notebook (not of its JSON)."""
    if not path.endswith(".ipynb"):
        return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))
    from llmsight.analysis.notebook import cell_source

    before, after = json.loads(old)["cells"], json.loads(new)["cells"]
    return "".join("".join(difflib.unified_diff(cell_source(a).splitlines(True), cell_source(b).splitlines(True),
                                                f"a/{path} cell {i + 1}", f"b/{path} cell {i + 1}"))
                   for i, (a, b) in enumerate(zip(before, after)) if a != b)


def _site_label(site: CallSite) -> str:
    feature = f" [{site.feature}]" if site.feature else ""
    return f"{report.where(site.span.path, site.span.cell, site.span.start_line)} {site.function or ''}{feature}".strip()


class Explorer:
    """`explore(path_or_site, traffic=None, site=None, models=(), config=None, debounce=0.15)`.

    `path_or_site`: a file, directory or notebook (analysed with `api.check`), a `CheckResult`, or a
    `CallSite`; `site` picks one by id, `path:line` or feature; `traffic` is a traffic store (DuckDB) or
    a traffic file whose rows mapped to the site are replayed (a site with no rows falls back to priors,
    saying so); `models` adds candidate models to the ones `api.model_alternatives` ranks.
    State for code and tests: `site`, `source`, `scenario`, `points`, `front`, `selected`, `table_rows()`,
    `plotted()`, `last_redraw_ms`; `set(**changes)`, `reset()`, `pin()`, `to_csv()`, `to_html()`,
    `preview_fix()`, `apply_fix()`.
    """

    def __init__(self, path_or_site=".", traffic: str | Path | None = None, *, site: str | None = None,
                 models: Sequence[str] = (), config: api.Config | None = None, root: str | Path | None = None,
                 debounce: float = 0.15):
        self.traffic = Path(traffic).resolve() if traffic else None
        self.result, self.root = self._analyse(path_or_site, root, self.traffic)
        self.config = config or api.load_config(self.root)
        self.extra_models = tuple(models)
        self.debounce = debounce
        self.sites = [s for s in self.result.call_sites if s.operation in EXPLORABLE]
        if not self.sites:
            raise ValueError(f"no chat/completion call sites under {path_or_site}; the explorer needs one")
        self.site = self._pick(site if site is not None or not isinstance(path_or_site, CallSite) else path_or_site)
        self.choice = Choice()
        self.points: list[api.ScenarioPoint] = []
        self.front: list[int] = []
        self.selected: int | None = None
        self.pinned: list[dict] = []
        self.last_redraw_ms: float | None = None
        self.pending_fix: Fix | None = None
        self.previewed: dict[str, str] = {}     # path -> text the previewed diff was made from
        self._cache: dict[tuple, api.ScenarioPoint] = {}
        self._runner: api.ScenarioRunner | None = None
        self._timer = None
        self._widget = None
        self._syncing = False
        self._select_site(self.site)

    # ---- analysis (api) -----------------------------------------------------------------------------

    @staticmethod
    def _analyse(target, root, traffic) -> tuple[CheckResult, Path]:
        """Findings and estimates (from traffic when given: rules LLM012-016 run too)."""
        if isinstance(target, CheckResult):
            return target, Path(root or target.root)
        if isinstance(target, CallSite):
            target = Path(root or ".").resolve() / target.span.path
        path = Path(target)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
        result = api.check([path], traffic=traffic)
        return result, Path(result.root)

    def _pick(self, wanted) -> CallSite:
        if wanted is None:
            return self.sites[0]
        if isinstance(wanted, CallSite):
            wanted = wanted.id
        for s in self.sites:
            if wanted in (s.id, f"{s.span.path}:{s.span.start_line}", s.feature):
                return s
        raise ValueError(f"no explorable call site {wanted!r}; choose one of: "
                         + ", ".join(f"{s.span.path}:{s.span.start_line}" for s in self.sites))

    def candidates(self) -> list[str]:
        """Models worth comparing for this site: the ones passed in, then `api.candidate_models`'."""
        return api.candidate_models(self.site, self.config, self.extra_models)

    @staticmethod
    def _key(changes: dict) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in changes.items()))

    def _point(self, changes: dict) -> api.ScenarioPoint:
        key = self._key(changes)
        if key not in self._cache:
            self._cache[key] = self._runner.run(changes)
        return self._cache[key]

    def _select_site(self, site: CallSite) -> None:
        self.site = site
        self._cache.clear()
        self.pinned = []
        self.pending_fix, self.previewed = None, {}
        self._runner = api.ScenarioRunner(site, self.config, traffic=self.traffic, root=self.root,
                                          sites=self.result.call_sites)
        self.models = self.candidates()
        first = [{}] + [{"model": m} for m in self.models]     # one simulator pass for all candidates
        self.note = None
        try:
            points = self._runner.run_many(first)
        except api.ConfigError as exc:          # no rows map to this site: say so, use priors
            self.note = str(exc)
            self._runner = api.ScenarioRunner(site, self.config, root=self.root)
            points = self._runner.run_many(first)
        for changes, point in zip(first, points):
            self._cache[self._key(changes)] = point
        self.recompute()

    @property
    def source(self) -> str:
        return self._runner.source

    @property
    def scenario(self) -> dict:
        """The scenario being explored (the changes the widgets describe)."""
        return self.choice.changes()

    def recompute(self) -> None:
        """Points: [0] the code as written, the candidate models, pinned scenarios, then the explored one."""
        t0 = time.perf_counter()
        wanted = [{}] + [{"model": m} for m in self.models] + self.pinned
        current = self.scenario
        if current not in wanted:
            wanted.append(current)
        self.points = [self._point(c) for c in wanted]
        self.selected = wanted.index(current)
        self.front = api.pareto_front(self.points)
        self._redraw()
        self.last_redraw_ms = (time.perf_counter() - t0) * 1000

    # ---- state for code and tests -------------------------------------------------------------------

    def table_rows(self) -> list[dict]:
        front = set(self.front)
        return [{"scenario": p.label, "model": p.model, "cost_per_call": p.cost_per_call,
                 "cost_per_month": p.cost_per_month, "latency_p50_s": p.latency_p50_s,
                 "latency_p95_s": p.latency_p95_s, "latency_p99_s": p.latency_p99_s, "error_rate": p.error_rate,
                 "quality": p.quality, "source": p.source, "n": p.n, "pareto": i in front,
                 "as_written": i == 0, "explored": i == self.selected, "changes": dict(p.changes)}
                for i, p in enumerate(self.points)]

    def plotted(self) -> list[dict]:
        return [{"x": report.x_value(p), "y": p.latency_p95_s, "quality": p.quality, "label": p.label,
                 "pareto": i in self.front, "as_written": i == 0, "explored": i == self.selected}
                for i, p in enumerate(self.points) if report.x_value(p) is not None and p.latency_p95_s is not None]

    def to_csv(self, path: str | Path | None = None) -> str:
        rows = self.table_rows()
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[k for k in rows[0] if k != "changes"] + ["site"])
        writer.writeheader()
        for r in rows:
            writer.writerow({**{k: v for k, v in r.items() if k != "changes"}, "site": self.site.id})
        if path is not None:
            Path(path).write_text(buf.getvalue(), encoding="utf-8", newline="")
        return buf.getvalue()

    def to_html(self, base: str | Path | None = None) -> str:
        """The offline report of this site; file links relative to `base` (default: the working directory)."""
        scenarios = report.SiteScenarios(self.site.id, _site_label(self.site), self.points, self.front, self.selected)
        return report.report_html(self.result, [scenarios], self.config.budgets,
                                  title=f"llmsight explorer: {_site_label(self.site)}",
                                  base=Path(base or Path.cwd()).resolve(), slos=self.config.slos)

    # ---- the scenario as a code edit ----------------------------------------------------------------

    def preview_fix(self) -> tuple[Fix, str]:
        """The explored scenario as a fix, and its unified diff (nothing is written)."""
        fix = api.scenario_fix(self.site, self.scenario, config=self.config, root=self.root)
        texts = api.fix_texts(fix, self.root)
        self.pending_fix = fix if fix.edits else None
        self.previewed = {path: old for path, (old, _) in texts.items()}
        return fix, "".join(_diff(path, old, new) for path, (old, new) in texts.items())

    def apply_fix(self) -> list[str]:
        """Write the previewed fix (call `preview_fix` first); re-analyse and keep the same site."""
        if self.pending_fix is None:
            raise RuntimeError("nothing to apply: preview the fix first (it may be display-only)")
        fix, self.pending_fix = self.pending_fix, None
        written = api.write_fix(fix, self.root, self.previewed)
        site_id = self.site.id
        self.result = api.check([self.root / p for p in sorted({self.site.span.path, *written})], use_cache=False,
                                traffic=self.traffic)
        self.sites = [s for s in self.result.call_sites if s.operation in EXPLORABLE] or self.sites
        self._select_site(next((s for s in self.sites if s.id == site_id), self.sites[0]))
        self.reset()
        return written

    # ---- widgets ------------------------------------------------------------------------------------

    def set(self, **changes) -> None:
        """Move the widgets programmatically (`set(timeout=10, model="gpt-4o-mini")`); recomputes now."""
        for key, value in changes.items():
            if not hasattr(self.choice, key):
                raise ValueError(f"unknown scenario key {key!r}; use {', '.join(api.EXPLORE_KEYS)}")
            setattr(self.choice, key, value)
        self._sync_widgets_from_choice()
        self.recompute()

    def reset(self) -> None:
        """Back to the code as written (every slider at "as written")."""
        self.choice = Choice()
        self._sync_widgets_from_choice()
        self.recompute()

    def pin(self) -> None:
        """Keep the explored scenario in the table while exploring further."""
        if self.scenario and self.scenario not in self.pinned:
            self.pinned.append(self.scenario)
            self.recompute()

    @property
    def widget(self):
        if self._widget is None:
            self._build()
        return self._widget

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget in Jupyter; the scenario table as text where widgets cannot show (a terminal)."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.text()
        return bundle

    def text(self) -> str:
        source = "traffic" if self.source == "traffic" else "priors (no traffic)"
        title = f"llmsight explorer: {_site_label(self.site)} — {source}"
        rows = [report.scenario_cells(p) + ("*" if i in self.front else "",) for i, p in enumerate(self.points)]
        return title + "\n" + report.text_table(report.SCENARIO_HEADERS + ("pareto",), rows)

    def _source_text(self) -> str:
        if self.source == "traffic":
            n = self.points[0].n if self.points else None
            return (f"<b>Replayed from traffic</b>: {n:,} calls at this site ({report.esc(str(self.traffic))}); "
                    "figures from the simulator") if n else "<b>Replayed from traffic</b>"
        if self.note:
            return f"<b>Priors</b>: {report.esc(self.note)}; static estimates from prompt size, output cap and priors"
        return ("<b>Priors, no traffic</b>: static estimates from prompt size, output cap and latency/quality "
                "priors; pass <code>traffic=</code> to replay real calls")

    def _build(self) -> None:
        import ipywidgets as w

        self._w = ws = {}
        ws["site"] = w.Dropdown(options=[(_site_label(s), s.id) for s in self.sites], value=self.site.id,
                                description="site", layout=w.Layout(width="520px"))
        features = sorted({s.feature for s in self.sites if s.feature})
        ws["feature"] = w.Dropdown(options=["(all)"] + features, value="(all)", description="feature")
        ws["model"] = w.Dropdown(options=[AS_WRITTEN] + self.models, value=AS_WRITTEN, description="model")
        ws["timeout"] = w.IntSlider(0, 0, 120, 1, description="timeout (s)", continuous_update=False)
        ws["max_tokens"] = w.IntSlider(0, 0, 4096, 32, description="output cap", continuous_update=False)
        ws["trim_input"] = w.IntSlider(0, 0, 16000, 250, description="trim input", continuous_update=False)
        ws["response_cache_hit_rate"] = w.FloatSlider(0.0, min=0.0, max=0.95, step=0.05, description="cache hit",
                                                      continuous_update=False)
        ws["fallback"] = w.Dropdown(options=[NO_FALLBACK] + self.models, value=NO_FALLBACK, description="fallback")
        for key in ("timeout", "max_tokens", "trim_input", "response_cache_hit_rate", "model", "fallback"):
            ws[key].add_class(f"llmsight-{key.replace('_', '-')}")
            ws[key].observe(self._on_change, names="value")
        ws["site"].observe(self._on_site, names="value")
        ws["feature"].observe(self._on_feature, names="value")
        ws["source"] = w.HTML(self._source_text())
        ws["plot"] = w.HTML()
        ws["plot"].add_class("llmsight-plot")
        ws["table"] = w.HTML()
        ws["table"].add_class("llmsight-table")
        ws["status"] = w.HTML()
        ws["pin"] = w.Button(description="Keep scenario", tooltip="keep this scenario in the table")
        ws["csv"] = w.Button(description="Export CSV")
        ws["preview"] = w.Button(description="Preview code edit")
        ws["apply"] = w.Button(description="Apply edit", button_style="warning", disabled=True)
        ws["pin"].on_click(lambda _: self.pin())
        ws["csv"].on_click(self._on_csv)
        ws["preview"].on_click(self._on_preview)
        ws["apply"].on_click(self._on_apply)
        ws["diff"] = w.HTML()
        for key in ("model", "timeout", "max_tokens", "trim_input", "response_cache_hit_rate", "fallback"):
            ws[key].style = {"description_width": "90px"}
            ws[key].layout = w.Layout(width="340px")
        sliders = w.VBox([ws["model"], ws["timeout"], ws["max_tokens"], ws["trim_input"],
                          ws["response_cache_hit_rate"], ws["fallback"]], layout=w.Layout(min_width="350px"))
        self._widget = w.VBox([w.HBox([ws["feature"], ws["site"]]), ws["source"], w.HBox([sliders, ws["plot"]]),
                               ws["table"], w.HBox([ws["pin"], ws["csv"], ws["preview"], ws["apply"]]),
                               ws["status"], ws["diff"]])
        self._widget.add_class("llmsight-explorer")
        self._redraw()

    def _redraw(self) -> None:
        if self._widget is None:
            return
        style = f"<style>{report.CSS}</style>"
        x_label = "cost / month" if any(p.cost_per_month is not None for p in self.points) else "cost / call"
        self._w["plot"].value = (f'<div class="{report.ROOT_CLASS}">{style}'
                                 + report.scatter_svg(self.points, self.front, 0, self.selected, x_label=x_label) + "</div>")
        table = report.scenario_table_html(self.points, self.front, current=0, explored=self.selected)
        explored = self.points[self.selected]
        self._w["table"].value = (f'<div class="{report.ROOT_CLASS}" data-explored-p95="{explored.latency_p95_s}" '
                                  f'data-explored="{report.esc(explored.label)}">{style}{table}</div>')
        self._w["source"].value = self._source_text()
        notes = sorted({n for p in self.points for n in p.notes if n.startswith("priors:")})
        self._w["status"].value = "".join(f"<div class='muted'>{report.esc(n)}</div>" for n in notes)

    def _sync_widgets_from_choice(self) -> None:
        if self._widget is None:
            return
        self._syncing = True
        try:
            c = self.choice
            self._w["model"].value = c.model if c.model in self.models else AS_WRITTEN
            self._w["fallback"].value = c.fallback if c.fallback in self.models else NO_FALLBACK
            for key in ("timeout", "max_tokens", "trim_input", "response_cache_hit_rate"):
                self._w[key].value = getattr(c, key)
        finally:
            self._syncing = False

    def _on_change(self, change) -> None:
        if self._syncing:
            return
        ws = self._w
        self.choice = Choice(model=None if ws["model"].value == AS_WRITTEN else ws["model"].value,
                             timeout=ws["timeout"].value, max_tokens=ws["max_tokens"].value,
                             trim_input=ws["trim_input"].value,
                             response_cache_hit_rate=round(ws["response_cache_hit_rate"].value, 4),
                             fallback=None if ws["fallback"].value == NO_FALLBACK else ws["fallback"].value)
        ws["apply"].disabled = True
        self._schedule(self._safe_recompute)

    def _safe_recompute(self) -> None:
        try:
            self.recompute()
        except (api.ConfigError, ValueError) as exc:
            self._w["status"].value = f"<div class='error'>{report.esc(str(exc))}</div>"

    def _schedule(self, fn) -> None:
        """Run `fn` after `debounce` seconds of quiet on the kernel's event loop (now, without one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.debounce <= 0:
            fn()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.debounce, fn)

    def _on_site(self, change) -> None:
        self.choice = Choice()
        self._select_site(next(s for s in self.sites if s.id == change["new"]))
        self._syncing = True
        try:
            self._w["model"].options = [AS_WRITTEN] + self.models
            self._w["fallback"].options = [NO_FALLBACK] + self.models
        finally:
            self._syncing = False
        self._sync_widgets_from_choice()
        self._w["diff"].value = self._w["status"].value = ""     # the previous site's preview and messages
        self._w["apply"].disabled = True
        self._redraw()

    def _on_feature(self, change) -> None:
        shown = [s for s in self.sites if change["new"] == "(all)" or s.feature == change["new"]]
        self._w["site"].options = [(_site_label(s), s.id) for s in shown]

    def _on_csv(self, _) -> None:
        name = f"llmsight-scenarios-{self.site.span.path.replace('/', '_')}-{self.site.span.start_line}.csv"
        self.to_csv(Path.cwd() / name)
        self._w["status"].value = f"wrote <a href='{report.esc(name)}' download>{report.esc(name)}</a>"

    def _on_preview(self, _) -> None:
        fix, diff = self.preview_fix()
        body = f"<pre>{report.esc(diff)}</pre>" if diff else "<p class='muted'>no edit in a Python file</p>"
        self._w["diff"].value = (f'<div class="{report.ROOT_CLASS}"><b>{report.esc(fix.title)}</b> '
                                 f'<span class="badge">{fix.applicability}</span>{body}</div>')
        self._w["apply"].disabled = self.pending_fix is None

    def _on_apply(self, _) -> None:
        self._w["apply"].disabled = True
        try:
            written = self.apply_fix()
        except api.ConfigError as exc:
            self._w["diff"].value = f"<p class='error'>{report.esc(str(exc))}</p>"
            return
        self._w["diff"].value = f"<p class='ok'>edited {report.esc(', '.join(written))}</p>"
