"""Requests a careful reader finds that no SDK method names at the call: DSPy modules and LMs called like
functions (the LM call is made inside DSPy, with the globally configured LM's litellm-style model); a
client stored on `self` and called (`self.llm(...)`); and a raw-HTTP helper in one module whose URL the
package's callers pass from another."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api
from site_lines import line_of as _line, sites_by_line as _sites

DSPY = '''
import dspy

lm = dspy.LM("openai/gpt-4o-mini", max_tokens=300, num_retries=2)
dspy.configure(lm=lm)

qa = dspy.Predict("question -> answer")
answer = qa(question="What is DSPy?")
reasoned = dspy.ChainOfThought("question -> answer")(question="Why?")
raw = lm("Say hello")


class Rag(dspy.Module):
    def __init__(self):
        self.retrieve = dspy.Retrieve(k=3)
        self.respond = dspy.ChainOfThought("context, question -> answer")

    def forward(self, question):
        context = self.retrieve(question).passages
        return self.respond(context=context, question=question)


program = Rag()
prediction = program(question="What is DSPy?")
unused = dspy.Predict("q -> a")
'''


def test_dspy_predictors_and_lm_calls_are_sites_with_the_configured_lm_model():
    sites = _sites(DSPY)
    for text in ('qa(question=', 'dspy.ChainOfThought("question -> answer")(', 'lm("Say hello")',
                 'self.respond(context='):
        site = sites.get(_line(DSPY, text))
        assert site is not None, text
        assert site.sdk == "dspy" and site.operation == "chat"
        assert site.model.value == "openai/gpt-4o-mini", (text, site.model)
    predict = sites[_line(DSPY, 'qa(question=')]
    assert predict.max_tokens.value == 300 and predict.retries.value == 2


def test_dspy_constructions_retrievers_and_user_modules_are_not_sites():
    sites = _sites(DSPY)
    for text in ('self.retrieve(question)', 'program(question=', 'unused = dspy.Predict', 'lm = dspy.LM(',
                 'dspy.configure(lm=lm)'):
        assert _line(DSPY, text) not in sites, text


def test_a_dspy_module_with_no_lm_configured_says_so():
    source = '''
        import dspy

        summarize = dspy.ChainOfThought("document -> summary")
        out = summarize(document="...")
        '''
    site = _sites(source)[_line(source, "summarize(document=")]
    assert site.sdk == "dspy" and site.model.value is None and site.model.unknown


def test_a_chat_model_on_self_called_like_a_function_is_a_site():
    source = '''
        from langchain_openai import ChatOpenAI

        class Agent:
            def __init__(self):
                self.llm = ChatOpenAI(model="gpt-4o-mini")
                self.name = str("agent")

            def reply(self, messages):
                return self.llm(messages)

            def label(self):
                return self.name("x")
        '''
    sites = _sites(source)
    site = sites.get(_line(source, "self.llm(messages)"))
    assert site is not None and site.sdk == "langchain" and site.model.value == "gpt-4o-mini"
    assert _line(source, 'self.name("x")') not in sites


HTTP_FILES = {
    "app/__init__.py": "",
    "app/transport.py": '''
        import requests


        def post_json(url, payload, timeout=30):
            return requests.post(url, json=payload, timeout=timeout)


        def fetch_page(url):
            return requests.post(url, data={"q": "x"})
        ''',
    "app/llm.py": '''
        from app.transport import fetch_page, post_json

        CHAT_URL = "https://api.anthropic.com/v1/messages"


        def ask(messages):
            return post_json(CHAT_URL, {"model": "claude-3-5-haiku-latest", "messages": messages})


        def crawl():
            return fetch_page("https://example.com/search")
        ''',
}


def _project(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False).call_sites


def test_an_http_helper_given_a_provider_url_by_another_module_is_a_site(tmp_path: Path):
    sites = {(s.span.path, s.span.start_line): s for s in _project(tmp_path, HTTP_FILES)}
    site = sites.get(("app/transport.py", 6))
    assert site is not None and site.sdk == "http" and site.operation == "chat"
    assert site.endpoint == "https://api.anthropic.com/v1/messages"
    assert site.model.value == "claude-3-5-haiku-latest"


def test_a_helpers_request_body_takes_the_models_its_callers_bodies_name():
    source = '''
        import requests

        API = "https://api.openai.com/v1"


        class Client:
            def _post(self, path, payload):
                return requests.post(API + path, json=payload, timeout=30)

            def ask(self, messages):
                return self._post("/chat/completions", {"model": "gpt-4o-mini", "messages": messages})

            def ask_hard(self, messages):
                return self._post("/chat/completions", {"model": "gpt-4o", "messages": messages})
        '''
    site = _sites(source)[_line(source, "requests.post(API + path")]
    assert site.endpoint == "https://api.openai.com/v1/chat/completions"
    assert {c.value for c in site.model.candidates} == {"gpt-4o-mini", "gpt-4o"}


def test_an_http_helper_only_given_other_urls_is_not_a_site(tmp_path: Path):
    sites = {(s.span.path, s.span.start_line) for s in _project(tmp_path, HTTP_FILES)}
    assert ("app/transport.py", 10) not in sites and not any(p == "app/llm.py" for p, _ in sites)


def test_dspy_modules_of_a_package_with_its_own_lm_class_are_not_sites(tmp_path: Path):
    """The package sends the request in its own LM class; a predictor call runs through it (one request)."""
    files = {
        "app/__init__.py": "",
        "app/lm.py": '''
            import dspy
            from openai import OpenAI


            class OpenAIModel(dspy.OpenAI):
                def basic_request(self, prompt, **kwargs):
                    return OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[
                        {"role": "user", "content": prompt}])
            ''',
        "app/writer.py": '''
            import dspy


            class Writer(dspy.Module):
                def __init__(self):
                    self.write = dspy.Predict("topic -> text")

                def forward(self, topic):
                    return self.write(topic=topic)
            ''',
    }
    sites = {s.span.path for s in _project(tmp_path, files)}
    assert sites == {"app/lm.py"}


def test_a_dspy_module_prompts_the_lm_another_module_of_the_package_configures(tmp_path: Path):
    files = {
        "app/__init__.py": "",
        "app/main.py": '''
            import dspy


            def setup(model="anthropic/claude-haiku-4-5"):
                dspy.configure(lm=dspy.LM(model))
            ''',
        "app/judge.py": '''
            import dspy


            def grade(answer):
                judge = dspy.ChainOfThought("answer -> score: float")
                return judge(answer=answer).score
            ''',
    }
    site = next(s for s in _project(tmp_path, files) if s.span.path == "app/judge.py")
    assert site.sdk == "dspy" and site.model.value == "anthropic/claude-haiku-4-5"


URL_ON_SELF = '''
import os

import aiohttp
import requests


class Chat:
    def __init__(self, base_url="https://api.groq.com/openai"):
        self.base_url = base_url

    @property
    def url(self):
        return f"{self.base_url.rstrip('/')}/v1/chat/completions"

    def ask(self, messages, model):
        return requests.post(self.url, json={"messages": messages, "model": model})


class Reranker:
    def __init__(self, url=None):
        self.rerank_url = url or os.getenv("RERANK_URL")
        self.search_url = os.getenv("SEARCH_URL")

    def rerank(self, query, texts):
        payload = {"query": query, "texts": texts}
        return requests.post(self.rerank_url, json=payload).json()

    async def arerank(self, query, documents):
        async with aiohttp.ClientSession() as session:
            body = {"model": "rerank-v3.5", "query": query, "documents": documents}
            async with session.post(self.rerank_url, json=body) as reply:
                return await reply.json()

    def search(self, query):
        return requests.post(self.search_url, json={"query": query, "top_k": 5}).json()
'''


def test_a_url_a_property_or_attribute_of_the_class_builds_names_the_provider():
    site = _sites(URL_ON_SELF)[_line(URL_ON_SELF, "requests.post(self.url")]
    assert site.sdk == "http" and site.operation == "chat"
    assert site.endpoint == "https://api.groq.com/openai/v1/chat/completions"


def test_a_rerank_body_sent_to_a_configured_url_is_a_rerank_request_and_a_search_body_is_not():
    sites = _sites(URL_ON_SELF)
    for text in ("requests.post(self.rerank_url", "session.post(self.rerank_url"):
        assert sites[_line(URL_ON_SELF, text)].operation == "rerank", text
    assert sites[_line(URL_ON_SELF, "session.post(self.rerank_url")].model.value == "rerank-v3.5"
    assert _line(URL_ON_SELF, "requests.post(self.search_url") not in sites


def test_a_dsp_lm_subclass_calling_the_inherited_request_is_a_site_and_its_own_request_is_not():
    source = '''
        import dspy


        class TrackedModel(dspy.OpenAI):
            def __call__(self, prompt, **kwargs):
                response = self.request(prompt, **kwargs)
                return [choice["text"] for choice in response["choices"]]


        class Stub(dspy.OpenAI):
            def request(self, prompt, **kwargs):
                return {"choices": []}

            def __call__(self, prompt):
                return self.request(prompt)
        '''
    sites = _sites(source)
    assert sites[_line(source, "response = self.request(")].sdk == "dspy"
    assert _line(source, "return self.request(prompt)") not in sites


def test_a_module_assigned_over_several_lines_is_still_called_as_a_site():
    source = '''
        import dspy


        class Extract(dspy.Module):
            def __init__(self):
                self.predictor = (
                    dspy.ChainOfThought("text -> entities")
                )
                self.critic = \\
                    dspy.Predict("entities -> critique")

            def forward(self, text):
                found = self.predictor(text=text)
                return self.critic(entities=found.entities)
        '''
    sites = _sites(source)
    for text in ("self.predictor(text=text)", "self.critic(entities="):
        assert sites[_line(source, text)].sdk == "dspy", text
