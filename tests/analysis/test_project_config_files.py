"""Models a project keeps in its own config files (issue 12 item 1): TOML/YAML/JSON anywhere in the tree,
read through dynaconf settings, loaded dicts, attribute chains on settings objects and config classes,
one candidate per profile, never from an unrelated key, never a crash on a bad file."""
from __future__ import annotations

from pathlib import Path

from llmsight.analysis.project_config import ProjectConfig
from test_model_resolution import scan as scan_project

# a key named like a model setting in a build tool's TOML is never one
PYPROJECT = "[project]\nname='x'\n[tool.other]\nmodel = 'not-a-model-setting'\n"


def scan(tmp_path: Path, files: dict[str, str]):
    return scan_project(tmp_path, files, pyproject=PYPROJECT)


def site(result, path: str):
    sites = [s for s in result.call_sites if s.span.path == path]
    assert len(sites) == 1, [(s.span.path, s.span.start_line) for s in result.call_sites]
    return sites[0]


def models(s) -> list[tuple[str, str]]:
    return [(c.value, c.origin) for c in s.model.candidates]


DYNACONF_LOADER = """
    from os.path import dirname, join
    from dynaconf import Dynaconf
    settings = Dynaconf(settings_files=[join(dirname(__file__), "settings/configuration.toml")])
    def get_settings():
        return settings
    """


def test_dynaconf_settings_shipped_in_the_package(tmp_path):
    result = scan(tmp_path, {
        "bot/__init__.py": "",
        "bot/settings/configuration.toml": "[config]\n# the default\nmodel = \"gpt-4o-mini\"\nfallback_models = [\"gpt-4.1\"]\n",
        "bot/config_loader.py": DYNACONF_LOADER,
        "bot/ask.py": """
            from openai import OpenAI
            from bot.config_loader import get_settings
            def ask(text):
                return OpenAI().chat.completions.create(model=get_settings().config.model, messages=[])
            def ask_fallback(text):
                return OpenAI().chat.completions.create(model=get_settings().get("CONFIG.FALLBACK_MODELS"), messages=[])
            """})
    by_line = {s.span.start_line: s for s in result.call_sites}
    assert models(by_line[5]) == [("gpt-4o-mini", "bot/settings/configuration.toml:3")]
    fallback = by_line[7]
    assert models(fallback) == [("gpt-4.1", "bot/settings/configuration.toml:4")]
    assert fallback.model.candidates[0].reach == "project-config-file"


def test_every_profile_that_sets_the_key_is_a_candidate_with_its_file(tmp_path):
    result = scan(tmp_path, {
        "app/__init__.py": "",
        "app/app.toml": "[app]\nfast_llm = \"openai/gpt-4o-mini\"\n",
        "app/configs/azure.toml": "[app]\nfast_llm = \"azure/gpt-4.1-mini\"\n",
        "app/configs/local.toml": "[app]\n# a comment\nfast_llm = \"ollama/llama3.1\"\n[other]\nfast_llm = \"not-this\"\n",
        "app/llm.py": """
            import litellm
            from typing import Optional
            from pydantic import BaseModel
            class AppConfig(BaseModel):
                fast_llm: Optional[str] = None
            class ServiceConfig(BaseModel):
                app: Optional[AppConfig] = None
            class Service:
                def __init__(self, config: ServiceConfig):
                    self.config = config
                def name(self, text):
                    return litellm.completion(model=self.config.app.fast_llm, messages=[])
            """})
    assert models(site(result, "app/llm.py")) == [
        ("openai/gpt-4o-mini", "app/app.toml:2"), ("azure/gpt-4.1-mini", "app/configs/azure.toml:2"),
        ("ollama/llama3.1", "app/configs/local.toml:3")]


def test_field_of_the_config_class_a_parameter_is_annotated_with(tmp_path):
    result = scan(tmp_path, {
        "svc/__init__.py": "",
        "svc/r2r.toml": "[embedding]\nprovider = \"litellm\"\nbase_model = \"text-embedding-3-small\"\n"
                        "[reranking]\nbase_model = \"rerank-english-v3.0\"\n",
        "svc/embed.py": """
            import litellm
            from pydantic import BaseModel
            class EmbeddingConfig(BaseModel):
                provider: str
                base_model: str
            class Embedder:
                def __init__(self, config: EmbeddingConfig):
                    self.base_model = config.base_model
                def embed(self, texts):
                    return litellm.embedding(model=self.base_model, input=texts)
            """})
    assert models(site(result, "svc/embed.py")) == [("text-embedding-3-small", "svc/r2r.toml:3")]


def test_loaded_dict_indexed_by_keys_reads_inline_tables_and_yaml_in_a_config_dir(tmp_path):
    result = scan(tmp_path, {
        "settings.toml": "[completion]\ngeneration_config = { model = \"gpt-4.1\", temperature = 0.1 }\n",
        "configs/default.yaml": "llm:\n  chat:\n    model: claude-sonnet-4-5  # default\n",
        "app.py": """
            import tomllib, yaml
            import anthropic
            from openai import OpenAI
            config = tomllib.load(open("settings.toml", "rb"))
            cfg = yaml.safe_load(open("configs/default.yaml"))
            def complete():
                return OpenAI().chat.completions.create(model=config["completion"]["generation_config"]["model"], messages=[])
            def chat():
                return anthropic.Anthropic().messages.create(model=cfg["llm"]["chat"]["model"], max_tokens=5, messages=[])
            """})
    by_line = {s.span.start_line: s for s in result.call_sites}
    assert models(by_line[8]) == [("gpt-4.1", "settings.toml:2")]
    assert models(by_line[10]) == [("claude-sonnet-4-5", "configs/default.yaml:3")]


def test_no_candidates_from_unrelated_keys_or_files(tmp_path):
    result = scan(tmp_path, {
        "configs/app.toml": "[ocr]\nmodel = \"mistral-ocr-latest\"\n[summary]\nmodel = \"gpt-4o-mini\"\n",
        "data/samples.json": "{\"model\": \"gpt-3.5-turbo\"}\n",
        "settings/.secrets.toml": "[llm]\nmodel = \"gpt-4o\"\n",
        "app.py": """
            from openai import OpenAI
            def ask(data: dict, opts):
                OpenAI().chat.completions.create(model=data.get("model"), messages=[])
                OpenAI().chat.completions.create(model=opts.llm.model, messages=[])
                OpenAI().chat.completions.create(model=opts.samples_model, messages=[])
            """})
    assert [s.model.candidates for s in result.call_sites] == [(), (), ()]


def test_a_malformed_config_file_is_skipped_and_named(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "broken.toml").write_text("[llm\nmodel = 'gpt-4o'\n")
    (tmp_path / "configs" / "broken.json").write_text('{"llm": {"model": ')
    (tmp_path / "configs" / "latin1.yaml").write_bytes(b"llm:\n  model: caf\xe9\n")
    (tmp_path / "configs" / "good.toml").write_text("[llm]\nmodel = 'gpt-4o-mini'\n")
    config = ProjectConfig(tmp_path)
    assert [v.value for v in config.key(("llm", "model"))] == ["gpt-4o-mini"]
    assert sorted(line.split(":")[0] for line in config.unread) == [
        "configs/broken.json", "configs/broken.toml", "configs/latin1.yaml"]
    assert all(len(line.splitlines()) == 1 for line in config.unread)


def test_config_class_names_map_to_their_tables():
    from llmsight.analysis.project_config import table_name
    assert [table_name(n) for n in ("EmbeddingConfig", "LLMSettings", "RAGAgentConfig", "OpenAIOptions")] == [
        "embedding", "llm", "ragagent", "openai"]


def test_tables_for_another_provider_are_not_sent_by_this_sdk(tmp_path):
    config_class = """
        from pydantic import BaseModel
        class EmbeddingConfig(BaseModel):
            provider: str
            base_model: str
        """
    result = scan(tmp_path, {
        "svc/__init__.py": "",
        "svc/svc.toml": "[embedding]\nprovider = \"litellm\"\nbase_model = \"openai/text-embedding-3-small\"\n",
        "svc/configs/azure.toml": "[embedding]\nbase_model = \"azure/text-embedding-3-small\"\n",
        "svc/configs/local.toml": "[embedding]\nprovider = \"ollama\"\nbase_model = \"mxbai-embed-large\"\n",
        "svc/config.py": config_class,
        "svc/via_litellm.py": """
            import litellm
            from svc.config import EmbeddingConfig
            def embed(config: EmbeddingConfig, texts):
                return litellm.embedding(model=config.base_model, input=texts)
            """,
        "svc/via_ollama.py": """
            import ollama
            from svc.config import EmbeddingConfig
            def embed(config: EmbeddingConfig, texts):
                return ollama.Client().embed(model=config.base_model, input=texts)
            """})
    assert models(site(result, "svc/via_litellm.py")) == [
        ("openai/text-embedding-3-small", "svc/svc.toml:3"), ("azure/text-embedding-3-small", "svc/configs/azure.toml:2")]
    assert models(site(result, "svc/via_ollama.py")) == [("mxbai-embed-large", "svc/configs/local.toml:3")]


def test_an_unknown_model_names_the_config_file_that_could_not_be_read(tmp_path):
    result = scan(tmp_path, {
        "configs/app.toml": "[llm\nmodel = 'gpt-4o'\n",
        "app.py": """
            import tomllib
            from openai import OpenAI
            cfg = tomllib.load(open("configs/app.toml", "rb"))
            OpenAI().chat.completions.create(model=cfg["llm"]["model"], messages=[])
            """})
    why = result.call_sites[0].model.unknown
    assert result.call_sites[0].model.value is None
    assert "config files not read: configs/app.toml: Expected ']'" in why and "(at line 1" in why, why


def test_a_yaml_file_named_for_its_configuration_is_read_anywhere_in_the_package(tmp_path):
    result = scan(tmp_path, {
        "pod/__init__.py": "",
        "pod/conversation_config.yaml": "content_generator:\n  llm_model: \"gemini-2.5-flash\"\n",
        "pod/samples.yaml": "content_generator:\n  llm_model: \"not-read\"\n",
        "pod/gen.py": """
            import yaml
            from google import genai
            config = yaml.safe_load(open("conversation_config.yaml"))
            def generate(text):
                model = config["content_generator"]["llm_model"]
                return genai.Client().models.generate_content(model=model, contents=text)
            """})
    assert models(site(result, "pod/gen.py")) == [("gemini-2.5-flash", "pod/conversation_config.yaml:2")]


def test_a_table_picked_at_run_time_gives_each_sdk_the_table_named_after_it(tmp_path):
    result = scan(tmp_path, {
        "config.yaml": "llm:\n  provider: openai\n  openai:\n    model: gpt-4o-mini\n"
                       "  anthropic:\n    model: claude-sonnet-4-5\n",
        "app.py": """
            import yaml, anthropic, litellm
            from openai import OpenAI
            cfg = yaml.safe_load(open("config.yaml"))
            def client_settings(provider):
                return cfg["llm"][provider]
            def ask_openai(q):
                return OpenAI().chat.completions.create(model=client_settings("openai")["model"], messages=[])
            def ask_claude(q):
                return anthropic.Anthropic().messages.create(model=client_settings("anthropic")["model"], max_tokens=5, messages=[])
            def ask_any(q, provider):
                return litellm.completion(model=client_settings(provider)["model"], messages=[])
            """})
    by_line = {s.span.start_line: s for s in result.call_sites}
    assert models(by_line[8]) == [("gpt-4o-mini", "config.yaml:4")]
    assert models(by_line[10]) == [("claude-sonnet-4-5", "config.yaml:6")]
    assert models(by_line[12]) == []
    assert by_line[12].model.unknown.startswith("the key is set in several tables of the project's config files "
                                                "(anthropic, openai: config.yaml:4), none named after this call's SDK (litellm)")


def test_yaml_flow_mappings_and_lists_of_models(tmp_path):
    config = ProjectConfig(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "llm:\n  chat: {model: claude-sonnet-4-5, temperature: 0}\n  fallback_models: [gpt-4o-mini, \"o3-mini\"]\n"
        "  embedders:\n    - text-embedding-3-small\n    - 'text-embedding-3-large'  # bigger\n  tools: [a, [b]]\n")
    assert [(v.value, v.where) for v in config.key(("llm", "chat", "model"))] == [("claude-sonnet-4-5", "config.yaml:2")]
    assert [v.value for v in config.key(("llm", "fallback_models"))] == ["gpt-4o-mini", "o3-mini"]
    assert [(v.value, v.where) for v in config.key(("llm", "embedders"))] == [
        ("text-embedding-3-small", "config.yaml:5"), ("text-embedding-3-large", "config.yaml:6")]
    assert config.key(("llm", "tools")) == []


def test_a_class_that_refuses_other_providers_sends_only_its_own_tables_models(tmp_path):
    result = scan(tmp_path, {
        "svc/__init__.py": "",
        "svc/svc.toml": "[embedding]\nprovider = \"litellm\"\nbase_model = \"openai/text-embedding-3-small\"\n",
        "svc/configs/local.toml": "[embedding]\nprovider = \"ollama\"\nbase_model = \"mxbai-embed-large\"\n",
        "svc/embed.py": """
            from openai import OpenAI
            from pydantic import BaseModel
            class EmbeddingConfig(BaseModel):
                provider: str
                base_model: str
            class OpenAIEmbedder:
                def __init__(self, config: EmbeddingConfig):
                    if config.provider != "openai":
                        raise ValueError("OpenAIEmbedder needs provider openai")
                    self.model = config.base_model
                def embed(self, texts):
                    return OpenAI().embeddings.create(model=self.model, input=texts)
            class LocalEmbedder:
                def __init__(self, config: EmbeddingConfig):
                    provider = config.provider
                    if provider not in ("ollama", "lmstudio"):
                        raise ValueError(provider)
                    self.model = config.base_model
                def embed(self, texts):
                    return OpenAI(base_url="http://localhost:11434/v1").embeddings.create(model=self.model, input=texts)
            """})
    by_line = {s.span.start_line: s for s in result.call_sites}
    assert models(by_line[13]) == []
    assert by_line[13].model.unknown.startswith("the project's config files set this model only for providers litellm, ollama "
                                                "(svc/svc.toml:3), and `OpenAIEmbedder` accepts only openai")
    assert models(by_line[21]) == [("mxbai-embed-large", "svc/configs/local.toml:3")]


def test_a_long_list_in_a_config_file_is_read_in_linear_time(tmp_path):
    import json, resource
    (tmp_path / "config.json").write_text(json.dumps({"llm": {"models": [f"m{i}" for i in range(5000)]}}, indent=1))
    start = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    found = ProjectConfig(tmp_path).key(("llm", "models"))
    assert [(v.value, v.where) for v in found[-1:]] == [("m4999", "config.json:5003")]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_utime - start < 0.5   # quadratic search took ~1.2 s


def test_yaml_line_with_a_long_run_of_spaces_reads_in_linear_time(tmp_path):
    """A hostile config line (`key: a<80k spaces>b`, a key split by them) once backtracked quadratically in
    the YAML key pattern: some 40 s of CPU; now well under a second, with the same values."""
    import resource

    spaces = " " * 80_000
    (tmp_path / "config.yaml").write_text(
        f"llm:\n  note: a{spaces}b\n  model: gpt-4o\nbad{spaces}key\nalso{spaces}bad: y\n")
    started = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    values = ProjectConfig(tmp_path).key(("llm", "model"))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_utime - started < 2.0
    assert [(v.value, v.where) for v in values] == [("gpt-4o", "config.yaml:3")]
