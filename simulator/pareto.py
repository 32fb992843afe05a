"""The Pareto front across scenarios: those no other scenario beats on every objective at once."""
from __future__ import annotations

from typing import Sequence

from llmsight.simulator.figures import GroupFigures


def front(points: Sequence[Sequence[float | None]]) -> list[int]:
    """Indices of the points not dominated by another point (all objectives minimised; a point with a
    missing objective is on no front)."""
    known = [(i, tuple(p)) for i, p in enumerate(points) if all(v is not None for v in p)]
    return [i for i, a in known
            if not any(all(x <= y for x, y in zip(b, a)) and b != a for _, b in known)]


def objectives(figures: GroupFigures) -> tuple[float | None, ...]:
    """Monthly cost, p95 latency, error rate (all lower is better) and quality (higher is better; negated
    so that every objective is minimised). Missing quality counts as equal everywhere."""
    value = (lambda m: None if m is None else m.value)
    quality = value(figures.quality)
    return (value(figures.cost_per_month), value(figures.latency_p95_s), value(figures.error_rate),
            -quality if quality is not None else 0.0)


def scenario_front(figures: Sequence[GroupFigures | None]) -> list[int]:
    """Indices of the scenarios on the front for one group (all traffic, a site, a feature)."""
    return front([objectives(f) if f is not None else (None,) for f in figures])
