"""Which candidate is the default when the code picks a model by a test on a known value (a parameter's
default, a loaded config file, the dict a caller passes): the branch the project's defaults take."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from llmsight import api


def candidates(tmp_path: Path, files: dict[str, str], path: str, line: int) -> list[tuple[str, bool, str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False, with_estimates=False)
    assert not result.errors, result.errors
    [site] = [s for s in result.call_sites if s.span.path == path and s.span.start_line == line]
    return [(c.value, c.default, c.reach) for c in site.model.candidates]


def defaults(cands) -> set[str]:
    return {value for value, default, _reach in cands if default}


def test_if_on_a_parameter_default_takes_the_else_branch(tmp_path):
    cands = candidates(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        def ask(q, provider="anthropic"):
            if provider == "openai":
                model = "gpt-4o-mini"
            else:
                model = "gpt-4.1"
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """}, "app/llm.py", 8)
    assert defaults(cands) == {"gpt-4.1"} and {v for v, _d, _r in cands} == {"gpt-4o-mini", "gpt-4.1"}


def test_match_on_an_unknown_value_keeps_the_first_case_as_default(tmp_path):
    cands = candidates(tmp_path, {"app/llm.py": """
        import os
        from openai import OpenAI
        def ask(q):
            match os.environ["PROVIDER"]:
                case "openai":
                    model = "gpt-4o-mini"
                case _:
                    model = "gpt-4.1"
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """}, "app/llm.py", 10)
    assert defaults(cands) == {"gpt-4o-mini"} and {v for v, _d, _r in cands} == {"gpt-4o-mini", "gpt-4.1"}


def test_conditional_on_a_flag_a_caller_sets_keeps_both(tmp_path):
    cands = candidates(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        def ask(q, fast: bool = True):
            model = "gpt-4o-mini" if fast else "gpt-4.1"
            return OpenAI().chat.completions.create(model=model, messages=[q])
        """}, "app/llm.py", 5)
    assert defaults(cands) == {"gpt-4o-mini"} and {v for v, _d, _r in cands} == {"gpt-4o-mini", "gpt-4.1"}


def test_get_fallback_stays_when_the_loaded_file_lacks_the_key(tmp_path):
    cands = candidates(tmp_path, {
        "config.json": json.dumps({"temperature": 0}),
        "app/llm.py": """
            import json
            from openai import OpenAI
            CONF = json.load(open("config.json"))
            def ask(q):
                return OpenAI().chat.completions.create(model=CONF.get("model", "gpt-4o"), messages=[q])
            """}, "app/llm.py", 6)
    assert defaults(cands) == {"gpt-4o"}


def test_config_dict_passed_by_the_caller_is_reached_through_callers(tmp_path):
    cands = candidates(tmp_path, {
        "app/__init__.py": "",
        "app/agent.py": """
            from openai import OpenAI
            class Agent:
                def __init__(self, config=None):
                    self.config = config or {}
                def run(self, q):
                    return OpenAI().chat.completions.create(messages=[q], model=self.config.get("model", "gpt-4o"))
            """,
        "app/main.py": """
            from .agent import Agent
            def main():
                Agent(config={"model": "gpt-4.1-mini"}).run("z")
            """}, "app/agent.py", 7)
    assert ("gpt-4.1-mini", True, "callers") in cands


def test_get_on_a_dict_a_base_class_sets_empty_is_no_internal_error(tmp_path):
    cands = candidates(tmp_path, {"app/llm.py": """
        from openai import OpenAI
        class Base:
            def __init__(self, config=None):
                self.config = {}
        class Chat(Base):
            def ask(self, q):
                return OpenAI().chat.completions.create(messages=[q], model=self.config.get("model", "gpt-4o"))
        """}, "app/llm.py", 8)
    assert defaults(cands) == {"gpt-4o"}
