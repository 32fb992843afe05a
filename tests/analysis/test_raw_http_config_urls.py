"""Raw HTTP to a provider whose URL is built from configuration or a constant: the forms real clients use
(httpx's `client.stream("POST", url, …)`, a client's `.post` handed to a retry wrapper, a client made with
`base_url=` and posted a relative path, a provider host of the host table on a request path, a URL built
by a small helper function, a rerank body), and a proxy route that forwards its incoming body. A query
string's secrets are never reported, and a hostile file of URL chains scans in bounded steps."""
from __future__ import annotations

import textwrap

import pytest

from site_lines import line_of as _line, scan_project, site_at, sites_by_line as _sites

STREAMED = '''
import httpx

API_BASE = "https://api.anthropic.com"
RESPONSES_URL = "https://api.openai.com/v1/responses"


async def relay(body, headers):
    async with httpx.AsyncClient(timeout=300.0) as client:
        async with client.stream("POST", f"{API_BASE}/v1/messages", headers=headers, content=body) as reply:
            async for line in reply.aiter_lines():
                yield line


async def respond(settings, request_data, headers):
    endpoint = settings.endpoint or RESPONSES_URL
    async with httpx.AsyncClient() as client:
        async with client.stream("POST", endpoint, json=request_data, headers=headers) as reply:
            async for line in reply.aiter_lines():
                yield line


def complete(messages):
    with httpx.Client() as client:
        with client.stream("POST", url=f"{API_BASE}/v1/messages", json={
                "model": "claude-3-5-haiku-latest", "max_tokens": 200, "messages": messages}) as reply:
            return reply.read()


def models():
    with httpx.Client() as client:
        return client.request("GET", f"{API_BASE}/v1/models").json()
'''


def test_a_streamed_request_takes_its_url_after_the_http_method():
    sites = _sites(STREAMED)
    relay = sites.get(_line(STREAMED, 'client.stream("POST", f"{API_BASE}/v1/messages"'))
    assert relay is not None and relay.sdk == "http" and relay.stream and relay.is_async
    assert relay.endpoint == "https://api.anthropic.com/v1/messages"
    respond = sites.get(_line(STREAMED, 'client.stream("POST", endpoint'))
    assert respond is not None and respond.operation == "responses"
    assert respond.endpoint == "https://api.openai.com/v1/responses"
    complete = sites.get(_line(STREAMED, 'client.stream("POST", url='))
    assert complete is not None and complete.model.value == "claude-3-5-haiku-latest" and not complete.is_async
    assert _line(STREAMED, 'client.request("GET"') not in sites


WRAPPED = '''
import httpx


class LocalServer:
    def __init__(self, url="http://localhost:11434", model="llama3.2"):
        self._url = url
        self.model = model
        self._client = httpx.Client(timeout=60)

    def _call_client(self, method, *args, **kwargs):
        for _attempt in range(3):
            try:
                return method(*args, **kwargs)
            except httpx.HTTPError:
                continue
        raise RuntimeError("no reply")

    def generate(self, prompt):
        data = {"model": self.model, "prompt": prompt, "stream": False}
        return self._call_client(self._client.post, f"{self._url}/api/generate", json=data)


class Hosted:
    def __init__(self, url="https://api.openai.com/v1/chat/completions"):
        self._url = url

    def _retry(self, method, *args, **kwargs):
        return method(*args, **kwargs)

    def ask(self, messages):
        with httpx.Client() as client:
            return self._retry(client.post, self._url, json={"model": "gpt-4o-mini", "messages": messages})

    def ping(self):
        with httpx.Client() as client:
            return self._retry(client.get, "https://status.example.com/ping")
'''


def test_a_clients_post_handed_to_a_retry_wrapper_is_a_site():
    sites = _sites(WRAPPED)
    local = sites.get(_line(WRAPPED, "self._call_client(self._client.post"))
    assert local is not None and local.sdk == "http" and local.operation == "completion"
    assert local.endpoint == "http://localhost:11434/api/generate" and local.model.value == "llama3.2"
    hosted = sites.get(_line(WRAPPED, "self._retry(client.post"))
    assert hosted is not None and hosted.endpoint == "https://api.openai.com/v1/chat/completions"
    assert hosted.model.value == "gpt-4o-mini"
    assert _line(WRAPPED, "self._retry(client.get") not in sites


BASE_URL_CLIENT = '''
import os

import httpx
import requests
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    api_base: str = "https://api.together.xyz/v1"
    chat_model: str = "meta-llama/Llama-3.3-70B-Instruct-Turbo"


class Chat:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.http = httpx.AsyncClient(base_url=settings.api_base, timeout=30)

    async def ask(self, messages):
        body = {"model": self.settings.chat_model, "messages": messages}
        return (await self.http.post("/chat/completions", json=body)).json()

    async def usage(self):
        return (await self.http.post("/billing/usage", json={"period": "month"})).json()


class Rerank:
    def __init__(self, base_url=None, model="rerank-2"):
        self.base_url = base_url or os.getenv("RERANK_BASE_URL") or "https://api.voyageai.com"
        self.model = model

    def rerank(self, query, documents):
        return requests.post(f"{self.base_url}/v1/rerank", json={"query": query, "documents": documents,
                                                                 "model": self.model}, timeout=20)

    def keys(self):
        return requests.post(f"{self.base_url}/v1/keys/rotate", json={"scope": "all"}, timeout=20)
'''


def test_a_relative_path_posted_on_a_client_made_with_a_base_url_is_a_site():
    sites = _sites(BASE_URL_CLIENT)
    chat = sites.get(_line(BASE_URL_CLIENT, 'self.http.post("/chat/completions"'))
    assert chat is not None and chat.sdk == "http" and chat.operation == "chat" and chat.is_async
    assert chat.endpoint == "https://api.together.xyz/v1/chat/completions"
    assert chat.model.value == "meta-llama/Llama-3.3-70B-Instruct-Turbo"
    assert _line(BASE_URL_CLIENT, 'self.http.post("/billing/usage"') not in sites


def test_a_host_of_the_provider_table_on_a_request_path_is_a_site():
    sites = _sites(BASE_URL_CLIENT)
    rerank = sites.get(_line(BASE_URL_CLIENT, 'requests.post(f"{self.base_url}/v1/rerank"'))
    assert rerank is not None and rerank.operation == "rerank" and rerank.model.value == "rerank-2"
    assert rerank.endpoint == "https://api.voyageai.com/v1/rerank"
    assert _line(BASE_URL_CLIENT, "/v1/keys/rotate") not in sites


HELPERS_AND_PROXIES = '''
import httpx
import requests
from fastapi import FastAPI, Request

app = FastAPI()
UPSTREAM = "https://api.anthropic.com/v1/messages"


def api_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


class Embedder:
    def __init__(self, base_url="https://api.mistral.ai", model="mistral-embed"):
        self.base_url = base_url
        self.model = model

    def embed(self, texts):
        return requests.post(api_url(self.base_url, "v1/embeddings"), json={"model": self.model, "input": texts})

    def health(self):
        return requests.post(api_url(self.base_url, "v1/health"), json={})


class Ranker:
    def __init__(self, base_url="https://ranker.internal.example", model="rerank-qa"):
        self.base_url = base_url
        self.model = model

    def rank(self, query, passages):
        return requests.post(url=f"{self.base_url.rstrip('/')}/v1/ranking",
                             json={"model": self.model, "query": {"text": query}, "passages": passages})


@app.post("/v1/messages")
async def forward(request: Request):
    body = await request.json()
    async with httpx.AsyncClient() as client:
        reply = await client.post(UPSTREAM, json=body, headers={"anthropic-version": "2023-06-01"})
    return reply.json()
'''


def test_a_url_a_helper_function_builds_from_its_arguments_is_read():
    sites = _sites(HELPERS_AND_PROXIES)
    embed = sites.get(_line(HELPERS_AND_PROXIES, 'api_url(self.base_url, "v1/embeddings")'))
    assert embed is not None and embed.operation == "embedding" and embed.model.value == "mistral-embed"
    assert embed.endpoint == "https://api.mistral.ai/v1/embeddings"
    assert _line(HELPERS_AND_PROXIES, '"v1/health"') not in sites


def test_a_ranking_body_of_passages_sent_to_a_configured_server_is_a_rerank():
    site = _sites(HELPERS_AND_PROXIES).get(_line(HELPERS_AND_PROXIES, 'requests.post(url=f"{self.base_url'))
    assert site is not None and site.sdk == "http" and site.operation == "rerank" and site.model.value == "rerank-qa"


def test_a_proxy_route_forwarding_its_body_is_a_site_whose_model_is_the_clients():
    site = _sites(HELPERS_AND_PROXIES).get(_line(HELPERS_AND_PROXIES, "client.post(UPSTREAM, json=body"))
    assert site is not None and site.sdk == "http" and site.operation == "chat"
    assert site.endpoint == "https://api.anthropic.com/v1/messages"
    assert site.model.value is None and "request.json()" in site.model.unknown
    assert "client" in site.model.unknown and "forward" in site.model.unknown


def test_a_key_in_the_query_string_is_never_reported():
    source = '''
        import requests

        BASE = "https://generativelanguage.googleapis.com/v1beta"
        KEY = "AIzaSyD-not-a-real-key-0123456789abcdef"


        def ask(text):
            url = f"{BASE}/models/gemini-2.0-flash:generateContent?key={KEY}&alt=sse"
            return requests.post(url, json={"contents": [{"parts": [{"text": text}]}]})
        '''
    site = _sites(source)[_line(source, "requests.post(url")]
    assert site.endpoint == "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"
    assert "AIza" not in repr(site)



def test_credentials_before_the_host_are_never_reported():
    source = '''
        import os

        import requests

        BASE = "https://alice:Tz9Qx2LmN4pw@api.openai.com/v1"


        def ask(messages):
            return requests.post(f"{BASE}/chat/completions", json={"model": "gpt-4o", "messages": messages})


        def relay(messages):
            url = os.getenv("LLM_URL", "https://carol:Zm2Xn4Cb6Vq8@llm.example.com/v1/chat/completions")
            return requests.post(url, json={"model": "gpt-4o", "messages": messages})
        '''
    sites = _sites(source)
    asked, relayed = sites[_line(source, 'requests.post(f"{BASE}')], sites[_line(source, "requests.post(url")]
    assert asked.endpoint == "https://api.openai.com/v1/chat/completions"
    assert relayed.endpoint == "https://llm.example.com/v1/chat/completions"
    assert "Tz9Qx2LmN4pw" not in repr(asked) and "Zm2Xn4Cb6Vq8" not in repr(relayed)

def _url_chains(levels: int = 22, terms: int = 400) -> str:
    """A stranger's file of URL and model chains: constants doubled level after level (each twice the last),
    a long `+` chain, a string repeated 10**11 times, helper functions that call the one before twice."""
    lines = ["import requests", "from openai import OpenAI", "", 'U0 = "https://api.openai.com/v1"', 'M0 = "gpt-4o"',
             'E0 = ""']
    for i in range(1, levels):
        lines += [f"U{i} = U{i - 1} + U{i - 1}", f"M{i} = M{i - 1} + M{i - 1}", f"E{i} = E{i - 1} + E{i - 1} + E{i - 1}"]
    lines += ["LONG = U0 + " + " + ".join(['"/v1"'] * terms), 'WIDE = U0 + "/" * 100000000000', "",
              "def h0(x):", "    return x + '/'"]
    for i in range(1, levels):
        lines += [f"def h{i}(x):", f"    return h{i - 1}(x) + h{i - 1}(x)"]
    last = levels - 1
    lines += ["", "def ask(messages):",
              f'    a = requests.post(U{last} + "/chat/completions", json={{"model": M{last}, "messages": messages}})',
              f'    b = requests.post(E{last} + LONG + WIDE + "/chat/completions", json={{"model": "m", "messages": messages}})',
              f'    c = requests.post(h{last}(U0) + "/chat/completions", json={{"model": E{last}, "messages": messages}})',
              f"    d = OpenAI().chat.completions.create(model=M{last} + E{last}, messages=messages)",
              "    return a, b, c, d"]
    return "\n".join(lines) + "\n"


def test_a_file_of_url_chains_scans_in_bounded_steps_and_memory(monkeypatch):
    """Doubled constants once built strings of 2**levels copies (gigabytes at 30 levels) while a site's
    model and URL base were read; every chain must now stay within fixed steps and memory."""
    import tracemalloc

    from llmsight import api
    from llmsight.analysis.discover import FileDiscovery
    from llmsight.analysis.evaluate import Evaluator

    steps = [0]

    def counting(original):
        def step(*args, **kwargs):
            steps[0] += 1
            return original(*args, **kwargs)
        return step

    monkeypatch.setattr(Evaluator, "_eval", counting(Evaluator._eval))
    monkeypatch.setattr(FileDiscovery, "_urls_of", counting(FileDiscovery._urls_of))
    source = _url_chains()
    tracemalloc.start()
    try:
        result = api.check_source(source, "chains.py", select=["NONE"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.errors, result.errors
    assert peak < 48 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert steps[0] < 400_000, f"{steps[0]} steps"
    found = {s.span.start_line for s in result.call_sites}
    assert {_line(source, "a = requests.post"), _line(source, "d = OpenAI()")} <= found



def test_a_url_built_longer_than_any_url_is_unknown():
    """An f-string repeating a long constant was built whole, field after field (900 fields of a 200,000-
    character constant took 17 CPU-s and 180 MB); past `MAX_BUILT_LENGTH` a URL is unknown, as the
    evaluator's built strings are, and the site is read from its body."""
    pad = "a" * 4_000
    source = "\n".join([
        "import requests", f"PAD = {pad!r}",
        "URL = f'https://api.openai.com/" + "{PAD}" * 300 + "/v1/chat/completions'",
        "def ask(messages):",
        "    return requests.post(URL, json={'model': 'gpt-4o', 'messages': messages})"])
    site = _sites(source)[_line(source, "requests.post(URL")]
    assert site.operation == "chat" and site.endpoint is None
    assert len(repr(site)) < 10_000

BODIES = '''
import json
import os

import requests

SERVER = os.environ["GENERATION_SERVER"]


def tgi(prompt):
    return requests.post(f"{SERVER}/generate", json={"inputs": prompt, "parameters": {"max_new_tokens": 256}})


def sglang(prompt):
    return requests.post(f"{SERVER}/generate", json={"text": prompt, "sampling_params": {"max_new_tokens": 64}})


def legacy(prompt):
    return requests.post(SERVER, data=json.dumps({"model": "gpt-3.5-turbo-instruct", "prompt": prompt,
                                                  "max_tokens": 40}), headers={"Content-Type": "application/json"})


def chat_as_text(messages):
    return requests.post(SERVER, data=json.dumps({"model": "gpt-4o-mini", "messages": messages, "max_tokens": 80}))


def metrics(name):
    return requests.post(f"{SERVER}/metrics", json={"name": name, "value": 1})
'''


def test_generation_bodies_to_a_configured_server_are_sites_and_a_text_body_is_read():
    sites = _sites(BODIES)
    for text in ('json={"inputs": prompt', 'json={"text": prompt', 'data=json.dumps({"model": "gpt-3.5'):
        site = sites.get(_line(BODIES, text))
        assert site is not None and site.sdk == "http" and site.operation == "completion", text
    legacy = sites[_line(BODIES, 'data=json.dumps({"model": "gpt-3.5')]
    assert legacy.model.value == "gpt-3.5-turbo-instruct" and legacy.max_tokens.value == 40
    chat = sites[_line(BODIES, 'data=json.dumps({"model": "gpt-4o-mini"')]
    assert chat.operation == "chat" and chat.model.value == "gpt-4o-mini" and chat.max_tokens.value == 80
    assert _line(BODIES, "/metrics") not in sites


STDLIB = '''
import json
import urllib.request
from urllib.request import Request, urlopen

API = "https://api.anthropic.com/v1"


def ask(messages):
    body = json.dumps({"model": "claude-3-5-haiku-latest", "max_tokens": 300, "messages": messages}).encode()
    req = urllib.request.Request(f"{API}/messages", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as reply:
        return json.load(reply)


def embed(texts):
    payload = json.dumps({"model": "text-embedding-3-small", "input": texts}).encode("utf-8")
    return json.load(urlopen("https://api.openai.com/v1/embeddings", payload))


def page(url):
    return urlopen(Request(url, headers={"User-Agent": "x"})).read()
'''


def test_the_standard_librarys_urlopen_of_a_provider_request_is_a_site():
    sites = _sites(STDLIB)
    ask = sites.get(_line(STDLIB, "urllib.request.urlopen(req"))
    assert ask is not None and ask.sdk == "http" and ask.operation == "chat"
    assert ask.endpoint == "https://api.anthropic.com/v1/messages" and ask.model.value == "claude-3-5-haiku-latest"
    assert ask.max_tokens.value == 300 and ask.timeout.value == 60
    embed = sites.get(_line(STDLIB, 'urlopen("https://api.openai.com/v1/embeddings"'))
    assert embed is not None and embed.operation == "embedding" and embed.model.value == "text-embedding-3-small"
    assert _line(STDLIB, "urlopen(Request(url") not in sites


SUBCLASS_CALLERS = {
    "pkg/__init__.py": "",
    "pkg/base.py": '''
        import requests


        class BaseClient:
            def __init__(self, api_base="https://api.openai.com/v1"):
                self.api_base = api_base
                self.session = requests.Session()

            def _request(self, endpoint, method="POST", body=None):
                return self.session.request(url=f"{self.api_base}{endpoint}", method=method, json=body)
        ''',
    "pkg/chat.py": '''
        from pkg.base import BaseClient


        class Chat(BaseClient):
            def ask(self, messages):
                return self._request("/chat/completions", body={"model": "gpt-4o-mini", "messages": messages})

            def usage(self):
                return self._request("/usage", method="GET")
        ''',
}


def test_a_request_method_given_its_endpoint_by_subclasses_in_other_modules_is_a_site(tmp_path):
    site = site_at(scan_project(tmp_path, SUBCLASS_CALLERS), "pkg/base.py", 11)
    assert site.sdk == "http" and site.operation == "chat" and site.model.value == "gpt-4o-mini"
    assert site.endpoint == "https://api.openai.com/v1/chat/completions"


CONFIG_BASES = '''
import os
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
import requests
from fastapi import FastAPI, Request
from pydantic_settings import BaseSettings

BASE = "https://api.anthropic.com"
OPENAI_BASE = os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
DEFAULT_MODEL = "gpt-4o-mini"
app = FastAPI()


@dataclass
class Config:
    base_url: str = "https://api.deepseek.com"
    model: str = "deepseek-chat"


class Settings(BaseSettings):
    api_base: str = "https://api.openai.com/v1/"


settings = Settings()


class Client:
    def __init__(self, config: Config, base_url=None):
        self.config = config
        self.base_url = (base_url or os.getenv("MISTRAL_BASE_URL") or "https://api.mistral.ai/v1").rstrip("/")
        self.http = httpx.Client()

    def chat(self, messages):
        return self.http.post(f"{self.config.base_url}/chat/completions",
                              json={"model": self.config.model, "messages": messages})

    def mistral(self, messages):
        return self.http.post(self.base_url + "/chat/completions", json={"model": "mistral-small-latest",
                                                                         "messages": messages})


def claude(messages):
    return requests.post(BASE + "/v1/messages", json={"model": "claude-3-5-haiku-latest", "max_tokens": 100,
                                                      "messages": messages})


def gpt(messages):
    return requests.post(f"{OPENAI_BASE}/chat/completions", json={"model": "gpt-4o", "messages": messages})


def embed(texts):
    return requests.post(urljoin(settings.api_base, "embeddings"), json={"model": "text-embedding-3-small",
                                                                        "input": texts})


@app.post("/v1/chat/completions")
async def relay(request: Request):
    body = await request.json()
    body["model"] = body.get("model") or DEFAULT_MODEL
    async with httpx.AsyncClient() as client:
        return (await client.post("https://api.openai.com/v1/chat/completions", json=body)).json()
'''


@pytest.mark.parametrize("text, endpoint, model", [
    ('self.http.post(f"{self.config.base_url}', "https://api.deepseek.com/chat/completions", "deepseek-chat"),
    ('self.http.post(self.base_url + "/chat', "https://api.mistral.ai/v1/chat/completions", "mistral-small-latest"),
    ('requests.post(BASE + "/v1/messages"', "https://api.anthropic.com/v1/messages", "claude-3-5-haiku-latest"),
    ('requests.post(f"{OPENAI_BASE}', "https://api.openai.com/v1/chat/completions", "gpt-4o"),
    ("requests.post(urljoin(settings.api_base", "https://api.openai.com/v1/embeddings", "text-embedding-3-small"),
    ('(await client.post("https://api.openai.com', "https://api.openai.com/v1/chat/completions", "gpt-4o-mini"),
], ids=["dataclass-default", "or-chain-rstrip", "module-constant", "env-default", "urljoin-settings", "proxy-sets-model"])
def test_a_base_from_configuration_or_a_constant_plus_a_path_names_the_provider(text, endpoint, model):
    site = _sites(CONFIG_BASES).get(_line(CONFIG_BASES, text))
    assert site is not None and site.sdk == "http" and site.endpoint == endpoint and site.model.value == model


def test_token_counting_endpoints_are_not_requests():
    source = '''
        import os

        import requests

        SERVER = os.environ["LLM_SERVER"]


        def count(messages):
            return requests.post("https://api.anthropic.com/v1/messages/count_tokens",
                                 json={"model": "claude-3-5-haiku-latest", "messages": messages})


        def count_gemini(text):
            return requests.post("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:countTokens",
                                 json={"contents": [{"parts": [{"text": text}]}]})


        def tokenize(messages):
            return requests.post(f"{SERVER}/tokenize", json={"model": "local", "messages": messages})


        def ask(messages):
            return requests.post("https://api.anthropic.com/v1/messages", json={"model": "claude-3-5-haiku-latest",
                                                                                "messages": messages})
        '''
    assert sorted(_sites(source)) == [_line(source, 'requests.post("https://api.anthropic.com/v1/messages", json')]


def test_an_openai_shaped_raw_request_to_a_gateway_is_priced_as_the_sdks_request_is():
    from llmsight import api

    source = '''
        import requests
        from openai import OpenAI

        GATEWAY = "https://llm-gateway.example.org/v1"


        def raw(messages):
            return requests.post(f"{GATEWAY}/chat/completions", json={"model": "gpt-4o-mini", "messages": messages,
                                                                       "max_tokens": 100})


        def sdk(messages):
            return OpenAI(base_url=GATEWAY).chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                                    max_tokens=100)


        def other(messages):
            return requests.post(f"{GATEWAY}/chat/completions", json={"model": "mistral-small-latest",
                                                                       "messages": messages, "max_tokens": 100})
        '''
    result = api.check_source(textwrap.dedent(source), "gateway.py", select=["NONE"])
    cost = {s.span.start_line: result.estimates[s.id].cost_per_call.value for s in result.call_sites}
    assert cost[_line(source, "def raw") + 1] is not None
    assert cost[_line(source, "def raw") + 1] == cost[_line(source, "def sdk") + 1]
    assert cost[_line(source, "def other") + 1] is None   # the gateway's own price for another provider's model


def test_a_chat_body_a_helper_builds_sent_as_encoded_text_to_a_configured_url_is_a_site():
    source = '''
        import json
        import os

        import requests

        URL = os.environ["LLM_URL"]


        class Client:
            model = "served-model"

            def _payload(self, messages):
                return {"model": self.model, "messages": messages, "max_tokens": 50}

            def ask(self, messages):
                return requests.post(URL, data=json.dumps(self._payload(messages)).encode("utf-8"))

            def log(self, event):
                return requests.post(URL, data=json.dumps({"event": event}).encode("utf-8"))
        '''
    sites = _sites(source)
    site = sites.get(_line(source, "json.dumps(self._payload"))
    assert site is not None and site.operation == "chat" and site.model.value == "served-model"
    assert site.max_tokens.value == 50
    assert _line(source, '{"event": event}') not in sites
