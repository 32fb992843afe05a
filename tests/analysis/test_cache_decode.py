"""The scan cache's decoder rebuilds records exactly as they were and rejects any other shape."""
import pytest

from llmsight.analysis.cache import Entry, Malformed, decode
from llmsight.analysis.engine import FileResult
from llmsight.records import (CallSite, Diagnostic, Edit, Fix, Hop, Metric, ModelCandidate, ModelSetting, Prompt,
                              Setting, Span, to_json)


def _site() -> CallSite:
    span = Span("app.py", 3, 1, 4, 2)
    model = ModelSetting("gpt-4o", "MODEL", "constant", "app.py:1", (ModelCandidate("gpt-4o", "app.py:1", "constant"),),
                         (Hop("constant MODEL", "app.py:1"),))
    return CallSite("app.py::ask#1", span, "openai", "client.chat.completions.create", "chat", False, None, model,
                    Setting(), Setting(20.0, "20", "client", "app.py:2"), Setting(2, "2", "sdk-default"),
                    fallback_models=("gpt-4o-mini",), prompt=Prompt(12, True, 40, 3, 9, False, "classification"))


def _entry() -> Entry:
    span = Span("app.py", 3, 1, 4, 2)
    fix = Fix("add a timeout", (Edit(span, "timeout=30"),), "safe")
    diag = Diagnostic("LLM001", "missing-timeout", "warning", "no timeout", span, "app.py::ask#1", (fix,))
    return Entry(10, 20, "ab", FileResult("app.py", [_site()], [diag], None, ("settings.py",), ("ask",)),
                 {"/p/settings.py": (1, 2, "cd")})


def _same(a, b) -> None:
    """Equal, and of the same types all the way down (a tuple is not a list, 20.0 not 20)."""
    assert type(a) is type(b)
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif hasattr(a, "__dataclass_fields__"):
        for name in a.__dataclass_fields__:
            _same(getattr(a, name), getattr(b, name))
    else:
        assert a == b


def test_round_trip_keeps_types_and_subclasses():
    entry = _entry()
    back = decode(dict[str, Entry], {"app.py": to_json(entry)})["app.py"]
    _same(back, entry)
    assert type(back.result.sites[0].model) is ModelSetting and type(back.result.sites[0].max_tokens) is Setting
    assert back.result.sites[0] == entry.result.sites[0] and hash(back.result.sites[0]) == hash(entry.result.sites[0])


def test_an_int_where_a_float_is_declared_stays_the_int_it_was():
    metric = decode(Metric, {"value": 2, "low": 1.0, "high": 3.5, "source": "prior", "n": 4, "prior": None})
    assert type(metric.value) is int and type(metric.low) is float and type(metric.n) is int
    assert decode(list[float], [1, 2.5]) == [1, 2.5] and type(decode(float, 1)) is int
    with pytest.raises(Malformed):
        decode(Metric, {"value": True, "low": None, "high": None, "source": "prior", "n": None, "prior": None})
    assert decode(Setting, to_json(Setting(20, "20", "client"))).value == 20   # `value: Any` keeps what JSON holds
    site = to_json(_site())
    site["span"]["start_line"] = 3.0                  # a float where an int is declared is not an int
    with pytest.raises(Malformed):
        decode(CallSite, site)


@pytest.mark.parametrize("tamper", [
    lambda d: d["span"].update(start_line=True),              # a bool is not an int
    lambda d: d.update(is_async="no"),
    lambda d: d["span"].update(extra=1),                      # a key no field has
    lambda d: d["span"].pop("cell"),                          # a field missing
    lambda d: d["span"].update(cell2=d["span"].pop("cell")),  # as many keys as fields, one of them another name
    lambda d: d["model"].update(candidates=[["gpt-4o", None, "literal", True]]),
    lambda d: d.update(fallback_models="gpt-4o"),
    lambda d: d["prompt"].update(static_tokens=None),
])
def test_any_other_shape_is_malformed(tamper):
    data = to_json(_site())
    tamper(data)
    with pytest.raises(Malformed):
        decode(CallSite, data)
