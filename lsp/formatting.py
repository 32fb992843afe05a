"""How estimates read in an editor: short labels for hints and lenses, a table for hover.

Figures from priors or static prompt counting carry `≈` and say `prior`/`static`; figures learned
from traffic say `traffic` and how many calls they rest on.
"""
from __future__ import annotations

import re
from typing import Sequence

from llmsight.formats._common import usd
from llmsight.records import CallSite, Estimate, Metric


def money(value: float | None) -> str:
    """Dollars as every other face writes them (`$0.0021`, `$7.23`, `$1,241`)."""
    return usd(value)


def seconds(value: float | None) -> str:
    if value is None:
        return "?"
    if value >= 100:
        return f"{value:,.0f} s"
    if value >= 10:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.1f} s"
    return f"{value:.2f} s"


def percent(value: float | None) -> str:
    return "?" if value is None else f"{value * 100:.1f}%"


def from_traffic(est: Estimate) -> bool:
    return est.source == "traffic"


def _value(metric: Metric | None) -> float | None:
    return None if metric is None else metric.value


def _sign(est: Estimate) -> str:
    """`≈` for a static estimate, nothing for traffic."""
    return "" if from_traffic(est) else "≈"


def hint_label(est: Estimate | None) -> str:
    """`≈$0.0021/call · p95 3.4 s · prior` (static; `≈$0.000020/call · 1,000 tokens per text · prior` for an
    embedding priced per text) or `$0.0021/call · p95 3.4 s · traffic`."""
    if est is None:
        return "llmsight: no estimate"
    cost = _value(est.cost_per_call)
    if cost is None:
        why = est.cost_per_call.prior or "no price"
        return f"cost ? ({why})"
    parts = [f"{_sign(est)}{money(cost)}/call", _per_text(est)]
    if (p95 := _value(est.latency_p95_s)) is not None:
        parts.append(f"p95 {seconds(p95)}")
    parts.append("traffic" if from_traffic(est) else "prior")
    return " · ".join(p for p in parts if p)


def _per_text(est: Estimate) -> str | None:
    """`1,000 tokens per text`: the input-size prior a static cost is quoted at (the estimate's own figure;
    text, JSON and hover give it in the cost's basis)."""
    return f"{est.per_text_tokens:,} tokens per text" if est.per_text_tokens is not None else None


def lens_title(est: Estimate | None) -> str:
    """`$412/month · p95 3.4 s · n=12,031` with traffic, `≈$0.0021/call (static)` without."""
    if est is None:
        return "llmsight: no estimate"
    if from_traffic(est):
        month = _value(est.cost_per_month)
        parts = [f"{money(month)}/month" if month is not None else f"{money(_value(est.cost_per_call))}/call"]
        if (p95 := _value(est.latency_p95_s)) is not None:
            parts.append(f"p95 {seconds(p95)}")
        n = est.cost_per_call.n or (est.latency_p95_s.n if est.latency_p95_s else None)
        if n:
            parts.append(f"n={n:,}")
        return " · ".join(parts)
    cost = _value(est.cost_per_call)
    if cost is None:
        return f"cost ? ({est.cost_per_call.prior or 'no price'})"
    basis = f"static: {per_text}, prior" if (per_text := _per_text(est)) else "static"
    month = _value(est.cost_per_month)
    if month is not None:
        return f"{_sign(est)}{money(month)}/month · {money(cost)}/call ({basis})"
    return f"{_sign(est)}{money(cost)}/call ({basis})"


def _source(metric: Metric | None) -> str:
    if metric is None or metric.value is None:
        return ""
    if metric.source == "traffic":
        interval = f", {metric.low:.3g}–{metric.high:.3g}" if metric.low is not None and metric.high is not None else ""
        return f"traffic (n={metric.n:,}{interval})" if metric.n else f"traffic{interval}"
    return f"{metric.source}: {_plain(metric.prior)}" if metric.prior else metric.source


def _setting(site: CallSite, name: str) -> str:
    s = getattr(site, name)
    if s.value is None and s.expr is None:
        return f"{name}: not set"
    shown = s.value if s.value is not None else s.expr
    return f"{name}: {code(str(shown))} ({s.source})"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>!|#~&])")
_MARKUP = re.compile(r"[\\`*_\[\]<>|#~&]")
# a name or pattern (`*claude*sonnet*`, `default_output_tokens=1024`, `gpt-4o_mini`) in a note: shown as
# code, since its `*` and `_` would read as emphasis and a backslash escape shows literally in Neovim 0.10+
_NAME = re.compile(r"[\w.*:/@=+-]*[*_][\w.*:/@=+-]*")
_TOKEN = re.compile(r"^([(\[\"']*)(.*?)([)\]\"',;:.]*)$")


def code(text: str, *, in_table: bool = False) -> str:
    """`text` as one Markdown code span that shows it verbatim (a fence longer than any backtick run in
    it). In a table cell `|` is escaped: GFM splits cells on it even inside code (elsewhere the escape
    would show, e.g. in a model set `a|b`)."""
    from llmsight.formats import shown_text

    text = shown_text(text)
    if in_table:
        text = text.replace("|", "\\|")
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plain(text: str) -> str:
    """Free text (notes, a figure's source) as literal Markdown: names and glob patterns become code
    spans; other Markdown characters are escaped, since notes quote traffic (model, span and service
    names), which must not become a link, an image the editor fetches, or HTML."""
    from llmsight.formats import shown_text

    def word(match: re.Match) -> str:
        token = match.group(0)
        if not _MARKUP.search(token):       # `(`, `)`, `!` make no link or image without `[`
            return token
        before, core, after = _TOKEN.match(token).groups()
        if core and _NAME.fullmatch(core) and not _MARKUP.search(before + after):
            return before + code(core) + after
        return _MARKDOWN_SPECIAL.sub(r"\\\1", token)

    return re.sub(r"\S+", word, shown_text(text))


_CODE_OR_DOLLAR = re.compile(r"(`+).*?\1|\$")


def for_client(markdown: str, client: str | None) -> str:
    """Markdown as `client` (clientInfo.name) renders it. JupyterLab, like other renderers with TeX math,
    typesets `$0.0021 … $0.0098` on one line as a formula, so `$` is escaped outside code spans; Neovim
    has no math and shows a backslash escape as it is (0.10+), so it gets the text unchanged."""
    if client == "Neovim":
        return markdown
    return _CODE_OR_DOLLAR.sub(lambda m: m.group(0) if m.group(1) else r"\$", markdown)


def hover_markdown(site: CallSite, est: Estimate | None, alternatives: Sequence = ()) -> str:
    model = site.model.value if site.model.value is not None else site.model.expr or "?"
    lines = [f"**llmsight** · {code(site.api)} · {site.sdk} {site.operation} · model {code(str(model))}", ""]
    lines.append(" · ".join(_setting(site, n) for n in ("timeout", "retries", "max_tokens")))
    lines.append("")
    if est is None:
        lines.append("_No estimate for this call._")
        return "\n".join(lines)
    lines += ["| | estimate | source |", "|---|---|---|"]
    lines.append(f"| cost / call | {money(_value(est.cost_per_call))} | {_source(est.cost_per_call)} |")
    if est.range is not None:     # what static analysis cannot pin down; not a confidence interval
        spans = "up to the output cap" if est.range.basis == "output-cap" else "over the model set"
        # one `$` per cell: JupyterLab's MathJax typesets `$a – $b` as a formula even when escaped
        lines.append(f"| ↳ range | {money(est.range.low)} – {money(est.range.high).removeprefix('$')} | {spans} |")
    for part in ("input", "cached_input", "cache_write", "output", "reasoning"):
        amount = est.cost_breakdown.get(part)
        if amount:
            tokens = {"input": est.input_tokens, "output": est.output_tokens}.get(part)
            shown = f"{money(amount)} ({tokens:,.0f} tokens)" if tokens is not None else money(amount)
            lines.append(f"| ↳ {part.replace('_', ' ')} | {shown} | |")   # no HTML entity: Neovim shows it as is
    if est.cost_per_month is not None:
        calls = f" ({est.calls_per_month:,.0f} calls)" if est.calls_per_month else ""
        lines.append(f"| cost / month | {money(_value(est.cost_per_month))}{calls} | {_source(est.cost_per_month)} |")
    if est.latency_p50_s is not None:
        trio = " / ".join(seconds(_value(m)) for m in (est.latency_p50_s, est.latency_p95_s, est.latency_p99_s))
        lines.append(f"| latency p50 / p95 / p99 | {trio} | {_source(est.latency_p95_s)} |")
    if est.ttft_s is not None:
        lines.append(f"| time to first token | {seconds(_value(est.ttft_s))} | {_source(est.ttft_s)} |")
    lines.append(f"| error rate | {percent(_value(est.error_rate))} | {_source(est.error_rate) or 'needs traffic'} |")
    quality = _value(est.quality)
    lines.append(f"| quality | {'?' if quality is None else f'{quality:.2f}'} | {_source(est.quality) or 'needs traffic or evals'} |")
    if est.notes:
        lines += ["", *(f"- {_plain(note)}" for note in est.notes)]
    if alternatives:
        basis = "replayed over this call's traffic" if alternatives[0].source == "traffic" else "static priors"
        lines += ["", f"**Alternatives** (nothing beats them on cost, p95 and quality at once; {basis})", "",
                  "| model | cost / call | p95 | quality |", "|---|---|---|---|"]
        for alt in alternatives:
            q = "?" if alt.quality is None else f"{alt.quality:.2f}"
            lines.append(f"| {code(alt.model, in_table=True)} | {money(alt.cost_per_call)} | {seconds(alt.latency_p95_s)} | {q} |")
    return "\n".join(lines)


def alternative_title(alt, est: Estimate | None) -> str:
    """`Switch model to gpt-4o-mini (−94% cost, p95 +0.5 s, quality −0.08)`."""
    deltas = []
    cost = _value(est.cost_per_call) if est else None
    if cost:
        deltas.append(f"{(alt.cost_per_call - cost) / cost * 100:+.0f}% cost".replace("-", "−"))
    p95 = _value(est.latency_p95_s) if est else None
    if p95 is not None and alt.latency_p95_s is not None:
        deltas.append(f"p95 {alt.latency_p95_s - p95:+.1f} s".replace("-", "−"))
    if alt.quality is not None:
        deltas.append(f"quality {alt.quality:.2f}")
    return f"Switch model to {alt.model}" + (f" ({', '.join(deltas)})" if deltas else "")
