"""What each SDK does when the code says nothing (design §5), so messages and fixes name real defaults.

Sources: the SDKs' own client constructors (openai/anthropic `DEFAULT_TIMEOUT`, `DEFAULT_MAX_RETRIES`),
litellm `request_timeout`, botocore's legacy retry mode, requests/httpx docs.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SdkDefaults:
    timeout_s: float | None        # None: waits forever
    retries: int                   # extra attempts after the first
    timeout_text: str              # how the default behaves, for messages
    retries_text: str
    timeout_param: str             # where a fix puts the timeout
    retries_param: str | None      # where a fix puts retries (None: no SDK knob)


_OPENAI_LIKE = SdkDefaults(
    timeout_s=600.0, retries=2,
    timeout_text="waits up to 600 s per read (connect 5 s), so a stream never times out in total",
    retries_text="retries twice, timeouts included",
    timeout_param="timeout", retries_param="max_retries",
)

SDK_DEFAULTS: dict[str, SdkDefaults] = {
    "openai": _OPENAI_LIKE,
    "anthropic": _OPENAI_LIKE,
    # groq and together ship Stainless-generated clients with the same defaults as openai
    "groq": SdkDefaults(60.0, 2, "waits up to 60 s per request", "retries twice", "timeout", "max_retries"),
    "together": SdkDefaults(60.0, 2, "waits up to 60 s per request", "retries twice", "timeout", "max_retries"),
    "mistral": SdkDefaults(None, 0, "has no timeout: a hung request waits forever", "does not retry",
                           "timeout_ms", "retry_config"),
    "cohere": SdkDefaults(300.0, 2, "waits up to 300 s per request", "retries twice", "timeout", "max_retries"),
    "google": SdkDefaults(None, 0, "has no timeout at all: a hung request waits forever", "does not retry",
                          "http_options", None),
    "litellm": SdkDefaults(6000.0, 0, "waits up to 6000 s (request_timeout)", "does not retry unless num_retries is set",
                           "timeout", "num_retries"),
    "ollama": SdkDefaults(None, 0, "has no timeout: a hung model waits forever", "does not retry",
                          "timeout", None),
    "bedrock": SdkDefaults(60.0, 4, "waits up to 60 s per read (botocore read_timeout)",
                           "retries up to 5 attempts in legacy mode", "read_timeout", "retries"),
    "langchain": SdkDefaults(None, 2, "passes no timeout, so the provider SDK default applies (600 s per read for OpenAI/Anthropic)",
                             "retries twice (max_retries=2)", "timeout", "max_retries"),
    "http": SdkDefaults(None, 0, "has no timeout with requests (httpx: 5 s)", "does not retry", "timeout", None),
    # voyageai.Client(max_retries=0, timeout=None)
    "voyage": SdkDefaults(None, 0, "has no timeout: a hung request waits forever", "does not retry",
                          "timeout", "max_retries"),
    # huggingface_hub.InferenceClient(timeout=None); an Inference Endpoint's clients take none at all
    "huggingface": SdkDefaults(None, 0, "has no timeout: a hung request waits forever", "does not retry",
                               "timeout", None),
    # pinecone.Pinecone(): urllib3 with no read timeout, its own retries on connection errors only
    "pinecone": SdkDefaults(None, 0, "has no read timeout: a hung request waits forever", "does not retry a request",
                            "timeout", None),
    # dspy.LM(num_retries=3) hands the request to litellm with no timeout of its own
    "dspy": SdkDefaults(6000.0, 3, "passes no timeout, so litellm's request_timeout applies (6000 s)",
                        "retries 3 times (dspy.LM num_retries=3)", "timeout", "num_retries"),
    # Haystack's OpenAI components: timeout OPENAI_TIMEOUT else 30 s, max_retries OPENAI_MAX_RETRIES else 5
    "haystack": SdkDefaults(30.0, 5, "waits up to 30 s (OpenAI components; other providers' integrations differ)",
                            "retries 5 times (OpenAI components)", "timeout", "max_retries"),
    # azure-core's transport and RetryPolicy defaults
    "azure-ai-inference": SdkDefaults(300.0, 10, "waits up to 300 s per read (azure-core read_timeout)",
                                      "retries up to 10 times (azure-core retry_total)", "read_timeout", "retry_total"),
    # dashscope's DEFAULT_REQUEST_TIMEOUT_SECONDS, per call (`request_timeout=`); no retry knob
    "dashscope": SdkDefaults(300.0, 0, "waits up to 300 s per request (between chunks when streaming)",
                             "does not retry", "request_timeout", None),
    # volcenginesdkarkruntime's DEFAULT_TIMEOUT (600 s, connect 60 s) and DEFAULT_MAX_RETRIES
    "volcengine": SdkDefaults(600.0, 2, "waits up to 600 s per read (connect 60 s)", "retries twice", "timeout",
                              "max_retries"),
    # replicate's httpx client (read 30 s); its RetryTransport never retries a POST
    "replicate": SdkDefaults(30.0, 0, "waits up to 30 s per read", "does not retry a prediction", "timeout", None),
    # fireworks-ai >= 1: Stainless DEFAULT_TIMEOUT (60 s, connect 5 s), DEFAULT_MAX_RETRIES; < 0.16: request_timeout=600
    "fireworks": SdkDefaults(60.0, 2, "waits up to 60 s per request (fireworks-ai < 1: 600 s)",
                             "retries twice (fireworks-ai < 1: never)", "timeout", "max_retries"),
    # sparkai's ChatSparkLLM(request_timeout=30): the websocket read; no retries
    "sparkai": SdkDefaults(30.0, 0, "waits up to 30 s for the answer", "does not retry", "request_timeout", None),
}


def defaults_for(sdk: str, api: str = "") -> SdkDefaults:
    """Defaults of an SDK; raw HTTP through httpx times out after 5 s, aiohttp after 300 s in total
    (its default `ClientTimeout`), requests never."""
    if sdk == "http" and "httpx" in api:
        return SdkDefaults(5.0, 0, "times out after 5 s (httpx default)", "does not retry", "timeout", None)
    if sdk == "http" and "aiohttp" in api:
        return SdkDefaults(300.0, 0, "gives up after 300 s in total (its default ClientTimeout)", "does not retry",
                           "timeout", None)
    return SDK_DEFAULTS.get(sdk, SDK_DEFAULTS["http"])


def knows_defaults(sdk: str) -> bool:
    """Whether llmsight knows what this SDK does when the code sets no timeout (raw HTTP: by its library)."""
    return sdk in SDK_DEFAULTS
