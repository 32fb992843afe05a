"""A helper that dispatches on the model's provider prefix (issue 12 item 1): each `return` sends only
the models its branch admits — `model[6:]` under `model.startswith("azure/")`, and the bare `model` of the
final `else` only the models no earlier prefix test took (never `azure/gpt-4.1` unstripped)."""
from __future__ import annotations

from test_model_resolution import model_set, scan, site_at

APP = """
    from openai import AzureOpenAI, OpenAI

    MODELS = {"fast": "azure/gpt-4.1", "smart": "openai/gpt-5", "local": "ollama/llama3.1", "plain": "gpt-4o"}


    class Provider:
        def __init__(self):
            self.openai_client = OpenAI()
            self.azure_client = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-02-01")
            self.ollama_client = OpenAI(base_url="http://localhost:11434/v1")

        def _client_and_model(self, model: str):
            if model.startswith("azure/"):
                return self.azure_client, model[6:]
            elif model.startswith("openai/"):
                return self.openai_client, model[7:]
            elif model.startswith("ollama/"):
                return self.ollama_client, model[len("ollama/"):]
            else:
                return self.openai_client, model

        def _model_only(self, model: str):
            if model.startswith("azure/"):
                return model.removeprefix("azure/")
            return model

        def run(self, kind, messages):
            client, model_name = self._client_and_model(MODELS[kind])
            return client.chat.completions.create(model=model_name, messages=messages)

        def embed(self, kind, text):
            return self.openai_client.embeddings.create(model=self._model_only(MODELS[kind]), input=text)
    """


def test_each_return_of_a_prefix_dispatch_sends_the_models_its_branch_admits(tmp_path):
    result = scan(tmp_path, {"app.py": APP})
    assert sorted(model_set(site_at(result, "app.py", 30))) == ["gpt-4.1", "gpt-4o", "gpt-5", "llama3.1"]
    # a plain OpenAI() client: a local server's prefixed model never reaches it
    assert sorted(model_set(site_at(result, "app.py", 33))) == ["gpt-4.1", "gpt-4o", "openai/gpt-5"]
