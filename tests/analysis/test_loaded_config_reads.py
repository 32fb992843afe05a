"""Models in the package's own data files read through a loader (issue 12): the whole key path from the
loaded file's root, in the file the loader reads, followed through `.get(…)`, `[…]`, locals, `self.`
attributes, `x or load()` and callers' arguments; and a chain handed to an object picked from a table
keeps its model."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api


def scan(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, int], list[str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    return {(s.span.path, s.span.start_line): [c.value for c in s.model.candidates] for s in result.call_sites}


PACKAGE = {
    "voice/__init__.py": "",
    # two tables set `llm_model`, two files set `speech.openai.model`: only the whole path in the file the
    # loader reads names the model
    "voice/config.yaml": """
        summarizer:
          llm_model: "gpt-4o-mini"
        critic:
          llm_model: gpt-4.1
        speech:
          openai:
            model: tts-1
        """,
    "voice/conversation_config.yaml": """
        speech:
          default_provider: openai
          openai:
            model: tts-1-hd
        """,
    "voice/settings.py": """
        import os
        import yaml
        HERE = os.path.dirname(__file__)
        def _read(path):
            with open(path) as f:
                return yaml.safe_load(f)
        class Config:
            def __init__(self, path=os.path.join(HERE, "config.yaml")):
                self.data = _read(path)
            def get(self, key, default=None):
                return self.data.get(key, default)
        def load_config():
            return Config()
        def load_conversation_config(path=None):
            return _read(path or os.path.join(HERE, "conversation_config.yaml"))
        """,
}


def test_key_path_from_the_loaded_files_root_in_the_file_the_loader_reads(tmp_path):
    models = scan(tmp_path, {**PACKAGE, "voice/summarize.py": """
        from langchain_openai import ChatOpenAI
        from voice.settings import load_config
        class Summarizer:
            def __init__(self, model_name=None):
                self.config = load_config()
                cfg = self.config.get("summarizer", {})
                if not model_name:
                    model_name = cfg.get("llm_model")
                self.llm = ChatOpenAI(model=model_name)
            def run(self, text):
                return self.llm.invoke(text)
        """, "voice/speak.py": """
        import openai
        from voice.settings import load_conversation_config
        class Speaker:
            def __init__(self, conversation_config=None):
                self.conversation_config = conversation_config or load_conversation_config()
            def speak(self, text):
                tts = self.conversation_config.get("speech", {})
                model = tts.get("openai", {}).get("model")
                return openai.audio.speech.create(model=model, voice="alloy", input=text)
        def render(config, text):
            provider_config = config["speech"]["openai"]
            return openai.audio.speech.create(model=provider_config.get("model"), voice="alloy", input=text)
        def main(text):
            return render(load_conversation_config(), text)
        """})
    assert models[("voice/summarize.py", 11)] == ["gpt-4o-mini"]
    assert models[("voice/speak.py", 9)] == ["tts-1-hd"]
    assert models[("voice/speak.py", 12)] == ["tts-1-hd"]


def test_a_chain_handed_to_an_object_picked_from_a_table_keeps_its_model(tmp_path):
    models = scan(tmp_path, {"gen/__init__.py": "", "gen/strategies.py": """
        from abc import ABC, abstractmethod
        from langchain_core.runnables import Runnable
        class Strategy(ABC):
            @abstractmethod
            def generate(self, llm_chain, params):
                ...
        class LongStrategy(Strategy):
            def __init__(self, llm):
                self.llm = llm
            def generate(self, llm_chain, params):
                return [llm_chain.invoke({"text": part}) for part in params["parts"]]
        class ShortStrategy(Strategy):
            def generate(self, llm_chain, params):
                return llm_chain.invoke(params)
        """, "gen/report.py": """
        class Report:
            def generate(self, rows):
                return rows
        """, "gen/content.py": """
        from langchain_openai import ChatOpenAI
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_core.output_parsers import StrOutputParser
        from gen.strategies import LongStrategy, ShortStrategy
        class Content:
            def __init__(self, model_name="gpt-4o-mini"):
                self.llm = ChatOpenAI(model=model_name)
                self.strategies = {"long": LongStrategy(self.llm), "short": ShortStrategy()}
            def run(self, params, longform=False):
                chain = ChatPromptTemplate.from_template("{text}") | self.llm | StrOutputParser()
                strategy = self.strategies["long" if longform else "short"]
                return strategy.generate(chain, params)
        """})
    assert models[("gen/strategies.py", 11)] == ["gpt-4o-mini"]
    assert models[("gen/strategies.py", 14)] == ["gpt-4o-mini"]
