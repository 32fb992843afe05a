"""`self.x = x or fallback` in a constructor (issue 12 item 1): the fallback joins the model set only
when some construction can leave `x` empty — not when every construction in the package passes a
value that is never empty (a config's default), which would add a chat model to a transcription site."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

CLIENT = """
    from openai import OpenAI
    class SpeechConfig:
        chat_model = "gpt-4o"
        transcription_model = "whisper-1"
    class Speech:
        def __init__(self, model, transcription_model=None):
            self.model = model
            self.transcription_model = transcription_model or model
            self.client = OpenAI()
        def transcribe(self, f):
            return self.client.audio.transcriptions.create(model=self.transcription_model, file=f)
    """


def models_at(tmp_path: Path, builds: str) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "speech.py").write_text(textwrap.dedent(CLIENT), encoding="utf-8")
    (pkg / "build.py").write_text(textwrap.dedent(builds), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    sites = [s for s in result.call_sites if s.span.path == "pkg/speech.py" and s.span.start_line == 12]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return [c.value for c in sites[0].model.candidates]


def test_fallback_left_out_when_every_construction_passes_a_value(tmp_path):
    assert models_at(tmp_path, """
        from pkg.speech import Speech, SpeechConfig
        def make(cfg: SpeechConfig):
            return Speech(cfg.chat_model, transcription_model=cfg.transcription_model)
        def main():
            return make(SpeechConfig())
        """) == ["whisper-1"]


def test_fallback_kept_when_a_construction_leaves_the_argument_out(tmp_path):
    assert {"gpt-4o-mini", "whisper-1"} <= set(models_at(tmp_path, """
        from pkg.speech import Speech, SpeechConfig
        def make(cfg: SpeechConfig):
            return Speech(cfg.chat_model, transcription_model=cfg.transcription_model)
        def quick():
            return Speech("gpt-4o-mini")
        def main():
            return make(SpeechConfig())
        """))


def test_fallback_kept_when_a_construction_passes_a_value_that_can_be_empty(tmp_path):
    assert sorted(models_at(tmp_path, """
        import os
        from pkg.speech import Speech
        def make():
            return Speech("gpt-4o-mini", transcription_model=os.getenv("STT_MODEL"))
        """)) == ["gpt-4o-mini"]


def test_a_stated_default_is_kept_for_an_object_built_bare(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        from openai import OpenAI
        DEFAULT_MODEL = "gpt-4.1"
        class Model:
            def __init__(self, model=None):
                self.name = model or DEFAULT_MODEL
            def generate(self, prompt):
                return OpenAI().chat.completions.create(model=self.name, messages=[])
        def judge():
            return Model(model="o3-mini").generate("x")
        """), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    assert [c.value for s in result.call_sites for c in s.model.candidates] == ["gpt-4.1", "o3-mini"]
