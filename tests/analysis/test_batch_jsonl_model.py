"""A batch created from an uploaded JSONL file (`batches.create(input_file_id=…)`) sends the model of the
request lines its class (else its module) builds: `{"custom_id": …, "body": {"model": …}}`."""
from __future__ import annotations

import textwrap

from llmsight import api

FILES = {
    "translator.py": '''
        import json
        from openai import OpenAI

        class BatchTranslator:
            def __init__(self, model="gpt-4o-mini"):
                self.model = model
                self.client = OpenAI()

            def _line(self, i, text):
                body = {"model": self.model, "messages": [{"role": "user", "content": text}]}
                return {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}

            def submit(self, texts):
                with open("batch.jsonl", "w") as f:
                    f.writelines(json.dumps(self._line(i, t)) + "\\\\n" for i, t in enumerate(texts))
                batch_file = self.client.files.create(file=open("batch.jsonl", "rb"), purpose="batch")
                return self.client.batches.create(input_file_id=batch_file.id, endpoint="/v1/chat/completions",
                                                  completion_window="24h")
        ''',
    "embed_jobs.py": '''
        from openai import OpenAI

        EMBEDDING_MODEL = "text-embedding-3-small"
        client = OpenAI()

        def lines(texts):
            return [dict(custom_id=str(i), method="POST", url="/v1/embeddings",
                         body={"model": EMBEDDING_MODEL, "input": t}) for i, t in enumerate(texts)]

        def start(file_id):
            return client.batches.create(input_file_id=file_id, endpoint="/v1/embeddings", completion_window="24h")
        ''',
    "uploaded.py": '''
        from openai import OpenAI

        def start(file_id):
            payload = {"model": "gpt-4o"}
            return OpenAI().batches.create(input_file_id=file_id, endpoint="/v1/chat/completions",
                                           completion_window="24h")
        ''',
}


def test_batch_sites_take_the_model_of_the_request_lines_built_beside_them(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in FILES.items():
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    sites = api.check([tmp_path], select=["NONE"], use_cache=False).call_sites
    found = {s.span.path: (s.operation, [c.value for c in s.model.candidates]) for s in sites}
    assert found == {
        "translator.py": ("batch", ["gpt-4o-mini"]),
        "embed_jobs.py": ("batch", ["text-embedding-3-small"]),
        # a dict with a model that is no batch line says nothing about the uploaded file
        "uploaded.py": ("batch", []),
    }
