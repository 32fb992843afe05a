"""A URL's credentials in any text llmsight shows or stores: `user:password@` before the host and a query
parameter named like a credential are masked whatever their format (a constructor's source text kept as a
site's `client_expr` carried them), and the traffic store's RE2 pre-selection still picks such values."""
import re

import pytest

from llmsight import api
from llmsight.analysis.secrets import KEY_HINT, redact


@pytest.mark.parametrize("text, secret", [
    ('httpx.Client(base_url="https://svc:hunter2pw@llm.internal/v1")', "hunter2pw"),
    ("https://api.example.com/v1/chat?access_token=ya29plainvalue&model=gpt-4o", "ya29plainvalue"),
    ("wss://gw.example/realtime;session_token=abcDEF123", "abcDEF123"),
])
def test_url_credentials_are_masked_and_preselected(text, secret):
    shown = redact(text)
    assert secret not in shown and "[redacted:" in shown
    assert redact(shown) == shown, "masking twice changes nothing"
    assert re.search(KEY_HINT, text), "the store's pre-selection must pick every value redact changes"


@pytest.mark.parametrize("text", ["https://api.openai.com/v1/chat/completions?api-version=2024-06-01",
                                  'f"{base}/embed?api_key={key}"', "write to ops@example.com"])
def test_urls_without_credentials_stay_as_written(text):
    assert redact(text) == text


def test_a_client_built_with_a_credential_url_stores_no_credential(tmp_path):
    (tmp_path / "app.py").write_text(
        "import openai\n"
        "client = openai.OpenAI(base_url='https://svc:hunter2pw@llm.internal/v1?token=qwerty123')\n"
        "client.chat.completions.create(model='gpt-4o-mini', messages=[], max_tokens=5, timeout=10)\n",
        encoding="utf-8")
    result = api.check([tmp_path])
    text = repr(result)
    assert result.call_sites and "hunter2pw" not in text and "qwerty123" not in text
