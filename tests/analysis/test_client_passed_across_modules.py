"""A free function that takes the client as a parameter, in a module that imports no SDK, is a site when
the package calls it with an SDK client built in another module; with anything else it is not."""
from __future__ import annotations

import textwrap
from pathlib import Path

from llmsight import api

FILES = {
    "app/__init__.py": "",
    "app/capabilities.py": '''
        def supports_images(client, model):
            reply = client.chat.completions.create(model=model, max_tokens=1, messages=[
                {"role": "user", "content": [{"type": "text", "text": "ping"}]}])
            return bool(reply.choices)


        def send_sms(client, to, body):
            return client.messages.create(to=to, body=body)
        ''',
    "app/engine.py": '''
        from openai import OpenAI
        from twilio.rest import Client as Twilio

        from app.capabilities import send_sms, supports_images


        class Engine:
            def __init__(self, model="gpt-4o-mini"):
                self.model = model
                self.llm_client = OpenAI()
                self.sms = Twilio()

            def start(self):
                if supports_images(self.llm_client, self.model):
                    send_sms(self.sms, "+100", "ready")
        ''',
}


def test_a_helper_given_an_sdk_client_by_another_module_is_a_site(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    result = api.check([tmp_path], select=["NONE"], use_cache=False)
    found = [(s.span.path, s.function, s.sdk, [c.value for c in s.model.candidates]) for s in result.call_sites]
    assert found == [("app/capabilities.py", "supports_images", "openai", ["gpt-4o-mini"])]
