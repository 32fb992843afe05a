"""Raw HTTP to a model server whose address comes from configuration: an OpenAI-compatible base plus
`/embeddings` (the base holding its `/v1`, as `{base}/chat/completions` is read; a base whose default is empty
is still an address, not a route path), and SGLang's native `/generate` sent token ids (`{"input_ids", "sampling_params"}`) rather than text. A body of neither shape to another path of
the same server is no request."""
from __future__ import annotations

from site_lines import line_of, sites_by_line

SERVERS = """
    import httpx
    import requests
    from pydantic import BaseModel


    class ServerConfig(BaseModel):
        api_base: str = ""   # the user's server: no default address


    class ServerEmbeddings:
        def __init__(self, config: ServerConfig):
            self.embedding_url = config.api_base + "/embeddings"
            self.tokenize_url = config.api_base + "/tokenize"

        def vector(self, text):
            requests.post(self.tokenize_url, json={"content": text})
            return requests.post(self.embedding_url, json={"content": text}).json()


    def embed(api_base, text):
        return requests.post(api_base + "/embeddings", json={"content": text}).json()


    def embed_v1(settings, texts):
        return requests.post(f"{settings.base_url}/embeddings", json={"model": settings.model, "input": texts})


    async def generate(base_url, ids):
        async with httpx.AsyncClient() as client:
            return await client.post(f"{base_url}/generate", json={"input_ids": ids, "sampling_params": {"max_new_tokens": 64}})


    def tokenize(api_base, text):
        return requests.post(api_base + "/tokenize", json={"content": text}).json()


    async def health(base_url):
        async with httpx.AsyncClient() as client:
            return await client.post(f"{base_url}/flush_cache", json={"input_ids": []})
    """


def test_model_server_paths_and_token_id_bodies():
    sites = {line: (s.sdk, s.operation) for line, s in sites_by_line(SERVERS).items()}
    assert sites == {line_of(SERVERS, 'requests.post(api_base + "/embeddings"'): ("http", "embedding"),
                     line_of(SERVERS, "requests.post(self.embedding_url"): ("http", "embedding"),
                     line_of(SERVERS, '{settings.base_url}/embeddings'): ("http", "embedding"),
                     line_of(SERVERS, '"input_ids": ids'): ("http", "completion")}
