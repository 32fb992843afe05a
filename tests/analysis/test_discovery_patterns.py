"""Patterns real applications and notebooks use that discovery must follow (issue 12, item 3): notebook
cells as IPython runs them, clients from factories, modules behind lazy-import helpers and proxies, request
methods handed over as callbacks, provider URLs built from configuration, LangChain chains built by
helpers, Cohere's AWS clients, and when a request streams."""
from __future__ import annotations

import json

import pytest

from llmsight import api
from test_discovery import one, scan


def notebook(*cells: str, language: str = "python") -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None}
                  for c in cells],
        "metadata": {"kernelspec": {"language": language, "name": language.lower()}},
        "nbformat": 4, "nbformat_minor": 5})


def sites_of(result):
    return [(s.span.cell, s.span.start_line, s.sdk, s.operation, s.model.value) for s in result.call_sites]


def parse_errors(result):
    return [d for d in result.diagnostics if d.code == "LLM000"]


# ---- notebooks: what IPython would run --------------------------------------------------------------------

def test_notebook_cell_whose_first_line_is_indented_runs_dedented(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        " import cohere\n co = cohere.Client(api_key='k')\n r = co.generate(prompt='p', model='command-r-plus')\n")})
    assert sites_of(result) == [(0, 3, "cohere", "completion", "command-r-plus")]
    site = result.call_sites[0]
    assert (site.span.start_col, site.span.end_col) == (6, 53)  # columns of the cell as written, not dedented
    assert not parse_errors(result)


@pytest.mark.parametrize("magic", ["%%time", "%%timeit -n 1 -r 1", "%%capture out"])
def test_notebook_cell_magics_that_run_python_are_read(tmp_path, magic):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "from openai import OpenAI\nclient = OpenAI()\n",
        f"{magic}\nr = client.chat.completions.create(model='gpt-4o', messages=[])\n")})
    assert sites_of(result) == [(1, 2, "openai", "chat", "gpt-4o")]


def test_notebook_cell_in_another_language_is_not_read(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "from openai import OpenAI\nclient = OpenAI()\n",
        "%%writefile app.py\nclient.chat.completions.create(model='gpt-4o', messages=[])\n")})
    assert sites_of(result) == [] and not parse_errors(result)


def test_notebook_magic_continued_with_backslash_is_one_command(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "%pip install --quiet \\\n    google-genai \\\n    pillow\nfrom google import genai\nclient = genai.Client()\n",
        "  !pip install -qU \\\n      openai\n",
        "r = client.models.embed_content(model='gemini-embedding-001', contents='x')\n")})
    assert sites_of(result) == [(2, 1, "google", "embedding", "gemini-embedding-001")]
    assert not parse_errors(result)


def test_notebook_masks_only_what_ipython_treats_as_magics(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "from openai import OpenAI\nclient = OpenAI()\nquestion = ('What is %s'\n            % 'x')\n"
        "client.chat.completions.create(model='gpt-4o', messages=[question])  # why?\nclient?\n")})
    assert sites_of(result) == [(0, 5, "openai", "chat", "gpt-4o")]
    assert not parse_errors(result)


def test_notebook_cell_that_does_not_parse_keeps_the_clients_it_makes(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "import cohere\nco = cohere.ClientV2(api_key\"COHERE_API_KEY\")\nMODEL = 'command-r-plus-08-2024'\n",
        "res = co.chat(model=MODEL, messages=[])\n")})
    assert sites_of(result) == [(1, 1, "cohere", "chat", "command-r-plus-08-2024")]
    [error] = parse_errors(result)
    assert (error.span.cell, error.span.start_line, error.severity) == (0, 2, "error")
    assert "reads only the statements of this cell that parse" in error.message


def test_notebook_saved_under_another_kernel_is_read_when_its_cells_are_python(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "import anthropic\nclient = anthropic.Anthropic()\n",
        "client.messages.create(model='claude-3-5-haiku-latest', max_tokens=10, messages=[])\n", language="R")})
    assert sites_of(result) == [(1, 1, "anthropic", "chat", "claude-3-5-haiku-latest")]


def test_notebook_in_another_language_is_skipped_with_the_reason(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "library(openai)\nres <- openai.create(model = 'gpt-4o')\n", "x <- function(a) { a + 1 }\n",
        language="R")})
    [note] = parse_errors(result)
    assert note.severity == "info" and "kernel language is 'R'" in note.message
    assert not result.errors and not result.call_sites


# ---- clients from factories --------------------------------------------------------------------------------

def test_client_from_a_factory_method_that_caches_a_session_client(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/base.py": """
        import boto3
        class Base:
            def _get_client(self):
                if not hasattr(self, "_client"):
                    session = boto3.Session(profile_name=self.profile)
                    self._client = session.client("bedrock-runtime", region_name=self.region)
                return self._client
        """, "app/llm.py": """
        from app.base import Base
        class Claude(Base):
            def run(self, messages):
                return self._get_client().converse(modelId="anthropic.claude-3-haiku", messages=messages)
        """})
    assert [(s.sdk, s.operation, s.model.value) for s in result.call_sites] == [
        ("bedrock", "chat", "anthropic.claude-3-haiku")]


def test_factory_picks_the_async_client_only_when_asked(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from openai import AsyncOpenAI, OpenAI
        class Chat:
            def _get_client(self, use_async=False):
                if use_async:
                    return AsyncOpenAI()
                return OpenAI()
            def _get_any_client(self, mode="sync"):
                cls = AsyncOpenAI if mode == "async" else OpenAI
                return cls()
            def ask(self):
                return self._get_client().chat.completions.create(model="gpt-4o", messages=[])
            def ask_later(self):
                return self._get_client(use_async=True).chat.completions.create(model="gpt-4o", messages=[])
            def ask_any(self):
                return self._get_any_client().chat.completions.create(model="gpt-4o", messages=[])
        """})
    assert [(s.function, s.is_async) for s in result.call_sites] == [
        ("Chat.ask", False), ("Chat.ask_later", True), ("Chat.ask_any", False)]


# ---- modules behind lazy imports -------------------------------------------------------------------------

def test_module_behind_a_lazy_import_proxy_in_files_that_never_import_it(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/llm.py": """
        import importlib
        class LazyLiteLLM:
            _lazy_module = None
            def __getattr__(self, name):
                self._load_litellm()
                return getattr(self._lazy_module, name)
            def _load_litellm(self):
                if self._lazy_module is None:
                    self._lazy_module = importlib.import_module("litellm")
        litellm = LazyLiteLLM()
        """, "app/models.py": """
        from app.llm import litellm
        def send(messages):
            return litellm.completion(model="gpt-4o", messages=messages)
        """})
    assert [(s.span.path, s.sdk, s.operation, s.model.value) for s in result.call_sites] == [
        ("app/models.py", "litellm", "chat", "gpt-4o")]


def test_module_named_by_a_lazy_module_constructor(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/lazy.py": """
        import importlib, types
        class LazyModule(types.ModuleType):
            def __init__(self, name):
                super().__init__(name)
                self._mod = None
            def __getattr__(self, item):
                if self._mod is None:
                    self._mod = importlib.import_module(self.__name__)
                return getattr(self._mod, item)
        anthropic = LazyModule("anthropic")
        """, "app/run.py": """
        from app.lazy import anthropic
        client = anthropic.Anthropic()
        def ask():
            return client.messages.create(model="claude-3-5-haiku-latest", max_tokens=50, messages=[])
        """})
    assert [(s.sdk, s.model.value) for s in result.call_sites] == [("anthropic", "claude-3-5-haiku-latest")]


def test_module_returned_by_a_lazy_import_helper(tmp_path):
    result = scan(tmp_path, {"app/__init__.py": "", "app/utils.py": """
        _litellm = None
        def get_litellm(debug=False):
            global _litellm
            if _litellm is None:
                import litellm
                litellm.suppress_debug_info = not debug
                _litellm = litellm
            return _litellm
        """, "app/run.py": """
        from app.utils import get_litellm
        def _get_litellm():
            return get_litellm(debug=False)
        async def ask():
            return await _get_litellm().acompletion(model="gpt-4o-mini", messages=[])
        """})
    assert [(s.sdk, s.operation, s.is_async, s.model.value) for s in result.call_sites] == [
        ("litellm", "chat", True, "gpt-4o-mini")]


# ---- request methods handed to other calls -------------------------------------------------------------

def test_request_methods_passed_as_callbacks(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from concurrent.futures import ThreadPoolExecutor
        from langchain_openai import OpenAIEmbeddings
        from openai import OpenAI
        client = OpenAI()
        embeddings = OpenAIEmbeddings(model="text-embedding-3-small")
        df["vector"] = df.text.apply(embeddings.embed_query)
        vectors = list(map(client.embeddings.create, batches))
        with ThreadPoolExecutor() as pool:
            future = pool.submit(client.chat.completions.create, model="gpt-4o", messages=[])
        """})
    checked = api.check([tmp_path], select=["LLM001"], use_cache=False, with_estimates=False)
    assert [(s.span.start_line, s.api, s.operation, s.model.value) for s in result.call_sites] == [
        (7, "embeddings.embed_query", "embedding", "text-embedding-3-small"),
        (8, "client.embeddings.create", "embedding", None),
        (10, "client.chat.completions.create", "chat", "gpt-4o")]
    fixes = {d.span.start_line: d.fixes[0] for d in checked.diagnostics if d.code == "LLM001"}
    assert fixes[8].applicability == "display-only" and not fixes[8].edits  # `map` passes no keyword on
    assert fixes[10].applicability == "unsafe" and fixes[10].edits  # an executor passes keywords on


def test_sync_to_async_of_a_request_is_one_site(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from asgiref.sync import sync_to_async
        from openai import OpenAI
        client = OpenAI()
        async def embed():
            return await sync_to_async(client.embeddings.create)(model="text-embedding-3-large", input="x")
        """})
    assert [(s.operation, s.is_async) for s in result.call_sites] == [("embedding", True)]


# ---- raw HTTP to providers whose URL comes from configuration -------------------------------------------

def test_azure_deployment_urls_built_from_configuration(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import os
        from urllib.parse import urljoin
        import requests
        ENDPOINT = os.environ["AZURE_OPENAI_ENDPOINT"]
        def chat(deployment, version):
            url = f"{ENDPOINT}/openai/deployments/{deployment}/chat/completions?api-version={version}"
            return requests.post(url, json={"messages": []})
        def embed(deployment, version):
            url = "{}/openai/deployments/{}/embeddings?api-version={}".format(ENDPOINT, deployment, version)
            return requests.post(url, json={"input": "x"})
        def draw(deployment):
            return requests.post(urljoin(ENDPOINT, "openai/deployments/%s/images/generations" % deployment), json={})
        """})
    assert [(s.sdk, s.operation) for s in result.call_sites] == [("http", "chat"), ("http", "embedding"), ("http", "image")]
    assert all("api-version" not in (s.endpoint or "") for s in result.call_sites)


def test_post_of_a_chat_body_to_a_configured_url(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import json, os
        import requests
        def payload(question):
            body = {"model": os.getenv("DEPLOYMENT", "mistral-large-latest"), "messages": []}
            body["messages"].append({"role": "user", "content": question})
            return body
        r = requests.post(url=os.getenv("MODEL_ENDPOINT"), json=payload("q"))
        r2 = requests.post(os.environ["MODEL_ENDPOINT"], data=json.dumps({"model": "m", "messages": []}))
        requests.post(os.environ["WEBHOOK_URL"], json={"text": "done", "channel": "#ops"})
        requests.post("/v1/chat/completions", json={"model": "m", "messages": []})
        """})
    assert [(s.span.start_line, s.sdk, s.operation) for s in result.call_sites] == [(8, "http", "chat"), (9, "http", "chat")]
    assert result.call_sites[0].model.value == "mistral-large-latest"


# ---- LangChain chains, agents and embeddings -------------------------------------------------------------

def test_agent_executor_runs_the_chat_model_of_its_agent(tmp_path):
    s = one(tmp_path, """
        from langchain_anthropic import ChatAnthropic
        from langchain.agents import AgentExecutor
        llm = ChatAnthropic(model_name="claude-3-opus-20240229")
        agent = {"input": lambda x: x["input"]} | prompt | llm.bind(stop=["</tool_input>"]) | parser
        agent_executor = AgentExecutor(agent=agent, tools=tools)
        out = agent_executor.invoke({"input": "q"})
        """)
    assert (s.sdk, s.operation, s.model.value) == ("langchain", "chat", "claude-3-opus-20240229")


def test_chains_built_by_helpers_and_assign(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from langchain_mistralai.chat_models import ChatMistralAI
        from langchain.chains.combine_documents import create_stuff_documents_chain
        from langchain.chains import create_retrieval_chain
        from langchain_core.runnables import RunnableParallel, RunnablePassthrough
        from langchain_core.output_parsers import StrOutputParser
        model = ChatMistralAI(model="mistral-small-latest")
        retrieval_chain = create_retrieval_chain(retriever, create_stuff_documents_chain(model, prompt))
        retrieval_chain.invoke({"input": "q"})
        rag = RunnableParallel({"context": retriever, "question": RunnablePassthrough()}).assign(
            answer=prompt | model | StrOutputParser())
        rag.invoke("q")
        def per_chunk(chunks):
            branches = {}
            for i, chunk in enumerate(chunks):
                branches[f"chunk{i}"] = prompt | model
            return RunnableParallel(**branches).invoke({})
        """})
    assert [(s.span.start_line, s.operation, s.model.value) for s in result.call_sites] == [
        (9, "chat", "mistral-small-latest"), (12, "chat", "mistral-small-latest"), (17, "chat", "mistral-small-latest")]


def test_chain_handed_to_a_helper_and_a_subclassed_chat_model(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from langchain_core.prompts import PromptTemplate
        from langchain_openai import ChatOpenAI
        class Node:
            def __init__(self, config):
                self.llm_model = config["llm_model"]
            def invoke_with_timeout(self, chain, inputs):
                return chain.invoke(inputs)
            def execute(self, state):
                chain = PromptTemplate.from_template("{q}") | self.llm_model
                return self.invoke_with_timeout(chain, {"q": state})
        class ImageToText(ChatOpenAI):
            def run(self, url):
                return self.invoke([url]).content
        """})
    assert [(s.function, s.sdk, s.operation) for s in result.call_sites] == [
        ("Node.invoke_with_timeout", "langchain", "chat"), ("ImageToText.run", "langchain", "chat")]


def test_voyage_embeddings_through_langchain(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from langchain_community.embeddings import VoyageEmbeddings
        embed = VoyageEmbeddings(voyage_api_key=key, model="voyage-2")
        vectors = embed.embed_documents(["a"])
        query = embed.embed_query("q")
        """})
    assert [(s.sdk, s.operation, s.model.value) for s in result.call_sites] == [
        ("langchain", "embedding", "voyage-2"), ("langchain", "embedding", "voyage-2")]


# ---- Cohere on AWS ------------------------------------------------------------------------------------------

def test_cohere_bedrock_and_sagemaker_clients(tmp_path):
    result = scan(tmp_path, {"m.py": """
        import cohere
        co_br = cohere.BedrockClient(aws_region="us-east-1")
        co_br.chat(message="m", model="cohere.command-r-plus-v1:0")
        co_br.embed(texts=["x"], model="cohere.embed-english-v3", input_type="search_query")
        cohere.SagemakerClientV2(aws_region="us-east-1").rerank(query="q", documents=[], model="my-rerank")
        """})
    assert [(s.sdk, s.operation, s.model.value) for s in result.call_sites] == [
        ("cohere", "chat", "cohere.command-r-plus-v1:0"), ("cohere", "embedding", "cohere.embed-english-v3"),
        ("cohere", "rerank", "my-rerank")]


# ---- Hugging Face Inference --------------------------------------------------------------------------------

def test_huggingface_inference_client_and_endpoint_clients(tmp_path):
    result = scan(tmp_path, {"n.ipynb": notebook(
        "from huggingface_hub import InferenceClient, create_inference_endpoint\n"
        "repo_id = 'meta-llama/Meta-Llama-3-8B-Instruct'\nllm_client = InferenceClient(model=repo_id, timeout=120)\n",
        "llm_client.text_generation('How are you?', max_new_tokens=20)\n"
        "llm_client.chat_completion([{'role': 'user', 'content': 'hi'}], max_tokens=20, stream=True)\n"
        "llm_client.post(json={'inputs': 'x'})\n",
        "endpoint = create_inference_endpoint('emb', repository='jinaai/jina-embeddings-v2-base-en')\n"
        "endpoint.client.post(json={'inputs': 'x'}, task='feature-extraction')\n"
        "async def embed(doc):\n"
        "    return await endpoint.async_client.post(json={'inputs': doc}, task='feature-extraction')\n")})
    assert [(s.span.cell, s.span.start_line, s.operation, s.is_async, s.stream, s.model.value)
            for s in result.call_sites] == [
        (1, 1, "completion", False, False, "meta-llama/Meta-Llama-3-8B-Instruct"),
        (1, 2, "chat", False, True, "meta-llama/Meta-Llama-3-8B-Instruct"),
        (1, 3, "completion", False, False, "meta-llama/Meta-Llama-3-8B-Instruct"),
        (2, 2, "embedding", False, False, None), (2, 4, "embedding", True, False, None)]
    assert {s.sdk for s in result.call_sites} == {"huggingface"}
    assert result.call_sites[0].max_tokens.value == 20 and result.call_sites[0].timeout.value == 120


def test_pinecone_hosted_models_but_not_index_search(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from pinecone import Pinecone
        pc = Pinecone(api_key=key)
        index = pc.Index("docs")
        index.search(namespace="a", query={"inputs": {"text": "q"}, "top_k": 5})
        pc.inference.rerank(model="bge-reranker-v2-m3", query="q", documents=["a"], top_n=3)
        pc.inference.embed(model="multilingual-e5-large", inputs=["a"], parameters={"input_type": "passage"})
        """})
    assert [(s.sdk, s.operation, s.model.value) for s in result.call_sites] == [
        ("pinecone", "rerank", "bge-reranker-v2-m3"), ("pinecone", "embedding", "multilingual-e5-large")]


# ---- when a request streams -------------------------------------------------------------------------------

def test_stream_through_streaming_response_images_and_a_params_dict(tmp_path):
    result = scan(tmp_path, {"m.py": """
        from openai import OpenAI
        client = OpenAI()
        def run(prompt):
            with client.chat.completions.with_streaming_response.create(model="gpt-4o", messages=[]) as r:
                pass
            client.chat.completions.with_raw_response.create(model="gpt-4o", messages=[])
            client.images.generate(model="gpt-image-1", prompt=prompt, stream=True)
            client.images.generate(model="gpt-image-1", prompt=prompt)
            params = {"model": "gpt-4o", "messages": []}
            params["stream"] = True
            return client.chat.completions.create(**params)
        """})
    assert [(s.operation, s.stream) for s in result.call_sites] == [
        ("chat", True), ("chat", False), ("image", True), ("image", False), ("chat", True)]


def test_notebook_params_dict_built_at_module_level(tmp_path):
    """A notebook builds its request dict in module code (cells), then splats it."""
    result = scan(tmp_path, {"n.ipynb": notebook(
        "from openai import OpenAI\nclient = OpenAI()\nparams = {'model': 'gpt-4o', 'messages': []}\n",
        "params['stream'] = True\nparams.update(max_tokens=300)\n",
        "for chunk in client.chat.completions.create(**params):\n    pass\n")})
    [site] = result.call_sites
    assert (site.stream, site.max_tokens.value, site.model.value) == (True, 300, "gpt-4o")


def test_check_source_reads_a_notebook_like_a_file():
    """The editor path (`check_source` on a buffer) reads notebooks the same way."""
    result = api.check_source(notebook(" from openai import OpenAI\n OpenAI().embeddings.create(model='m', input='x')\n"),
                              "n.ipynb", select=["NONE"], with_estimates=False)
    assert sites_of(result) == [(0, 2, "openai", "embedding", "m")]
