"""A provider's name is not a model: `provider="openai"` flowing into a model variable (a legacy call
where the first argument was the model) names no row of the price data, and a branch that runs only
when the model is unset adds nothing when every caller passes one. Real model names stay."""
from __future__ import annotations

from site_lines import line_of, models_at, scan_project

FACTORY = """
    from openai import OpenAI


    def embedding_factory(provider: str = "openai", model: str | None = None, client=None):
        if client is None and model is None:          # legacy call: the first argument was the model
            model = provider if "-" in provider else "text-embedding-ada-002"
        return OpenAIEmbeddings(client=client, model=model or "text-embedding-ada-002")


    class OpenAIEmbeddings:
        def __init__(self, client, model="text-embedding-3-small"):
            self.client, self.model = client, model

        def embed(self, t):
            return self.client.embeddings.create(model=self.model, input=t)
    """
CALLER = """
    from openai import OpenAI
    from app.emb import embedding_factory

    emb = embedding_factory("openai", "text-embedding-3-small", client=OpenAI())
    """


def test_invalid_legacy_branch_untaken_when_every_caller_passes_the_model(tmp_path):
    result = scan_project(tmp_path, {"app/__init__.py": "", "app/emb.py": FACTORY, "app/main.py": CALLER})
    line = line_of(FACTORY, "embeddings.create")
    assert models_at(result, "app/emb.py", line) == ["text-embedding-3-small"]


def test_invalid_provider_default_is_not_a_model(tmp_path):
    # nobody in the package calls the factory: its legacy branch can run, and sends the fallback model
    result = scan_project(tmp_path, {"app/__init__.py": "", "app/emb.py": FACTORY})
    models = models_at(result, "app/emb.py", line_of(FACTORY, "embeddings.create"))
    assert "openai" not in models and {"text-embedding-3-small", "text-embedding-ada-002"} <= set(models)


def test_invalid_bare_provider_name_from_a_backend_parameter(tmp_path):
    src = """
        import litellm

        def ask(prompt, backend="gemini", model=None):
            name = model or backend
            return litellm.completion(model=name, messages=[{"role": "user", "content": prompt}])
        """
    result = scan_project(tmp_path, {"app.py": src})
    assert models_at(result, "app.py", line_of(src, "litellm.completion")) == []


def test_valid_model_names_that_start_with_a_provider_stay(tmp_path):
    src = """
        import ollama
        from mistralai import Mistral

        def local(prompt, model="mistral"):
            return ollama.chat(model=model, messages=[{"role": "user", "content": prompt}])

        def hosted(prompt, model="mistral-large-latest"):
            return Mistral(api_key="k").chat.complete(model=model, messages=[{"role": "user", "content": prompt}])
        """
    result = scan_project(tmp_path, {"app.py": src})
    assert models_at(result, "app.py", line_of(src, "ollama.chat")) == ["mistral"]
    assert models_at(result, "app.py", line_of(src, "chat.complete")) == ["mistral-large-latest"]


def test_valid_unset_branch_runs_when_a_caller_leaves_the_model_out(tmp_path):
    src = """
        from openai import OpenAI

        def embed(text, model=None, client=None):
            if client is None and model is None:
                model = "text-embedding-3-large"
            return (client or OpenAI()).embeddings.create(model=model, input=text)

        embed("a")
        embed("b", model="text-embedding-3-small", client=OpenAI())
        """
    result = scan_project(tmp_path, {"app.py": src})
    assert set(models_at(result, "app.py", line_of(src, "embeddings.create"))) == \
        {"text-embedding-3-large", "text-embedding-3-small"}
