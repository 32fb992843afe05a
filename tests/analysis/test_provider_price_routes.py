"""Which price-data row prices a site: the row of the provider the code reaches (the host of a base URL
that a helper method, an environment default or a settings field holds), never another provider's row
for the same name (a host the price data has no provider for prices only the client's own provider's
models); and rows billed per character (OpenAI's tts-1, Vertex's PaLM rows) are priced from the text's
size in characters."""
from __future__ import annotations

import pytest

from llmsight import api
from llmsight.analysis.catalog_names import catalog_entry
from llmsight.knowledge.catalog import Catalog
from llmsight.knowledge.tokens import FALLBACK_CHARS_PER_TOKEN

SOURCE = '''import os
import httpx
from openai import OpenAI

gateway = OpenAI(base_url="https://llm.inference-host.example/v1")
GREETING = "Welcome back to the show, here is today's news."


class Raw:
    model: str = "mistral-medium-latest"
    base_url: str = "https://api.mistral.ai/v1"

    def _base(self):
        return str(os.getenv("MISTRAL_BASE_URL", self.base_url)).rstrip("/")

    async def post(self, m):
        url = f"{self._base()}/chat/completions"
        async with httpx.AsyncClient() as client:
            return await client.post(url, json={"model": self.model, "messages": m})          # 19


def other_providers_model(m):
    return gateway.chat.completions.create(model="claude-3-7-sonnet-20250219", messages=m)   # 23


def own_providers_model(m):
    return gateway.chat.completions.create(model="gpt-4o-mini", messages=m)                  # 27


def speech_of_literal():
    return OpenAI().audio.speech.create(model="tts-1", voice="alloy", input=GREETING)       # 31


def speech_of_text(text):
    return OpenAI().audio.speech.create(model="tts-1-hd", voice="alloy", input=text)        # 35
'''


def _estimates(config=None):
    result = api.check_source(SOURCE, "sites.py", config=config)
    return {s.span.start_line: (s, result.estimates[s.id]) for s in result.call_sites}


@pytest.fixture(scope="module")
def sites():
    return _estimates()


def _row(site) -> str | None:
    info = catalog_entry(Catalog.load(None), site, site.model.value)
    return info.name if info is not None else None


# VALID: priced at the row of the provider the code reaches
def test_raw_request_to_a_base_url_a_method_returns_is_priced_at_that_providers_row(sites):
    site, est = sites[19]
    assert site.endpoint == "https://api.mistral.ai/v1/chat/completions"
    assert _row(site) == "mistral/mistral-medium-latest"
    assert est.cost_per_call.value > 0


def test_own_providers_model_on_an_unknown_host_is_priced_at_its_row(sites):
    site, est = sites[27]
    assert _row(site) == "gpt-4o-mini"
    assert est.cost_per_call.value > 0


# INVALID: another provider's row never prices a call
def test_other_providers_model_on_an_unknown_host_is_not_priced(sites):
    site, est = sites[23]
    assert _row(site) is None
    assert est.cost_per_call.value is None
    assert "llm.inference-host.example" in est.cost_per_call.prior


def test_a_project_mapping_prices_a_model_on_an_unknown_host():
    site, est = _estimates({"models": {"claude-3-7-sonnet-20250219": "claude-3-7-sonnet-20250219"}})[23]
    assert est.cost_per_call.value > 0


# per-character rows
def test_speech_of_literal_text_is_priced_per_character(sites):
    site, est = sites[31]
    rate = Catalog.load(None).lookup("tts-1").raw["input_cost_per_character"]
    chars = len("Welcome back to the show, here is today's news.")
    assert est.cost_per_call.value == pytest.approx(chars * rate)
    assert "character" in est.cost_per_call.prior


def test_speech_of_run_time_text_is_priced_from_default_input_tokens_in_characters():
    site, est = _estimates({"default_input_tokens": 100})[35]
    rate = Catalog.load(None).lookup("tts-1-hd").raw["input_cost_per_character"]
    assert est.cost_per_call.value == pytest.approx(100 * FALLBACK_CHARS_PER_TOKEN * rate)
    assert any("characters per token" in n for n in est.notes), est.notes


def test_speech_of_run_time_text_without_an_input_size_is_not_priced_at_zero(sites):
    site, est = sites[35]
    assert est.cost_per_call.value is None
    assert "default_input_tokens" in est.cost_per_call.prior


@pytest.mark.parametrize("component, model, row", [
    ("MistralChatGenerator", "mistral-small", "mistral/mistral-small"),          # VALID: the class names Mistral
    ("OpenRouterChatGenerator", "mistral-small", None),                          # INVALID: no bare row by that name
])
def test_haystack_provider_component_names_the_route(component, model, row):
    source = f'''from haystack_integrations.components.generators.x import {component}

llm = {component}(model="{model}")


def ask(messages):
    return llm.run(messages=messages)
'''
    (site,) = api.check_source(source, "rag.py").call_sites
    assert _row(site) == row


def test_elevenlabs_speech_is_priced_per_character_at_its_own_row():
    source = '''from elevenlabs.client import ElevenLabs

client = ElevenLabs()


def speak():
    return client.text_to_speech.convert(voice_id="v1", text="Hello world", model_id="eleven_multilingual_v2")
'''
    result = api.check_source(source, "voice.py")
    (site,) = result.call_sites
    assert _row(site) == "elevenlabs/eleven_multilingual_v2"
    rate = Catalog.load(None).lookup("elevenlabs/eleven_multilingual_v2").raw["input_cost_per_character"]
    assert result.estimates[site.id].cost_per_call.value == pytest.approx(len("Hello world") * rate)


# INVALID: an SDK that names its provider is never priced at another provider's row of the same name
def test_hugging_face_client_is_not_priced_at_another_providers_row():
    source = '''from huggingface_hub import InferenceClient

client = InferenceClient()


def ask(messages):
    return client.chat_completion(messages, model="gpt-4o-mini")
'''
    (site,) = api.check_source(source, "hf.py").call_sites
    assert site.sdk == "huggingface" and _row(site) is None


@pytest.mark.parametrize("request_line", [
    'ChatOpenAI(openai_api_base="https://api.groq.com/openai/v1", model="llama-3.3-70b-versatile").invoke(m)',
    'litellm.completion(model="openai/llama-3.3-70b-versatile", api_base="https://api.groq.com/openai/v1", messages=m)',
])
def test_base_url_keywords_of_frameworks_name_the_route(request_line):
    source = f'''import litellm
from langchain_openai import ChatOpenAI


def ask(m):
    return {request_line}
'''
    (site,) = api.check_source(source, "frameworks.py").call_sites
    assert site.endpoint == "https://api.groq.com/openai/v1"
    assert _row(site) == "groq/llama-3.3-70b-versatile"


def test_base_url_the_projects_env_example_sets_names_the_route(tmp_path):
    from test_model_resolution import scan

    result = scan(tmp_path, {
        ".env.example": "LLM_BASE_URL=https://api.deepseek.com/v1\n",
        "app/llm.py": '''
            import os
            from openai import OpenAI

            client = OpenAI(base_url=os.getenv("LLM_BASE_URL"))


            def ask(m):
                return client.chat.completions.create(model="deepseek-chat", messages=m)
        ''',
    })
    (site,) = result.call_sites
    assert site.endpoint == "https://api.deepseek.com/v1"
    assert _row(site) == "deepseek/deepseek-chat"


@pytest.mark.parametrize("client", ['OpenAI(base_url="https://open.bigmodel.cn/api/paas/v4")', "ZhipuAI()"])
def test_bigmodel_cn_is_priced_at_its_own_rows_not_z_ais(client):
    source = f'''from openai import OpenAI
from zhipuai import ZhipuAI


def ask(m):
    return {client}.chat.completions.create(model="glm-5.3", messages=m)
'''
    (site,) = api.check_source(source, "glm.py").call_sites
    assert _row(site) == "bigmodel/glm-5.3"
