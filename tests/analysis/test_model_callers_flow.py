"""Model resolution along the callers' flow (issue 12 item 1): a dict parameter the callers do not pass
falls back to the other side of `params or self.params`, and a request's keywords that travel as a JSON
string (`fn(json.dumps(dict(model=…)))`, then `json.loads(request)` in the callee, as caching layers do)
are read from the dict that was serialised. Hostile code must neither loop nor name a model it cannot send."""
from __future__ import annotations

import textwrap
import time

from site_lines import models_at, scan_project as scan, site_at


_ENGINE = """
    from openai import OpenAI
    class Engine:
        def __init__(self, api_key=None, model=None, **kwargs):
            self.model = model
            self.client = OpenAI(api_key=api_key)
        def generate(self, messages):
            return self.client.chat.completions.create(model=self.model, messages=messages)
    """


def test_dict_parameter_nobody_passes_falls_back_to_the_attribute(tmp_path):
    # VALID: `_create_agent(prompt)` never passes `engine_params`, so `engine_params or self.engine_params`
    # is the dict the module was built with, which the subclass hands to `super().__init__`
    result = scan(tmp_path, {"pkg/engine.py": _ENGINE, "pkg/agent.py": """
        from pkg.engine import Engine
        class Agent:
            def __init__(self, engine_params=None, prompt=None):
                self.engine = Engine(**engine_params)
        """, "pkg/module.py": """
        from pkg.agent import Agent
        class BaseModule:
            def __init__(self, engine_params, platform):
                self.engine_params = engine_params
            def _create_agent(self, prompt=None, engine_params=None):
                return Agent(engine_params or self.engine_params, prompt)
        class Planner(BaseModule):
            def __init__(self, engine_params, platform="linux"):
                super().__init__(engine_params, platform)
                self.agent = self._create_agent("plan")
        """, "pkg/main.py": """
        from pkg.module import Planner
        def main():
            params = {"engine_type": "openai", "model": "gpt-4o-mini"}
            return Planner(params)
        """})
    assert models_at(result, "pkg/engine.py", 8) == ["gpt-4o-mini"]


def test_dict_every_caller_passes_hides_the_fallback(tmp_path):
    # INVALID: the literal after `or` is never sent when every caller passes the dict
    result = scan(tmp_path, {"pkg/engine.py": _ENGINE, "pkg/agent.py": """
        from pkg.engine import Engine
        def build(engine_params=None):
            return Engine(**(engine_params or {"model": "gpt-3.5-turbo"}))
        def main():
            return build({"model": "gpt-4o"})
        """})
    assert models_at(result, "pkg/engine.py", 8) == ["gpt-4o"]


def test_request_serialised_to_json_for_a_cache_is_read_back(tmp_path):
    # VALID: the keywords travel as a JSON string through an lru_cache'd helper (picked by a local a formatter
    # wrapped in parentheses) and are read back with `json.loads`; the model is popped from them, split off
    # its provider prefix and sent
    result = scan(tmp_path, {"pkg/lm.py": """
        import functools
        import json
        import litellm

        @functools.lru_cache(maxsize=100)
        def cached_text_completion(request):
            return text_completion(request, cache=True)

        def text_completion(request, cache=False):
            kwargs = json.loads(request)
            model = kwargs.pop("model").split("/", 1)
            provider, model = model[0] if len(model) > 1 else "openai", model[-1]
            return litellm.text_completion(model=f"text-completion-openai/{model}", prompt=kwargs.pop("prompt"))

        class LM:
            def __init__(self, model, cache=True):
                self.model = model
                self.cache = cache
            def __call__(self, prompt):
                completion = (
                    cached_text_completion if self.cache else text_completion
                )
                return completion(json.dumps(dict(model=self.model, prompt=prompt)))

        def default_lm():
            return LM("openai/gpt-4o-mini")
        """})
    assert models_at(result, "pkg/lm.py", 14) == ["text-completion-openai/gpt-4o-mini"]


def test_json_strings_that_feed_each_other_do_not_loop(tmp_path):
    # INVALID: a hostile cycle of loads/dumps over two names terminates quickly with no model
    lines = ["import json", "import litellm", "def run(b):"]
    lines += [f"    a{i} = json.loads(a{i + 1})" for i in range(40)]
    lines += ["    a40 = json.dumps(a0)", "    return litellm.completion(**a0)", ""]
    started = time.process_time()
    result = scan(tmp_path, {"pkg/loop.py": "\n".join(lines)})
    assert time.process_time() - started < 10
    assert models_at(result, "pkg/loop.py", 45) == []


_LAYERS = {"pkg/engine.py": _ENGINE, "pkg/agent.py": """
    from pkg.engine import Engine
    class Agent:
        def __init__(self, engine_params=None):
            self.engine = Engine(**engine_params)
    """, "pkg/module.py": """
    from pkg.agent import Agent
    class BaseModule:
        def __init__(self, engine_params):
            self.engine_params = engine_params
        def _create_agent(self, engine_params=None):
            return Agent(engine_params or self.engine_params)
    class Knowledge(BaseModule):
        def __init__(self, engine_params):
            super().__init__(engine_params)
            self.agent = self._create_agent()
    class Manager(BaseModule):
        def __init__(self, engine_params):
            super().__init__(engine_params)
            self.knowledge = Knowledge(engine_params)
    """, "pkg/ui.py": """
    from pkg.module import Manager
    class UIAgent:
        def __init__(self, engine_params):
            self.engine_params = engine_params
    class SearchAgent(UIAgent):
        def __init__(self, engine_params):
            super().__init__(engine_params)
            self.reset()
        def reset(self):
            self.planner = Manager(self.engine_params)
    """}


def test_settings_dict_handed_down_five_layers_is_followed(tmp_path):
    # VALID: the CLI's dict reaches the engine through five constructions; the usual 3 hops find nothing,
    # the deeper walk names the CLI default
    result = scan(tmp_path, {**_LAYERS, "pkg/cli.py": """
        import argparse
        from pkg.ui import SearchAgent
        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--model", default="gpt-4o-mini")
            args = parser.parse_args()
            return SearchAgent({"engine_type": "openai", "model": args.model})
        """})
    assert models_at(result, "pkg/engine.py", 8) == ["gpt-4o-mini"]


def test_deep_walk_that_fans_out_names_no_model(tmp_path):
    # INVALID: five layers down, six entry points each build the dict with another model: a walk that far
    # up which fans out is not trusted to name them all, so the site stays unresolved and says why
    mains = "".join(f"""
        def main{i}():
            return SearchAgent({{"model": "gpt-4o-{i}"}})
        """ for i in range(6))
    result = scan(tmp_path, {**_LAYERS, "pkg/cli.py": "from pkg.ui import SearchAgent\n" + textwrap.dedent(mains)})
    site = site_at(result, "pkg/engine.py", 8)
    assert [c.value for c in site.model.candidates] == [] and site.model.unknown
