"""SDK knowledge as data: client classes, request methods, and how each names its parameters.

Discovery (discover.py) is generic; everything it knows about a particular SDK is in these tables.
A *client kind* is what a value is (an OpenAI client, a Bedrock runtime client, a LangChain chat
model…); a request is a method path on a client kind (`chat.completions.create`).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    operation: str
    stream: bool | None = None      # None: decided by a `stream=` argument at run time
    is_async: bool = False
    model_param: str | None = "model"   # keyword naming the model on this request
    model_pos: int | None = None        # positional index of the model, when it can be positional
    max_tokens: tuple[str, ...] = ()    # keywords (or dotted paths into dict/config args) capping output
    prompt: tuple[str, ...] = ("messages",)  # keywords carrying the prompt
    prompt_pos: int | None = None
    task_param: str | None = None       # keyword naming the task a raw request runs: its operation (TASK_OPERATIONS)
    model_aliases: tuple[str, ...] = ()  # other keywords naming the model when model_param is absent


@dataclass(frozen=True)
class ClientKind:
    sdk: str
    methods: dict[str, Method]
    is_async: bool = False
    timeout: tuple[str, ...] = ("timeout",)     # keywords on call or constructor
    timeout_unit: str = "s"                     # "ms" where the SDK counts milliseconds
    retries: tuple[str, ...] = ("max_retries",)
    model_param: str | None = None              # constructor keyword holding the model (LangChain, GenerativeModel)
    model_pos: int | None = None
    max_tokens: tuple[str, ...] = ()            # constructor keywords capping output
    # attributes returning the same kind of client with new options (`client.with_options(timeout=…)`)
    option_methods: tuple[str, ...] = ("with_options",)


# ---- OpenAI-compatible clients (openai, groq, together share the shape) ------------------------------
_OPENAI_CHAT_CAP = ("max_completion_tokens", "max_tokens")
# Stainless-built SDKs (openai, anthropic, groq, together) take the timeout of an `http_client=`
# (`httpx.Client(timeout=…)`, `DefaultHttpxClient(timeout=…)`) when the client states none itself
_STAINLESS_TIMEOUT = ("timeout", "http_client.timeout")


def _openai_methods(async_: bool) -> dict[str, Method]:
    chat = Method("chat", None, async_, max_tokens=_OPENAI_CHAT_CAP)
    m = {
        "chat.completions.create": chat,
        "chat.completions.parse": Method("chat", False, async_, max_tokens=_OPENAI_CHAT_CAP),
        "chat.completions.stream": Method("chat", True, async_, max_tokens=_OPENAI_CHAT_CAP),
        "responses.create": Method("responses", None, async_, max_tokens=("max_output_tokens",), prompt=("instructions", "input")),
        "responses.parse": Method("responses", False, async_, max_tokens=("max_output_tokens",), prompt=("instructions", "input")),
        "responses.stream": Method("responses", True, async_, max_tokens=("max_output_tokens",), prompt=("instructions", "input")),
        "completions.create": Method("completion", None, async_, max_tokens=("max_tokens",), prompt=("prompt",)),
        "embeddings.create": Method("embedding", False, async_, prompt=("input",)),
        # `stream=True` streams partial images (gpt-image-1)
        "images.generate": Method("image", None, async_, prompt=("prompt",)),
        "images.edit": Method("image", None, async_, prompt=("prompt",)),
        "images.create_variation": Method("image", False, async_, prompt=()),
        "audio.transcriptions.create": Method("audio", None, async_, prompt=()),
        "audio.translations.create": Method("audio", False, async_, prompt=()),
        "audio.speech.create": Method("audio", False, async_, prompt=("input",)),
    }
    # `client.beta.chat.completions.parse` and friends are the same requests
    m.update({f"beta.{k}": v for k, v in list(m.items()) if k.startswith("chat.")})
    return m


OPENAI = ClientKind("openai", _openai_methods(False), timeout=_STAINLESS_TIMEOUT)
OPENAI_ASYNC = ClientKind("openai", _openai_methods(True), is_async=True, timeout=_STAINLESS_TIMEOUT)
# the pre-1.0 module API: openai.ChatCompletion.create(...); `engine=` (Azure: `deployment_id=`) names the model
# or deployment where `model=` is absent
_ENGINE = ("engine", "deployment_id")
OPENAI_LEGACY_MODULE = ClientKind("openai", {
    "ChatCompletion.create": Method("chat", None, max_tokens=("max_tokens",), model_aliases=_ENGINE),
    "ChatCompletion.acreate": Method("chat", None, True, max_tokens=("max_tokens",), model_aliases=_ENGINE),
    "Completion.create": Method("completion", None, max_tokens=("max_tokens",), prompt=("prompt",), model_aliases=_ENGINE),
    "Completion.acreate": Method("completion", None, True, max_tokens=("max_tokens",), prompt=("prompt",),
                                 model_aliases=_ENGINE),
    "Embedding.create": Method("embedding", False, prompt=("input",), model_aliases=_ENGINE),
    "Embedding.acreate": Method("embedding", False, True, prompt=("input",), model_aliases=_ENGINE),
    "Image.create": Method("image", False, prompt=("prompt",)),
    **_openai_methods(False),
}, timeout=("request_timeout", "timeout"))

GROQ = ClientKind("groq", _openai_methods(False), timeout=_STAINLESS_TIMEOUT)
GROQ_ASYNC = ClientKind("groq", _openai_methods(True), is_async=True, timeout=_STAINLESS_TIMEOUT)
TOGETHER = ClientKind("together", _openai_methods(False), timeout=_STAINLESS_TIMEOUT)
TOGETHER_ASYNC = ClientKind("together", _openai_methods(True), is_async=True, timeout=_STAINLESS_TIMEOUT)
TOGETHER_LEGACY_MODULE = ClientKind("together", {
    "Complete.create": Method("completion", None, max_tokens=("max_tokens",), prompt=("prompt",)),
    "Completion.create": Method("completion", None, max_tokens=("max_tokens",), prompt=("prompt",)),
    "Embeddings.create": Method("embedding", False, prompt=("input",)),
}, option_methods=())


def _anthropic_methods(async_: bool) -> dict[str, Method]:
    m = {
        "messages.create": Method("chat", None, async_, max_tokens=("max_tokens",), prompt=("system", "messages")),
        "messages.stream": Method("chat", True, async_, max_tokens=("max_tokens",), prompt=("system", "messages")),
        "messages.parse": Method("chat", False, async_, max_tokens=("max_tokens",), prompt=("system", "messages")),
        "completions.create": Method("completion", None, async_, max_tokens=("max_tokens_to_sample",), prompt=("prompt",)),
    }
    # a Message Batch: each request's model and cap are in its `params` (the first request's stand for all)
    m["messages.batches.create"] = Method("batch", False, async_, model_param="requests.0.params.model",
                                          max_tokens=("requests.0.params.max_tokens",), prompt=())
    m.update({f"beta.{k}": v for k, v in list(m.items()) if k.startswith("messages.")})
    return m


ANTHROPIC = ClientKind("anthropic", _anthropic_methods(False), timeout=_STAINLESS_TIMEOUT)
ANTHROPIC_ASYNC = ClientKind("anthropic", _anthropic_methods(True), is_async=True, timeout=_STAINLESS_TIMEOUT)

# ---- Google ------------------------------------------------------------------------------------------
_GENAI_CAP = ("config.max_output_tokens", "generation_config.max_output_tokens")


def _genai_methods(async_: bool) -> dict[str, Method]:
    return {
        "models.generate_content": Method("chat", False, async_, max_tokens=_GENAI_CAP, prompt=("contents",)),
        "models.generate_content_stream": Method("chat", True, async_, max_tokens=_GENAI_CAP, prompt=("contents",)),
        "models.embed_content": Method("embedding", False, async_, prompt=("contents",)),
        "models.generate_images": Method("image", False, async_, prompt=("prompt",)),
    }


GOOGLE_GENAI = ClientKind("google", {**_genai_methods(False),
                                     **{f"aio.{k}": v for k, v in _genai_methods(True).items()}},
                          # the client's http_options, or per request in GenerateContentConfig(http_options=…)
                          # HttpOptions.timeout is in milliseconds (google-genai types.HttpOptions docs)
                          timeout=("config.http_options.timeout", "http_options.timeout"), timeout_unit="ms",
                          retries=("config.http_options.retry_options.attempts", "http_options.retry_options.attempts"),
                          option_methods=())
# a chat session from `client.chats.create(model=…)`: `chat.send_message(...)`
GOOGLE_GENAI_CHAT = ClientKind("google", {
    "send_message": Method("chat", False, model_param=None, max_tokens=_GENAI_CAP, prompt=("message",), prompt_pos=0),
    "send_message_stream": Method("chat", True, model_param=None, max_tokens=_GENAI_CAP, prompt=("message",), prompt_pos=0),
}, timeout=GOOGLE_GENAI.timeout, timeout_unit="ms", retries=GOOGLE_GENAI.retries, option_methods=(), model_param="model",
    max_tokens=("config.max_output_tokens",))  # timeout and retries: the client's http_options
_GENERATIVEAI_CAP = ("generation_config.max_output_tokens",)
# google.generativeai / vertexai: GenerativeModel("gemini-1.5-pro").generate_content(...)
GOOGLE_GENERATIVE_MODEL = ClientKind("google", {
    "generate_content": Method("chat", None, model_param=None, max_tokens=_GENERATIVEAI_CAP, prompt=("contents",), prompt_pos=0),
    "generate_content_async": Method("chat", None, True, model_param=None, max_tokens=_GENERATIVEAI_CAP, prompt=("contents",), prompt_pos=0),
    "send_message": Method("chat", None, model_param=None, max_tokens=_GENERATIVEAI_CAP, prompt=("content",), prompt_pos=0),
    "send_message_async": Method("chat", None, True, model_param=None, max_tokens=_GENERATIVEAI_CAP, prompt=("content",), prompt_pos=0),
}, timeout=("request_options.timeout",), retries=(), model_param="model_name", model_pos=0,  # RequestOptions: seconds
    max_tokens=("generation_config.max_output_tokens",), option_methods=("start_chat",))
GOOGLE_GENERATIVEAI_MODULE = ClientKind("google", {
    "embed_content": Method("embedding", False, prompt=("content",)),
    "generate_text": Method("completion", False, max_tokens=("max_output_tokens",), prompt=("prompt",)),  # PaLM
}, timeout=(), retries=(), option_methods=())

# ---- AWS Bedrock runtime (boto3.client("bedrock-runtime")) ------------------------------------------
# Not SageMaker runtime's `invoke_endpoint`: it serves whatever model the user deployed (a classifier as often as
# an LLM), billed per instance hour (litellm's sagemaker/ rows are $0), and only the request body's shape could say
# that an endpoint is a text model; a site there would cost precision and could never be priced.
_BEDROCK_CAP = ("inferenceConfig.maxTokens",)
BEDROCK = ClientKind("bedrock", {
    "invoke_model": Method("chat", False, model_param="modelId", max_tokens=("body.max_tokens", "body.max_gen_len", "body.maxTokenCount", "body.max_tokens_to_sample", "body.inferenceConfig.max_new_tokens", "body.textGenerationConfig.maxTokenCount"), prompt=("body",)),
    "invoke_model_with_response_stream": Method("chat", True, model_param="modelId", max_tokens=("body.max_tokens", "body.max_gen_len", "body.maxTokenCount"), prompt=("body",)),
    "converse": Method("chat", False, model_param="modelId", max_tokens=_BEDROCK_CAP, prompt=("system", "messages")),
    "converse_stream": Method("chat", True, model_param="modelId", max_tokens=_BEDROCK_CAP, prompt=("system", "messages")),
}, timeout=("config.read_timeout",), retries=("config.retries.max_attempts",), option_methods=())
# Bedrock's agent runtime (`boto3.client("bedrock-agent-runtime")`): a rerank model's query, and retrieve-and-
# generate (a knowledge-base search whose answer a Bedrock model writes); the model is an ARN in the request's
# configuration. Its agent and flow invocations run models the console configures: not read here.
_BEDROCK_ANSWER_MODEL = "retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.modelArn"
_BEDROCK_ANSWER_CAP = ("retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.generationConfiguration."
                       "inferenceConfig.textInferenceConfig.maxTokens",)
BEDROCK_AGENT = ClientKind("bedrock", {
    "rerank": Method("rerank", False, model_param="rerankingConfiguration.bedrockRerankingConfiguration."
                     "modelConfiguration.modelArn", prompt=("queries",)),
    "retrieve_and_generate": Method("chat", False, model_param=_BEDROCK_ANSWER_MODEL, max_tokens=_BEDROCK_ANSWER_CAP,
                                    prompt=("input",)),
    "retrieve_and_generate_stream": Method("chat", True, model_param=_BEDROCK_ANSWER_MODEL,
                                           max_tokens=_BEDROCK_ANSWER_CAP, prompt=("input",)),
}, timeout=BEDROCK.timeout, retries=BEDROCK.retries, option_methods=())
# boto3 services whose clients make model requests, by the service name `boto3.client(…)` is given
AWS_SERVICE_CLIENTS = {"bedrock-runtime": BEDROCK, "bedrock-agent-runtime": BEDROCK_AGENT}

# ---- litellm -------------------------------------------------------------------------------------------
_LITELLM_CAP = ("max_tokens", "max_completion_tokens")


def _litellm_methods() -> dict[str, Method]:
    m = {}
    for name, op, cap, prompt in (
        ("completion", "chat", _LITELLM_CAP, ("messages",)),
        ("text_completion", "completion", ("max_tokens",), ("prompt",)),
        ("embedding", "embedding", (), ("input",)),
        ("image_generation", "image", (), ("prompt",)),
        ("transcription", "audio", (), ()),
        ("speech", "audio", (), ("input",)),
        ("rerank", "rerank", (), ("query",)),
        ("responses", "responses", ("max_output_tokens",), ("input",)),
        ("batch_completion", "chat", _LITELLM_CAP, ("messages",)),
    ):
        m[name] = Method(op, None if op in ("chat", "completion", "responses") else False, False,
                         model_pos=0, max_tokens=cap, prompt=prompt, prompt_pos=1 if op == "chat" else None)
        m[f"a{name}"] = Method(op, m[name].stream, True, model_pos=0, max_tokens=cap, prompt=prompt,
                               prompt_pos=m[name].prompt_pos)
    return m


LITELLM_MODULE = ClientKind("litellm", _litellm_methods(), timeout=("timeout", "request_timeout"),
                            retries=("num_retries", "max_retries"), option_methods=())
LITELLM_ROUTER = ClientKind("litellm", _litellm_methods(), timeout=("timeout", "request_timeout"),
                            retries=("num_retries", "max_retries"), option_methods=())

# ---- Ollama ----------------------------------------------------------------------------------------------
_OLLAMA_CAP = ("options.num_predict",)


def _ollama_methods(async_: bool) -> dict[str, Method]:
    return {
        "chat": Method("chat", None, async_, model_pos=0, max_tokens=_OLLAMA_CAP, prompt=("messages",), prompt_pos=1),
        "generate": Method("completion", None, async_, model_pos=0, max_tokens=_OLLAMA_CAP, prompt=("prompt", "system"), prompt_pos=1),
        "embed": Method("embedding", False, async_, model_pos=0, prompt=("input",), prompt_pos=1),
        "embeddings": Method("embedding", False, async_, model_pos=0, prompt=("prompt",), prompt_pos=1),
    }


OLLAMA = ClientKind("ollama", _ollama_methods(False), retries=(), option_methods=())
OLLAMA_ASYNC = ClientKind("ollama", _ollama_methods(True), is_async=True, retries=(), option_methods=())

# ---- Cohere, Mistral ------------------------------------------------------------------------------------
def _cohere_methods(async_: bool) -> dict[str, Method]:
    return {
        "chat": Method("chat", False, async_, max_tokens=("max_tokens",), prompt=("message", "messages", "preamble")),
        "chat_stream": Method("chat", True, async_, max_tokens=("max_tokens",), prompt=("message", "messages", "preamble")),
        "generate": Method("completion", None, async_, max_tokens=("max_tokens",), prompt=("prompt",)),
        "embed": Method("embedding", False, async_, prompt=("texts",)),
        "rerank": Method("rerank", False, async_, prompt=("query",)),
    }


# per request: `request_options={"timeout_in_seconds": …, "max_retries": …}`
_COHERE_TIMEOUT = ("request_options.timeout_in_seconds", "timeout")
_COHERE_RETRIES = ("request_options.max_retries", "max_retries")
COHERE = ClientKind("cohere", _cohere_methods(False), timeout=_COHERE_TIMEOUT, retries=_COHERE_RETRIES, option_methods=())
COHERE_ASYNC = ClientKind("cohere", _cohere_methods(True), is_async=True, timeout=_COHERE_TIMEOUT,
                          retries=_COHERE_RETRIES, option_methods=())


def _mistral_methods() -> dict[str, Method]:
    m: dict[str, Method] = {}
    for suffix, async_ in (("", False), ("_async", True)):
        m[f"chat.complete{suffix}"] = Method("chat", False, async_, max_tokens=("max_tokens",))
        m[f"chat.stream{suffix}"] = Method("chat", True, async_, max_tokens=("max_tokens",))
        m[f"fim.complete{suffix}"] = Method("completion", False, async_, max_tokens=("max_tokens",), prompt=("prompt",))
        m[f"embeddings.create{suffix}"] = Method("embedding", False, async_, prompt=("inputs",))
    return m


MISTRAL = ClientKind("mistral", _mistral_methods(), timeout=("timeout_ms",), timeout_unit="ms", retries=("retries",), option_methods=())
MISTRAL_LEGACY = ClientKind("mistral", {
    "chat": Method("chat", False, max_tokens=("max_tokens",)),
    "chat_stream": Method("chat", True, max_tokens=("max_tokens",)),
    "embeddings": Method("embedding", False, prompt=("input",)),
}, option_methods=())

# ---- Hugging Face Inference (huggingface_hub) -------------------------------------------------------------
def _huggingface_methods(async_: bool) -> dict[str, Method]:
    return {
        "text_generation": Method("completion", None, async_, max_tokens=("max_new_tokens",), prompt=("prompt",),
                                  prompt_pos=0),
        "chat_completion": Method("chat", None, async_, max_tokens=("max_tokens",), prompt=("messages",),
                                  prompt_pos=0),
        "chat.completions.create": Method("chat", None, async_, max_tokens=("max_tokens",)),
        "feature_extraction": Method("embedding", False, async_, prompt=("text",), prompt_pos=0),
        "sentence_similarity": Method("embedding", False, async_, prompt=("sentence",), prompt_pos=0),
        "text_to_image": Method("image", False, async_, prompt=("prompt",), prompt_pos=0),
        # the raw task request of older huggingface_hub versions
        "post": Method("completion", False, async_, prompt=("json",), task_param="task"),
    }


HUGGINGFACE = ClientKind("huggingface", _huggingface_methods(False), retries=(), model_param="model", model_pos=0,
                         option_methods=())
HUGGINGFACE_ASYNC = ClientKind("huggingface", _huggingface_methods(True), is_async=True, retries=(),
                               model_param="model", model_pos=0, option_methods=())
# an Inference Endpoint (`create_inference_endpoint(...)`) is requested through its `.client` / `.async_client`
HUGGINGFACE_ENDPOINT = ClientKind("huggingface", {
    **{f"client.{path}": m for path, m in HUGGINGFACE.methods.items()},
    **{f"async_client.{path}": m for path, m in HUGGINGFACE_ASYNC.methods.items()},
}, timeout=(), retries=(), option_methods=())
# what a raw request's `task=` runs
TASK_OPERATIONS = {"feature-extraction": "embedding", "sentence-similarity": "embedding",
                   "sentence-embeddings": "embedding", "text-generation": "completion", "text-to-image": "image",
                   "conversational": "chat"}

# ---- Pinecone Inference (models Pinecone hosts; an index's own upsert/search embedding is not a request) ---
_PINECONE_METHODS = {
    "inference.embed": Method("embedding", False, prompt=("inputs",)),
    "inference.rerank": Method("rerank", False, prompt=("query",)),
}
PINECONE = ClientKind("pinecone", _PINECONE_METHODS, timeout=(), retries=(), option_methods=())
PINECONE_ASYNC = ClientKind("pinecone", {p: Method(m.operation, m.stream, True, prompt=m.prompt)
                                         for p, m in _PINECONE_METHODS.items()}, is_async=True, timeout=(), retries=(),
                            option_methods=())

# ---- speech synthesis priced per character: ElevenLabs, Google Cloud Text-to-Speech ---------------------------
# elevenlabs >= 1: `client.text_to_speech.convert(voice_id=…, text=…, model_id=…)` (and its streams);
# 1.x also `client.generate(text=, voice=, model=)`, 0.x the module function `elevenlabs.generate(…)`.
# Fern-generated like cohere: per-request `request_options`, client `timeout=`.
def _elevenlabs_methods(async_: bool) -> dict[str, Method]:
    convert = {f"text_to_speech.{name}": Method("audio", stream, async_, model_param="model_id", prompt=("text",))
               for name, stream in (("convert", False), ("stream", True), ("convert_as_stream", True),
                                    ("convert_with_timestamps", False), ("stream_with_timestamps", True))}
    return {**convert, "generate": Method("audio", None, async_, prompt=("text",))}


ELEVENLABS = ClientKind("elevenlabs", _elevenlabs_methods(False), timeout=_COHERE_TIMEOUT,
                        retries=("request_options.max_retries",), option_methods=())
ELEVENLABS_ASYNC = ClientKind("elevenlabs", _elevenlabs_methods(True), is_async=True, timeout=_COHERE_TIMEOUT,
                              retries=("request_options.max_retries",), option_methods=())
ELEVENLABS_MODULE = ClientKind("elevenlabs", {"generate": Method("audio", None, prompt=("text",))},
                               timeout=(), retries=(), option_methods=())
# google-cloud-texttospeech: the voice (`VoiceSelectionParams(name=…)`) decides the price tier; no model keyword.
# GAPIC clients take `timeout=`/`retry=` per call.
GOOGLE_CLOUD_TTS = ClientKind("google-cloud-tts", {
    "synthesize_speech": Method("audio", False, model_param=None, prompt=("input", "request"), prompt_pos=0),
    "streaming_synthesize": Method("audio", True, model_param=None, prompt=("requests",), prompt_pos=0),
}, retries=("retry",), option_methods=())
GOOGLE_CLOUD_TTS_ASYNC = ClientKind("google-cloud-tts", {
    path: dataclasses.replace(m, is_async=True) for path, m in GOOGLE_CLOUD_TTS.methods.items()},
    is_async=True, retries=("retry",), option_methods=())

# ---- other providers' SDKs: Vertex AI language models, Baidu Qianfan, xAI, Aurelio, Xinference, IBM watsonx,
# OCI Generative AI, Hugging Face TGI -----------------------------------------------------------------------
# `TextGenerationModel.from_pretrained("text-bison").predict(...)`, `TextEmbeddingModel…get_embeddings([...])`,
# `CodeChatModel.from_pretrained(m).start_chat().send_message(...)`
_VERTEX_CAP = ("max_output_tokens",)
VERTEX_LANGUAGE_MODEL = ClientKind("vertexai", {
    **{f"predict{suffix}": Method("completion", stream, async_, model_param=None, max_tokens=_VERTEX_CAP,
                                  prompt=("prompt",), prompt_pos=0)
       for suffix, stream, async_ in (("", False, False), ("_async", False, True), ("_streaming", True, False))},
    **{f"send_message{suffix}": Method("chat", stream, async_, model_param=None, max_tokens=_VERTEX_CAP,
                                       prompt=("message",), prompt_pos=0)
       for suffix, stream, async_ in (("", False, False), ("_async", False, True), ("_streaming", True, False))},
    "get_embeddings": Method("embedding", False, model_param=None, prompt=("texts",), prompt_pos=0),
    "get_embeddings_async": Method("embedding", False, True, model_param=None, prompt=("texts",), prompt_pos=0),
}, timeout=(), retries=(), model_param="model_name", model_pos=0, option_methods=("start_chat",))
_VERTEX_LANGUAGE_CLASSES = ("TextGenerationModel", "CodeGenerationModel", "ChatModel", "CodeChatModel",
                            "TextEmbeddingModel")


def _qianfan(operation: str, prompt: tuple[str, ...]) -> ClientKind:
    """A Qianfan resource (`qianfan.ChatCompletion(ak=…, sk=…)`): `do(model=…, messages=…)`, `ado` awaited."""
    cap = ("max_output_tokens",) if operation == "chat" else ()
    return ClientKind("qianfan", {name: Method(operation, None if operation != "embedding" else False, async_,
                                               max_tokens=cap, prompt=prompt)
                                  for name, async_ in (("do", False), ("ado", True))},
                      timeout=("request_timeout",), retries=("retry_count",), model_param="model", option_methods=())


QIANFAN_CHAT, QIANFAN_COMPLETION, QIANFAN_EMBEDDING = (
    _qianfan("chat", ("messages", "system")), _qianfan("completion", ("prompt",)), _qianfan("embedding", ("texts",)))
# xai_sdk: `client.chat.create(model=…)` builds a conversation (no request); `chat.sample()` / `chat.parse(Schema)`
# / `chat.stream()` send it
XAI = ClientKind("xai", {"image.sample": Method("image", False, prompt=("prompt",))}, timeout=("timeout",), retries=(),
                 option_methods=())
XAI_CHAT = ClientKind("xai", {
    "sample": Method("chat", False, model_param=None, prompt=()),
    "parse": Method("chat", False, model_param=None, prompt=()),
    "stream": Method("chat", True, model_param=None, prompt=()),
}, timeout=(), retries=(), model_param="model", max_tokens=("max_tokens",), option_methods=())
AURELIO = ClientKind("aurelio", {"embedding": Method("embedding", False, prompt=("input",))}, retries=(),
                     option_methods=())
AURELIO_ASYNC = ClientKind("aurelio", {"embedding": Method("embedding", False, True, prompt=("input",))},
                           is_async=True, retries=(), option_methods=())
# Xinference serves models the user launched: `client.get_model(model_uid)` is a handle; its requests name no model
XINFERENCE = ClientKind("xinference", {}, timeout=(), retries=(), option_methods=())
XINFERENCE_MODEL = ClientKind("xinference", {
    "chat": Method("chat", None, model_param=None, max_tokens=("generate_config.max_tokens",),
                   prompt=("messages", "prompt"), prompt_pos=0),
    "generate": Method("completion", None, model_param=None, max_tokens=("generate_config.max_tokens",),
                       prompt=("prompt",), prompt_pos=0),
    "create_embedding": Method("embedding", False, model_param=None, prompt=("input",), prompt_pos=0),
    "rerank": Method("rerank", False, model_param=None, prompt=("query",)),
}, timeout=(), retries=(), model_param="model_uid", model_pos=0, option_methods=())
WATSONX = ClientKind("watsonx", {
    "generate_text": Method("completion", False, model_param=None, max_tokens=("params.max_new_tokens",),
                            prompt=("prompt",), prompt_pos=0),
    "generate": Method("completion", False, model_param=None, max_tokens=("params.max_new_tokens",),
                       prompt=("prompt",), prompt_pos=0),
    "generate_text_stream": Method("completion", True, model_param=None, max_tokens=("params.max_new_tokens",),
                                   prompt=("prompt",), prompt_pos=0),
    "chat": Method("chat", False, model_param=None, prompt=("messages",), prompt_pos=0),
    "chat_stream": Method("chat", True, model_param=None, prompt=("messages",), prompt_pos=0),
}, timeout=(), retries=(), model_param="model_id", option_methods=())
# the model is inside the request object (`chat_details.serving_mode.model_id`)
OCI_GENAI = ClientKind("oci", {
    "chat": Method("chat", False, model_param=None, prompt=("chat_details",), prompt_pos=0),
    "generate_text": Method("completion", False, model_param=None, prompt=("generate_text_details",), prompt_pos=0),
    "embed_text": Method("embedding", False, model_param=None, prompt=("embed_text_details",), prompt_pos=0),
}, timeout=("timeout",), retries=("retry_strategy",), option_methods=())
# a TGI server (`text_generation.Client(url)`) serves one model; the request names none
TGI = ClientKind("tgi", {
    "generate": Method("completion", False, model_param=None, max_tokens=("max_new_tokens",), prompt=("prompt",),
                       prompt_pos=0),
    "generate_stream": Method("completion", True, model_param=None, max_tokens=("max_new_tokens",),
                              prompt=("prompt",), prompt_pos=0),
}, retries=(), option_methods=())
# TypeSafe's decision models (`TypeSafeClient(model=…).system_one(state, questions, model=…)`)
TYPESAFE = ClientKind("typesafe", {"system_one": Method("chat", False, prompt=("state", "questions"), prompt_pos=0)},
                      retries=("retry",), model_param="model", option_methods=())
TYPESAFE_ASYNC = ClientKind("typesafe", {"system_one": Method("chat", False, True, prompt=("state", "questions"),
                                                              prompt_pos=0)},
                            is_async=True, retries=("retry",), model_param="model", option_methods=())
TGI_ASYNC = ClientKind("tgi", {k: dataclasses.replace(m, is_async=True) for k, m in TGI.methods.items()},
                       is_async=True, retries=(), option_methods=())

# ---- Alibaba DashScope, Volcengine Ark, Replicate, Fireworks ---------------------------------------------------
# DashScope (Qwen…): classmethods of its API classes, `dashscope.Generation.call(model=…, messages=…)` (the model
# first by position); the `Aio…` classes' `call` is awaited; `request_timeout=` (seconds) per call. By the class's
# name under `dashscope` and the module defining it (dashscope 1.x and 2.x): (module, operation, prompt, caps)
_DASHSCOPE_APIS = {
    "Generation": ("aigc.generation", "chat", ("messages", "prompt"), ("max_tokens",)),
    "MultiModalConversation": ("aigc.multimodal_conversation", "chat", ("messages", "text"), ("max_tokens",)),
    "TextEmbedding": ("embeddings.text_embedding", "embedding", ("input",), ()),
    "MultiModalEmbedding": ("embeddings.multimodal_embedding", "embedding", ("input",), ()),
    "TextReRank": ("rerank.text_rerank", "rerank", ("query",), ()),
    "ImageSynthesis": ("aigc.image_synthesis", "image", ("prompt",), ()),
}


def _dashscope_classes() -> dict[str, ClientKind]:
    """Each API class and its `Aio…` twin, as a module client (`Generation.call(…)`) and as an instance's class."""
    out: dict[str, ClientKind] = {}
    for name, (module, operation, prompt, caps) in _DASHSCOPE_APIS.items():
        for async_ in (False, True):
            # `ImageSynthesis.async_call` submits a task and returns at once: a request all the same
            calls = ("call", "async_call") if operation == "image" and not async_ else ("call",)
            kind = ClientKind("dashscope", {
                call: Method(operation, None if operation == "chat" else False, async_, model_pos=0, max_tokens=caps,
                             prompt=prompt) for call in calls},
                is_async=async_, timeout=("request_timeout",), retries=(), option_methods=())
            cls = f"Aio{name}" if async_ else name
            out[f"dashscope.{cls}"] = out[f"dashscope.{module}.{cls}"] = kind
    return out


DASHSCOPE_CLASSES = _dashscope_classes()


# Volcengine Ark (`volcenginesdkarkruntime.Ark()`, base URL ark.cn-beijing.volces.com): a Stainless-built client of
# OpenAI's shape with Ark's own resources beside (bots, context caches, batch inference, video tasks); its request
# methods come from the data (knowledge/data/sdk_requests.json)
ARK = ClientKind("volcengine", {}, timeout=_STAINLESS_TIMEOUT)
ARK_ASYNC = ClientKind("volcengine", {}, is_async=True, timeout=_STAINLESS_TIMEOUT)


# Replicate: `replicate.run("owner/model:version", input={…})` (the module's default client, or a
# `replicate.Client()`), its streams and async twins, and predictions created by model, version or deployment.
# What the model reads (prompt, output cap) is inside `input=`, named as the model's own schema names it.
_REPLICATE_INPUT = dict(max_tokens=("input.max_tokens", "input.max_new_tokens", "input.max_length"),
                        prompt=("input.prompt", "input.system_prompt", "input.messages"))


def _replicate_methods() -> dict[str, Method]:
    m = {name: Method("completion", stream, async_, model_param="ref", model_pos=0, **_REPLICATE_INPUT)
         for name, stream, async_ in (("run", False, False), ("async_run", False, True), ("stream", True, False),
                                      ("async_stream", True, True))}
    for owner, key in (("predictions", "model"), ("models.predictions", "model"), ("deployments.predictions", "deployment")):
        for name, async_ in (("create", False), ("async_create", True)):
            m[f"{owner}.{name}"] = Method("completion", None, async_, model_param=key, model_aliases=("version",),
                                          **_REPLICATE_INPUT)
    return m


REPLICATE = ClientKind("replicate", _replicate_methods(), retries=(), option_methods=())


# Fireworks: `fireworks.client.ChatCompletion.create(model=…, messages=…)` (fireworks-ai < 0.16; `acreate` awaited,
# `request_timeout=` per call) and its OpenAI-shaped `fireworks.client.Fireworks()`; fireworks-ai >= 1 is a
# Stainless-built client (chat and completions of OpenAI's shape, messages of Anthropic's) whose request methods
# come from the data
def _fireworks_legacy_methods(client: bool) -> dict[str, Method]:
    """The module's classes (`ChatCompletion.create`), or a `Fireworks()` client's namespaces (`chat.completions.create`)."""
    m: dict[str, Method] = {}
    for cls, ns, operation, prompt, caps in (
            ("ChatCompletion", "chat.completions", "chat", ("messages", "prompt_or_messages"), _OPENAI_CHAT_CAP),
            ("Completion", "completions", "completion", ("prompt", "prompt_or_messages"), ("max_tokens",)),
            ("Embedding", "embeddings", "embedding", ("input",), ()), ("Rerank", "rerank", "rerank", ("query",), ())):
        for name, async_ in (("create", False), ("acreate", True)):
            m[f"{ns if client else cls}.{name}"] = Method(operation, None if caps else False, async_, model_pos=0,
                                                          max_tokens=caps, prompt=prompt, prompt_pos=1 if caps else None)
    return m


FIREWORKS_LEGACY_MODULE = ClientKind("fireworks", _fireworks_legacy_methods(False), timeout=("request_timeout",),
                                     retries=(), option_methods=())
FIREWORKS_LEGACY = ClientKind("fireworks", _fireworks_legacy_methods(True), timeout=("timeout",), retries=(),
                              option_methods=())
# fireworks-ai 0.17-0.19's `LLM(model=…, deployment_type=…)`: a client bound to its model, which no request names
FIREWORKS_LLM = ClientKind("fireworks", {
    f"{ns}.{name}": Method(operation, None, name == "acreate", model_param=None, max_tokens=("max_tokens",),
                           prompt=(prompt,), prompt_pos=0)
    for ns, operation, prompt in (("chat.completions", "chat", "messages"), ("completions", "completion", "prompt"))
    for name in ("create", "acreate")}, timeout=("request_timeout",), retries=("max_retries",), model_param="model",
    option_methods=())
FIREWORKS = ClientKind("fireworks", {}, timeout=_STAINLESS_TIMEOUT)
FIREWORKS_ASYNC = ClientKind("fireworks", {}, is_async=True, timeout=_STAINLESS_TIMEOUT)

# ---- LlamaIndex LLM and embedding objects (`OpenAI(model=…).complete(…)`, `embed_model.get_text_embedding(…)`) ----
_LLAMAINDEX_CALLS = {"complete": ("completion", False), "stream_complete": ("completion", True),
                     "chat": ("chat", False), "stream_chat": ("chat", True), "predict": ("chat", False),
                     "structured_predict": ("chat", False), "stream": ("chat", True)}
LLAMAINDEX_LLM = ClientKind("llama-index", {
    **{name: Method(op, stream, False, model_param=None, max_tokens=(), prompt=("prompt", "messages"), prompt_pos=0)
       for name, (op, stream) in _LLAMAINDEX_CALLS.items()},
    **{f"a{name}": Method(op, stream, True, model_param=None, max_tokens=(), prompt=("prompt", "messages"), prompt_pos=0)
       for name, (op, stream) in _LLAMAINDEX_CALLS.items()},
}, timeout=("timeout", "request_timeout"), retries=("max_retries",), model_param="model",
    max_tokens=("max_tokens", "max_new_tokens", "num_output"), option_methods=("as_structured_llm",))
_LLAMAINDEX_EMBED_CALLS = ("get_text_embedding", "get_text_embedding_batch", "get_query_embedding",
                           "get_agg_embedding_from_queries", "_get_text_embeddings", "_get_text_embedding",
                           "_get_query_embedding")
LLAMAINDEX_EMBEDDING = ClientKind("llama-index", {
    **{name: Method("embedding", False, model_param=None, prompt=(), prompt_pos=0) for name in _LLAMAINDEX_EMBED_CALLS},
    **{f"a{name.lstrip('_')}" if not name.startswith("_") else f"_a{name[1:]}":
       Method("embedding", False, True, model_param=None, prompt=(), prompt_pos=0) for name in _LLAMAINDEX_EMBED_CALLS},
}, timeout=("timeout",), retries=("max_retries",), model_param="model_name", option_methods=())
# the LLM and embedding classes of LlamaIndex's provider packages, and the core types code annotates with
_LLAMAINDEX_LLM_CLASSES = (
    "openai.OpenAI", "openai_like.OpenAILike", "azure_openai.AzureOpenAI", "anthropic.Anthropic",
    "mistralai.MistralAI", "gemini.Gemini", "google_genai.GoogleGenAI", "vertex.Vertex", "groq.Groq",
    "ollama.Ollama", "bedrock.Bedrock", "bedrock_converse.BedrockConverse", "cohere.Cohere",
    "together.TogetherLLM", "fireworks.Fireworks", "litellm.LiteLLM", "deepseek.DeepSeek",
    "huggingface_api.HuggingFaceInferenceAPI", "text_generation_inference.TextGenerationInference",
    "vllm.Vllm", "openrouter.OpenRouter", "perplexity.Perplexity", "dashscope.DashScope")
_LLAMAINDEX_EMBEDDING_CLASSES = (
    "openai.OpenAIEmbedding", "azure_openai.AzureOpenAIEmbedding", "mistralai.MistralAIEmbedding",
    "cohere.CohereEmbedding", "voyageai.VoyageEmbedding", "gemini.GeminiEmbedding",
    "google_genai.GoogleGenAIEmbedding", "ollama.OllamaEmbedding", "bedrock.BedrockEmbedding",
    "huggingface_api.HuggingFaceInferenceAPIEmbedding", "together.TogetherEmbedding", "dashscope.DashScopeEmbedding")
# a query or chat engine over an index (`index.as_query_engine(llm=…)`, `CitationQueryEngine.from_args(index)`,
# `index.as_chat_engine()`, `SimpleChatEngine.from_defaults(llm=…)`): its calls prompt its `llm=`, else the global
# `Settings.llm`; requests go to that LLM, with its settings
LLAMAINDEX_ENGINE_CALLS = {"query": (False, False), "aquery": (True, False), "chat": (False, False),
                           "achat": (True, False), "stream_chat": (False, True), "astream_chat": (True, True)}
LLAMAINDEX_ENGINE_FACTORIES = ("as_query_engine", "as_chat_engine")  # methods on an index building an engine
LLAMAINDEX_ENGINE_CLASSES = ("QueryEngine", "ChatEngine")           # class name suffixes (`from_args`, `from_defaults`)
LLAMAINDEX_GLOBAL_LLM = ("Settings", "llm")                          # `Settings.llm = MistralAI(model=…)`
LLAMAINDEX_QUERY_ENGINE = ClientKind("llama-index", {
    name: Method("chat", stream, async_, model_param=None, prompt=("str_or_query_bundle", "message"), prompt_pos=0)
    for name, (async_, stream) in LLAMAINDEX_ENGINE_CALLS.items()}, timeout=(), retries=(), option_methods=())
LLAMAINDEX_CLASSES: dict[str, ClientKind] = {
    **{f"llama_index.llms.{path}": LLAMAINDEX_LLM for path in _LLAMAINDEX_LLM_CLASSES},
    **{f"llama_index.embeddings.{path}": LLAMAINDEX_EMBEDDING for path in _LLAMAINDEX_EMBEDDING_CLASSES},
    **{f"llama_index.core.{path}": LLAMAINDEX_LLM for path in ("llms.LLM", "llms.llm.LLM", "base.llms.base.BaseLLM")},
    **{f"llama_index.core.{path}": LLAMAINDEX_EMBEDDING
       for path in ("embeddings.BaseEmbedding", "base.embeddings.base.BaseEmbedding")},
}

# ---- DSPy: an LM (`dspy.LM("openai/gpt-4o-mini")`, a litellm model string) called directly, and the modules
# that prompt the LM `dspy.configure(lm=…)` set (`dspy.Predict(sig)(question=…)`): each call is one LM request
# made inside DSPy (through litellm). The legacy `dsp` clients (`dspy.OpenAI(model=…)`) are LMs too.
_DSPY_CALLS = {"__call__": False, "acall": True}
_DSPY_LM_SETTINGS = dict(timeout=("timeout",), retries=("num_retries",), max_tokens=("max_tokens",), option_methods=())
# `request`/`basic_request`: the HTTP request of the legacy `dsp` LMs, which a package's subclass calls on self
DSPY_LM = ClientKind("dspy", {
    name: Method("chat", False, async_, model_param=None, prompt=("prompt", "messages"), prompt_pos=0)
    for name, async_ in {**_DSPY_CALLS, "request": False, "basic_request": False}.items()},
    model_param="model", model_pos=0, **_DSPY_LM_SETTINGS)
# a module's request goes to the LM a `GLOBAL_LM_SETTERS` call configured, with that LM's settings
DSPY_MODULE = ClientKind("dspy", {
    name: Method("chat", False, async_, model_param=None, prompt=()) for name, async_ in _DSPY_CALLS.items()},
    **_DSPY_LM_SETTINGS)
_DSPY_MODULES = ("Predict", "ChainOfThought", "ChainOfThoughtWithHint", "TypedPredictor", "TypedChainOfThought",
                 "ReAct", "ProgramOfThought", "MultiChainComparison", "Refine", "BestOfN", "CodeAct")
_DSPY_LMS = ("LM", "OpenAI", "AzureOpenAI", "Claude", "Google", "GROQ", "Cohere", "Together", "OllamaLocal")
DSPY_CLASSES: dict[str, ClientKind] = {**{f"dspy.{name}": DSPY_MODULE for name in _DSPY_MODULES},
                                       **{f"dspy.{name}": DSPY_LM for name in _DSPY_LMS}}
# calls that set the LM every module of a framework prompts (by the module kind's sdk: callables, keyword), and
# the framework's LM classes: a package that subclasses one sends the request in its own class (knowledge-storm's
# `class OpenAIModel(dspy.OpenAI)`), where it is the site, so its module calls are not sites too
GLOBAL_LM_SETTERS: dict[str, tuple[frozenset[str], str]] = {
    "dspy": (frozenset({"dspy.configure", "dspy.settings.configure", "dspy.context", "dspy.settings.context"}), "lm")}
FRAMEWORK_LM_BASES: dict[str, tuple[str, ...]] = {"dspy": _DSPY_LMS + ("BaseLM", "HFModel", "GPT3")}

# ---- Haystack: provider components (`OpenAIChatGenerator(model=…).run(messages=…)`, `MistralDocumentEmbedder().run(
# documents=…)`, `CohereRanker().run(query=…, documents=…)`) and the pipelines they are added to
# (`pipe.add_component("llm", generator)`, then `pipe.run({...})`: one site, the component's request). Local
# components (SentenceTransformers…, HuggingFaceLocal…) are not in the table.
def _haystack_kind(operation: str) -> ClientKind:
    return ClientKind("haystack", {
        name: Method(operation, None if operation == "chat" else False, async_, model_param=None,
                     max_tokens=("generation_kwargs.max_tokens", "generation_kwargs.max_completion_tokens"),
                     prompt=("messages", "prompt", "text", "documents", "query"), prompt_pos=0)
        for name, async_ in (("run", False), ("run_async", True))},
        timeout=("timeout",), retries=("max_retries",), model_param="model", option_methods=(),
        max_tokens=("generation_kwargs.max_tokens", "generation_kwargs.max_completion_tokens"))


HAYSTACK_GENERATOR, HAYSTACK_EMBEDDER, HAYSTACK_RANKER = (
    _haystack_kind("chat"), _haystack_kind("embedding"), _haystack_kind("rerank"))
HAYSTACK_PIPELINE = ClientKind("haystack", {
    "run": Method("chat", None, model_param=None, prompt=()), "run_async": Method("chat", None, True, model_param=None,
                                                                                    prompt=())},
    timeout=(), retries=(), option_methods=())
_HAYSTACK_PROVIDERS = ("OpenAI", "AzureOpenAI", "HuggingFaceAPI", "Anthropic", "AnthropicVertex", "Mistral", "Cohere",
                       "GoogleAIGemini", "GoogleGenAI", "VertexAIGemini", "Ollama", "AmazonBedrock", "Nvidia", "Jina",
                       "OpenRouter", "Together", "MetaLlama", "Voyage", "Watsonx", "Llama")
_HAYSTACK_SUFFIXES = {"ChatGenerator": HAYSTACK_GENERATOR, "Generator": HAYSTACK_GENERATOR,
                      "TextEmbedder": HAYSTACK_EMBEDDER, "DocumentEmbedder": HAYSTACK_EMBEDDER,
                      "Ranker": HAYSTACK_RANKER}
# by package root, any module path: the evaluator also matches a class by (root, simple name)
HAYSTACK_CLASSES: dict[str, ClientKind] = {
    **{f"{root}.components.{provider}{suffix}": kind for root in ("haystack", "haystack_integrations")
       for provider in _HAYSTACK_PROVIDERS for suffix, kind in _HAYSTACK_SUFFIXES.items()},
    **{f"haystack.{name}": HAYSTACK_PIPELINE for name in ("Pipeline", "AsyncPipeline")},
}
# pipelines, whose run is a request when a component added to them makes one: (pipeline kind, the method adding a
# component, the argument holding it by position and keyword, the component kinds in the order one names the site)
PIPELINES: tuple[tuple[ClientKind, str, int, str, tuple[ClientKind, ...]], ...] = (
    (HAYSTACK_PIPELINE, "add_component", 1, "instance", (HAYSTACK_GENERATOR, HAYSTACK_RANKER, HAYSTACK_EMBEDDER)),)

# ---- agent frameworks: an agent object whose run makes the model request (through the provider SDK the
# framework picks), with the model the agent is built with unless the run names another.
# pydantic-ai: `Agent("openai:gpt-4o", model_settings={…})` (or `model=OpenAIModel("gpt-4o")`), then
# `agent.run(…)`, `run_sync`, `run_stream`, `iter`; `model=`/`model_settings=` on the run win.
_AGENT_SETTINGS = "model_settings"


def _pydantic_ai_run(stream: bool, async_: bool) -> Method:
    return Method("chat", stream, async_, model_param="model", max_tokens=(f"{_AGENT_SETTINGS}.max_tokens",),
                  prompt=("user_prompt",), prompt_pos=0)


PYDANTIC_AI_AGENT = ClientKind("pydantic-ai", {
    "run": _pydantic_ai_run(False, True), "run_sync": _pydantic_ai_run(False, False),
    "run_stream": _pydantic_ai_run(True, True), "run_stream_sync": _pydantic_ai_run(True, False),
    "run_stream_events": _pydantic_ai_run(True, True), "iter": _pydantic_ai_run(False, True),
}, timeout=("timeout", f"{_AGENT_SETTINGS}.timeout"), retries=(), model_param="model", model_pos=0,
    max_tokens=(f"{_AGENT_SETTINGS}.max_tokens",), option_methods=())
# a model object handed to an agent (`OpenAIModel("gpt-4o")`): no request of its own; agent_frameworks reads it
PYDANTIC_AI_MODEL = ClientKind("pydantic-ai", {}, timeout=(), retries=(), model_param="model_name", model_pos=0,
                               option_methods=())
# the OpenAI Agents SDK: `Agent(name=…, model="gpt-4o")` run by `Runner.run(agent, input)` (`run_sync`,
# `run_streamed`); `run_config=RunConfig(model=…)` wins over the agent's model
OPENAI_AGENT = ClientKind("openai-agents", {}, timeout=(), retries=(), model_param="model",
                          max_tokens=(f"{_AGENT_SETTINGS}.max_tokens",), option_methods=("clone",))
OPENAI_AGENTS_MODEL = ClientKind("openai-agents", {}, timeout=(), retries=(), model_param="model", model_pos=0,
                                 option_methods=())
OPENAI_AGENTS_RUNNER = ClientKind("openai-agents", {
    name: Method("chat", stream, async_, model_param="run_config.model",
                 max_tokens=(f"run_config.{_AGENT_SETTINGS}.max_tokens",), prompt=("input",), prompt_pos=1)
    for name, stream, async_ in (("run", False, True), ("run_sync", False, False), ("run_streamed", True, True))},
    timeout=(), retries=(), option_methods=())
AGENT_FRAMEWORK_CLASSES: dict[str, ClientKind] = {
    "pydantic_ai.Agent": PYDANTIC_AI_AGENT, "pydantic_ai.agent.Agent": PYDANTIC_AI_AGENT,
    **{f"pydantic_ai.models.{path}": PYDANTIC_AI_MODEL for path in (
        "openai.OpenAIModel", "openai.OpenAIChatModel", "openai.OpenAIResponsesModel", "anthropic.AnthropicModel",
        "gemini.GeminiModel", "google.GoogleModel", "groq.GroqModel", "mistral.MistralModel", "cohere.CohereModel",
        "bedrock.BedrockConverseModel", "openrouter.OpenRouterModel", "fallback.FallbackModel")},
    "agents.Agent": OPENAI_AGENT,
    **{f"agents.{path}": OPENAI_AGENTS_MODEL for path in (
        "OpenAIChatCompletionsModel", "OpenAIResponsesModel", "extensions.models.litellm_model.LitellmModel")},
}
# frameworks whose requests go through a provider client they build: a timeout, retry count or output cap the
# code does not state is whatever that client and provider default to, unknown here (never reported missing)
FRAMEWORK_DEFAULTS_UNKNOWN = frozenset({"pydantic-ai", "openai-agents"})

# ---- LangChain chat models and the runnables built from them -------------------------------------------
_LC_CALLS = {
    "invoke": (False, None), "ainvoke": (True, None), "stream": (False, True), "astream": (True, True),
    "batch": (False, None), "abatch": (True, None), "predict": (False, None), "apredict": (True, None),
    "predict_messages": (False, None), "apredict_messages": (True, None),
    "generate": (False, None), "agenerate": (True, None), "astream_events": (True, True),
    "__call__": (False, None), "run": (False, None), "arun": (True, None),
    "generate_prompt": (False, None), "agenerate_prompt": (True, None),
}
LANGCHAIN_CHAT = ClientKind("langchain", {
    name: Method("chat", stream, async_, model_param=None, prompt=("input",), prompt_pos=0)
    for name, (async_, stream) in _LC_CALLS.items()
}, timeout=("timeout", "request_timeout", "default_request_timeout"), retries=("max_retries",),
    model_param="model", model_pos=None,
    max_tokens=("max_tokens", "max_completion_tokens", "max_output_tokens", "num_predict", "max_tokens_to_sample",
                # parameters the class has no field for go in `model_kwargs={...}`, sent with every request
                "model_kwargs.max_completion_tokens", "model_kwargs.max_tokens", "model_kwargs.max_output_tokens"),
    option_methods=("bind", "bind_tools", "with_structured_output", "with_config", "with_retry", "assign", "pick",
                    "with_fallbacks", "with_types", "configurable_fields", "configurable_alternatives"))
# iFlytek Spark's own SDK (`sparkai.llm.llm.ChatSparkLLM`): a chat model built on the LangChain core it vendors,
# called as LangChain's are; `spark_llm_domain=` names the model, `request_timeout=` (default 30 s) bounds the
# websocket read, `max_tokens=` (default 2048) caps the output
SPARKAI_CHAT = dataclasses.replace(LANGCHAIN_CHAT, sdk="sparkai", model_param="spark_llm_domain",
                                   timeout=("request_timeout",), retries=(), max_tokens=("max_tokens",),
                                   option_methods=("bind", "bind_tools", "with_structured_output", "with_config"))
LANGCHAIN_EMBEDDINGS = ClientKind("langchain", {
    name: Method("embedding", False, name.startswith("a"), model_param=None, prompt=(), prompt_pos=0)
    for name in ("embed_documents", "embed_query", "aembed_documents", "aembed_query")
}, timeout=("timeout", "request_timeout"), retries=("max_retries",), model_param="model", option_methods=())

LANGCHAIN_CHAT_CLASSES = frozenset({
    "ChatOpenAI", "AzureChatOpenAI", "ChatAnthropic", "ChatGoogleGenerativeAI", "ChatVertexAI",
    "ChatAnthropicVertex", "ChatBedrock", "ChatBedrockConverse", "BedrockChat", "ChatOllama", "ChatGroq",
    "ChatMistralAI", "ChatCohere", "ChatTogether", "ChatLiteLLM", "ChatLiteLLMRouter", "ChatFireworks",
    "ChatDeepSeek", "ChatXAI", "ChatPerplexity", "ChatHuggingFace", "ChatNVIDIA", "ChatDatabricks",
    "OpenAI", "AzureOpenAI", "Ollama", "OllamaLLM", "Bedrock", "BedrockLLM", "VertexAI", "GoogleGenerativeAI",
    "Anthropic", "Cohere", "Together", "Fireworks", "HuggingFaceEndpoint", "LlamaCpp",
    # langchain_community's Chinese-market providers whose class names do not follow Chat<Provider>
    "Tongyi", "MoonshotChat", "QianfanChatEndpoint", "QianfanLLMEndpoint", "MiniMaxChat", "SparkLLM",
})
LANGCHAIN_EMBEDDING_CLASSES = frozenset({
    "OpenAIEmbeddings", "AzureOpenAIEmbeddings", "OllamaEmbeddings", "GoogleGenerativeAIEmbeddings",
    "VertexAIEmbeddings", "BedrockEmbeddings", "CohereEmbeddings", "MistralAIEmbeddings", "TogetherEmbeddings",
    "HuggingFaceEmbeddings", "FireworksEmbeddings", "NVIDIAEmbeddings",
    # hosted embedding APIs
    "VoyageEmbeddings", "VoyageAIEmbeddings", "JinaEmbeddings", "NomicEmbeddings", "DeepInfraEmbeddings",
    "HuggingFaceInferenceAPIEmbeddings", "HuggingFaceEndpointEmbeddings", "DashScopeEmbeddings",
    "ZhipuAIEmbeddings", "UpstageEmbeddings", "DatabricksEmbeddings", "WatsonxEmbeddings", "GooglePalmEmbeddings",
})
# the base types of langchain_core / langchain a model or embeddings object handed in is annotated (or `cast`) with
# (`def __init__(self, llm: BaseLanguageModel)`): its calls are requests, as with LlamaIndex's `llm: LLM`. For
# annotations only: a project class deriving one makes its requests inside, in its own code
LANGCHAIN_ANNOTATION_TYPES: dict[str, ClientKind] = {
    **dict.fromkeys(("BaseLanguageModel", "BaseChatModel", "BaseLLM", "LLM", "SimpleChatModel"), LANGCHAIN_CHAT),
    "Embeddings": LANGCHAIN_EMBEDDINGS}
# LangChain (and LangGraph) callables whose result runs a chat model or chain handed to them, by
# keyword, position or inside a dict of branches: legacy chains (`LLMChain(llm=…)`), agents
# (`AgentExecutor(agent=…)`), runnables composed of others (`RunnableParallel(answer=prompt | llm)`,
# `.assign(…)`), the `from_llm`-style constructors, and every `create_*` helper
# (`create_retrieval_chain(retriever, create_stuff_documents_chain(llm, prompt))`, `create_react_agent`)
LANGCHAIN_LLM_HOLDERS = frozenset({
    "LLMChain", "ConversationChain", "RetrievalQA", "ConversationalRetrievalChain", "AgentExecutor",
    "RunnableParallel", "RunnableMap", "RunnableSequence", "RunnableBranch", "RunnableWithMessageHistory",
    "initialize_agent", "assign", "from_llm", "from_chain_type", "from_agent_and_tools", "from_llm_and_tools",
})
LANGCHAIN_HOLDER_PREFIX = "create_"
LANGCHAIN_PACKAGES = ("langchain", "langgraph")

# ---- where settings live -------------------------------------------------------------------------------
# SDKs whose requests take a timeout / retry count of their own: an unseen `**kwargs` on such a request
# may carry one. Elsewhere they live only on the client (boto3's botocore Config, Ollama's Client).
REQUEST_TIMEOUT_SDKS = frozenset({"openai", "anthropic", "groq", "together", "litellm", "google", "mistral",
                                  "cohere", "langchain", "http", "dashscope", "volcengine", "fireworks"})
REQUEST_RETRIES_SDKS = frozenset({"litellm", "google", "mistral", "cohere"})

# ---- raw HTTP ------------------------------------------------------------------------------------------
HTTP_ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    # (url substring, provider, operation)
    ("api.openai.com/v1/chat/completions", "openai", "chat"),
    ("api.openai.com/v1/responses", "openai", "responses"),
    ("api.openai.com/v1/completions", "openai", "completion"),
    ("api.openai.com/v1/embeddings", "openai", "embedding"),
    ("api.openai.com/v1/images", "openai", "image"),
    ("api.openai.com/v1/audio", "openai", "audio"),
    (".openai.azure.com", "openai", "chat"),
    ("api.anthropic.com/v1/messages", "anthropic", "chat"),
    ("api.anthropic.com/v1/complete", "anthropic", "completion"),
    ("generativelanguage.googleapis.com", "google", "chat"),
    ("aiplatform.googleapis.com", "google", "chat"),
    ("api.groq.com", "groq", "chat"),
    ("api.mistral.ai", "mistral", "chat"),
    ("api.cohere.ai", "cohere", "chat"),
    ("api.cohere.com", "cohere", "chat"),
    ("api.together.xyz", "together", "chat"),
    ("api.together.ai", "together", "chat"),
    ("openrouter.ai/api", "openai", "chat"),
    ("chatgpt.com/backend-api/codex/responses", "openai", "responses"),
    ("api.deepseek.com", "openai", "chat"),
    ("api.perplexity.ai", "openai", "chat"),
    ("api.fireworks.ai", "openai", "chat"),
    ("bedrock-runtime.", "bedrock", "chat"),
    (":11434/api/chat", "ollama", "chat"),
    (":11434/api/generate", "ollama", "completion"),
    (":11434/api/embed", "ollama", "embedding"),
    (":11434/v1/chat/completions", "ollama", "chat"),
    ("api.typesafe.ai/v1/systemone", "typesafe", "chat"),
    ("modelslab.com/api/v6/images", "modelslab", "image"),
    ("modelslab.com/api/v6/video", "modelslab", "image"),
)
# OpenAI-/Anthropic-compatible paths on a host we cannot see (`f"{self.host}/v1/chat/completions"`):
# the path is as telling as a provider host. Matched against the end of the URL.
HTTP_PATH_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("/chat/completions", "openai", "chat"),
    ("/v1/completions", "openai", "completion"),
    ("/v1/embeddings", "openai", "embedding"),
    ("/embeddings", "openai", "embedding"),   # a base holding its /v1 (`{base_url}/embeddings`), a llama.cpp server
    ("/v1/responses", "openai", "responses"),
    ("/v1/messages", "anthropic", "chat"),
    # the WebRTC call a realtime session starts with: the SDP offer POSTed to `…/realtime/calls?model=…`
    ("/realtime/calls", "openai", "realtime"),
    # servers with an API of their own: TypeSafe's decision models, a LoLLMs server
    ("/v1/systemone", "typesafe", "chat"),
    ("/lollms_generate", "lollms", "completion"),
    ("/lollms_embed", "lollms", "embedding"),
)
# Azure OpenAI on any host (`{endpoint}/openai/deployments/{deployment}/embeddings?api-version=…`)
AZURE_DEPLOYMENT_PATHS: tuple[tuple[str, str], ...] = (
    ("/chat/completions", "chat"), ("/completions", "completion"), ("/embeddings", "embedding"),
    ("/images/generations", "image"), ("/audio/transcriptions", "audio"), ("/audio/translations", "audio"),
    ("/audio/speech", "audio"),
)
# keys of a JSON body that make a request to a URL from configuration a request, and which: a chat completion,
# a rerank (text-embeddings-inference's `{"query", "texts"}`; Cohere/Jina/Voyage-style `{"model", "query",
# "documents"}`; NVIDIA NIM's ranking `{"model", "query", "passages"}`), or a text generation (a model and a
# prompt: OpenAI-style completions, Ollama's generate; Hugging Face TGI's `{"inputs", "parameters"}`, SGLang's
# `{"text", "sampling_params"}` or token ids `{"input_ids", "sampling_params"}`, llama.cpp's `{"prompt", "n_predict"}`)
REQUEST_BODY_SHAPES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"model", "messages"}), "chat"), (frozenset({"query", "texts"}), "rerank"),
    (frozenset({"model", "query", "documents"}), "rerank"), (frozenset({"model", "query", "passages"}), "rerank"),
    (frozenset({"model", "prompt"}), "completion"), (frozenset({"inputs", "parameters"}), "completion"),
    (frozenset({"text", "sampling_params"}), "completion"), (frozenset({"input_ids", "sampling_params"}), "completion"),
    (frozenset({"prompt", "n_predict"}), "completion"))
# a provider host alone also serves OAuth, key and model-list endpoints: a URL matched by host only
# counts when its path names a request (or is not known)
HTTP_REQUEST_PATH_WORDS = ("chat", "complet", "messages", "generate", "embed", "responses", "invoke",
                           "converse", "rerank", "predict", "images", "audio", "v1beta/models")
# paths that count or split tokens (`messages/count_tokens`, `:countTokens`, a server's `/tokenize`): no model runs
HTTP_TOKEN_COUNT_PATH_WORDS = ("count_tokens", "counttokens", "tokenize")
HTTP_METHODS = {"post": False, "request": False, "stream": True}
HTTP_METHOD_FIRST = ("request", "stream")   # `client.stream("POST", url, …)`: the URL comes second
HTTP_CLIENT = ClientKind("http", {
    # image, speech and text-generation APIs name the body's model `model_id` (ModelsLab, ElevenLabs, watsonx)
    name: Method("chat", stream, model_param="json.model", model_aliases=("json.model_id",),
                 max_tokens=("json.max_tokens", "json.max_completion_tokens", "json.max_output_tokens",
                             "json.options.num_predict", "json.generationConfig.maxOutputTokens"),
                 prompt=("json.messages", "json.prompt", "json.input", "json.contents"))
    for name, stream in HTTP_METHODS.items()
}, retries=(), option_methods=())
# a WebSocket opened to a provider's realtime endpoint (`wss://…/v1/realtime?model=…`) is a realtime session, as
# the SDK's `realtime.connect(model=…)` is; discover._http_request keeps only URLs whose path ends in /realtime
SOCKET_OPEN = Method("realtime", True, True, model_param=None, prompt=())
HTTP_CLIENT_ASYNC = ClientKind("http", {**{k: Method(v.operation, v.stream, True, v.model_param, None, v.max_tokens,
                                                     v.prompt, model_aliases=v.model_aliases)
                                           for k, v in HTTP_CLIENT.methods.items()},
                                        "ws_connect": SOCKET_OPEN},   # aiohttp's ClientSession.ws_connect(url)
                               is_async=True, retries=(), option_methods=())
# the `websockets` package's connect functions (asyncio, legacy and sync APIs) and websocket-client's
# create_connection. Kept out of the request-name tables: `connect` alone is everyday code (`db.connect(`,
# `socket.create_connection(`); a file importing the package has these names' lines looked at (IMPORT_GATED_CALLS)
_SOCKET_OPEN_SYNC = dataclasses.replace(SOCKET_OPEN, is_async=False)
WEBSOCKET_MODULES: dict[str, ClientKind] = {
    "websockets": ClientKind("http", {**{path: SOCKET_OPEN for path in (
        "connect", "client.connect", "asyncio.client.connect", "legacy.client.connect")},
        "sync.client.connect": _SOCKET_OPEN_SYNC}, retries=(), option_methods=()),
    "websocket": ClientKind("http", {"create_connection": _SOCKET_OPEN_SYNC}, retries=(), option_methods=()),
}
# the standard library's `urllib.request.urlopen(url_or_request, data)`: a request like a client's post
HTTP_URLLIB = ClientKind("http", {"urlopen": HTTP_CLIENT.methods["post"]}, retries=(), option_methods=())

# ---- how values come into being: qualified names → kinds --------------------------------------------------
# classes whose instances are clients
CLIENT_CLASSES: dict[str, ClientKind] = {
    "openai.OpenAI": OPENAI, "openai.AzureOpenAI": OPENAI, "openai.Client": OPENAI,
    "openai.AsyncOpenAI": OPENAI_ASYNC, "openai.AsyncAzureOpenAI": OPENAI_ASYNC, "openai.AsyncClient": OPENAI_ASYNC,
    "anthropic.Anthropic": ANTHROPIC, "anthropic.Client": ANTHROPIC, "anthropic.AnthropicBedrock": ANTHROPIC,
    "anthropic.AnthropicVertex": ANTHROPIC, "anthropic.AsyncAnthropic": ANTHROPIC_ASYNC,
    "anthropic.AsyncAnthropicBedrock": ANTHROPIC_ASYNC, "anthropic.AsyncAnthropicVertex": ANTHROPIC_ASYNC,
    "anthropic.AsyncClient": ANTHROPIC_ASYNC,
    "zhipuai.ZhipuAI": OPENAI,  # OpenAI-shaped client of another provider
    "groq.Groq": GROQ, "groq.Client": GROQ, "groq.AsyncGroq": GROQ_ASYNC, "groq.AsyncClient": GROQ_ASYNC,
    "together.Together": TOGETHER, "together.Client": TOGETHER, "together.AsyncTogether": TOGETHER_ASYNC,
    "together.AsyncClient": TOGETHER_ASYNC,
    "google.genai.Client": GOOGLE_GENAI, "google.genai.client.Client": GOOGLE_GENAI,
    "google.generativeai.GenerativeModel": GOOGLE_GENERATIVE_MODEL,
    "google.generativeai.generative_models.GenerativeModel": GOOGLE_GENERATIVE_MODEL,
    "vertexai.generative_models.GenerativeModel": GOOGLE_GENERATIVE_MODEL,
    "vertexai.preview.generative_models.GenerativeModel": GOOGLE_GENERATIVE_MODEL,
    "litellm.Router": LITELLM_ROUTER, "litellm.router.Router": LITELLM_ROUTER,
    "ollama.Client": OLLAMA, "ollama.AsyncClient": OLLAMA_ASYNC,
    "cohere.Client": COHERE, "cohere.ClientV2": COHERE, "cohere.AsyncClient": COHERE_ASYNC,
    "cohere.AsyncClientV2": COHERE_ASYNC,
    # the cohere package's clients for Cohere models on Amazon Bedrock and SageMaker endpoints
    "cohere.BedrockClient": COHERE, "cohere.BedrockClientV2": COHERE, "cohere.SagemakerClient": COHERE,
    "cohere.SagemakerClientV2": COHERE, "cohere.AwsClient": COHERE,
    "mistralai.Mistral": MISTRAL, "mistralai.client.MistralClient": MISTRAL_LEGACY,
    "mistralai.async_client.MistralAsyncClient": MISTRAL_LEGACY,
    "huggingface_hub.InferenceClient": HUGGINGFACE, "huggingface_hub.AsyncInferenceClient": HUGGINGFACE_ASYNC,
    "pinecone.Pinecone": PINECONE, "pinecone.grpc.PineconeGRPC": PINECONE, "pinecone.PineconeAsyncio": PINECONE_ASYNC,
    "qianfan.ChatCompletion": QIANFAN_CHAT, "qianfan.Completion": QIANFAN_COMPLETION,
    "qianfan.Embedding": QIANFAN_EMBEDDING,
    "xai_sdk.Client": XAI, "xai_sdk.AsyncClient": XAI,
    "aurelio_sdk.AurelioClient": AURELIO, "aurelio_sdk.AsyncAurelioClient": AURELIO_ASYNC,
    **{f"xinference_client.{name}": XINFERENCE
       for name in ("Client", "RESTfulClient", "client.restful.restful_client.Client")},
    "ibm_watsonx_ai.foundation_models.Model": WATSONX, "ibm_watsonx_ai.foundation_models.ModelInference": WATSONX,
    "ibm_watson_machine_learning.foundation_models.Model": WATSONX,
    "oci.generative_ai_inference.GenerativeAiInferenceClient": OCI_GENAI,
    "text_generation.Client": TGI, "text_generation.AsyncClient": TGI_ASYNC,
    "typesafe_sdk.TypeSafeClient": TYPESAFE, "typesafe_sdk.AsyncTypeSafeClient": TYPESAFE_ASYNC,
    "volcenginesdkarkruntime.Ark": ARK, "volcenginesdkarkruntime.AsyncArk": ARK_ASYNC,
    "replicate.Client": REPLICATE, "replicate.client.Client": REPLICATE,
    "fireworks.client.Fireworks": FIREWORKS_LEGACY, "fireworks.client.AsyncFireworks": FIREWORKS_LEGACY,
    "fireworks.Fireworks": FIREWORKS, "fireworks.AsyncFireworks": FIREWORKS_ASYNC, "fireworks.LLM": FIREWORKS_LLM,
    "sparkai.llm.llm.ChatSparkLLM": SPARKAI_CHAT,
    **LLAMAINDEX_CLASSES,
    **DSPY_CLASSES,
    **HAYSTACK_CLASSES,
    **AGENT_FRAMEWORK_CLASSES,
    "elevenlabs.ElevenLabs": ELEVENLABS, "elevenlabs.client.ElevenLabs": ELEVENLABS,
    "elevenlabs.AsyncElevenLabs": ELEVENLABS_ASYNC, "elevenlabs.client.AsyncElevenLabs": ELEVENLABS_ASYNC,
    **{f"google.cloud.{package}.{aio}": GOOGLE_CLOUD_TTS_ASYNC if "Async" in aio else GOOGLE_CLOUD_TTS
       for package in ("texttospeech", "texttospeech_v1", "texttospeech_v1beta1")
       for aio in ("TextToSpeechClient", "TextToSpeechAsyncClient")},
    "requests.Session": HTTP_CLIENT, "requests.session": HTTP_CLIENT, "httpx.Client": HTTP_CLIENT,
    "httpx.AsyncClient": HTTP_CLIENT_ASYNC, "aiohttp.ClientSession": HTTP_CLIENT_ASYNC,
}
# modules usable as clients themselves
MODULE_CLIENTS: dict[str, ClientKind] = {
    "openai": OPENAI_LEGACY_MODULE,
    "litellm": LITELLM_MODULE,
    "ollama": OLLAMA,
    "together": TOGETHER_LEGACY_MODULE,
    "google.generativeai": GOOGLE_GENERATIVEAI_MODULE,
    "requests": HTTP_CLIENT,
    "httpx": HTTP_CLIENT,
    "urllib.request": HTTP_URLLIB,
    "elevenlabs": ELEVENLABS_MODULE,
    "agents.Runner": OPENAI_AGENTS_RUNNER,   # classmethods: `Runner.run(agent, input)`
    **DASHSCOPE_CLASSES,                      # classmethods: `Generation.call(model=…, messages=…)`
    "replicate": REPLICATE,                   # the default client: `replicate.run(ref, input=…)`
    "fireworks.client": FIREWORKS_LEGACY_MODULE,
    **WEBSOCKET_MODULES,
}
# ---- instructor: `instructor.from_openai(client)` (from_anthropic, from_genai, from_litellm(litellm.completion),
# patch…) returns the client patched to take a `response_model=`: its `create(…)` family, beside the wrapped
# client's own request paths, sends the wrapped client's request (that SDK, model and settings)
_INSTRUCTOR_CALLS = {"create": None, "create_with_completion": False, "create_partial": True, "create_iterable": None}


def instructed(kind: ClientKind) -> ClientKind:
    """`kind` patched by instructor: also `create`, `create_with_completion`, `create_partial`, `create_iterable`
    on the client, `chat.completions.` and `messages.` (the wrapped client's own requests stay as they are)."""
    cap = next((m.max_tokens for m in kind.methods.values() if m.operation == "chat" and m.max_tokens), ())
    extra = {f"{prefix}{name}": Method("chat", stream, kind.is_async, max_tokens=tuple(dict.fromkeys(cap + ("max_tokens",))),
                                       prompt=("system", "messages"))
             for prefix in ("", "chat.completions.", "messages.") for name, stream in _INSTRUCTOR_CALLS.items()}
    return dataclasses.replace(kind, methods={**extra, **kind.methods})


# factory -> the kind it wraps when the wrapped client cannot be seen
INSTRUCTOR_FACTORIES: dict[str, ClientKind] = {
    "instructor.from_openai": OPENAI, "instructor.patch": OPENAI, "instructor.apatch": OPENAI_ASYNC,
    "instructor.from_anthropic": ANTHROPIC, "instructor.from_genai": GOOGLE_GENAI,
    "instructor.from_gemini": GOOGLE_GENERATIVE_MODEL, "instructor.from_vertexai": GOOGLE_GENERATIVE_MODEL,
    "instructor.from_litellm": LITELLM_MODULE, "instructor.from_mistral": MISTRAL, "instructor.from_cohere": COHERE,
    "instructor.from_groq": GROQ, "instructor.from_provider": OPENAI}
# `instructor.from_provider("anthropic/claude-…")`: the client of the provider the string names, bound to the model
INSTRUCTOR_PROVIDERS: dict[str, ClientKind] = {
    "openai": OPENAI, "azure_openai": OPENAI, "anthropic": ANTHROPIC, "google": GOOGLE_GENAI, "mistral": MISTRAL,
    "groq": GROQ, "cohere": COHERE, "ollama": OLLAMA, "together": TOGETHER, "litellm": LITELLM_MODULE}
# factory functions: qualified name → (kind, positional service argument that must match, if any)
CLIENT_FACTORIES: dict[str, tuple[ClientKind, str | None]] = {
    "boto3.client": (BEDROCK, "bedrock-runtime"),
    "boto3.session.Session.client": (BEDROCK, "bedrock-runtime"),
    "boto3.Session.client": (BEDROCK, "bedrock-runtime"),
    "aioboto3.Session.client": (BEDROCK, "bedrock-runtime"),
    "langchain.chat_models.init_chat_model": (LANGCHAIN_CHAT, None),
    "langchain.chat_models.base.init_chat_model": (LANGCHAIN_CHAT, None),
    "langchain.embeddings.init_embeddings": (LANGCHAIN_EMBEDDINGS, None),
    **{name: (instructed(kind), None) for name, kind in INSTRUCTOR_FACTORIES.items()},
    "huggingface_hub.create_inference_endpoint": (HUGGINGFACE_ENDPOINT, None),
    "huggingface_hub.get_inference_endpoint": (HUGGINGFACE_ENDPOINT, None),
    **{f"vertexai.{ns}language_models.{cls}.from_pretrained": (VERTEX_LANGUAGE_MODEL, None)
       for ns in ("", "preview.") for cls in _VERTEX_LANGUAGE_CLASSES},
}
# the Responses API over a WebSocket: `client.responses.connect()` opens the socket and sends nothing; each
# `connection.response.create(model=…, input=…)` event on it is a Responses request
OPENAI_RESPONSES_SOCKET = ClientKind("openai", {
    "response.create": Method("responses", None, max_tokens=("max_output_tokens",), prompt=("instructions", "input")),
}, timeout=_STAINLESS_TIMEOUT, option_methods=("enter", "__enter__", "__aenter__"))
# methods on a client returning a client of another kind, e.g. genai `client.chats.create(model=…)`; not requests
DERIVED_CLIENTS: dict[tuple[str, str], ClientKind] = {
    ("openai", "responses.connect"): OPENAI_RESPONSES_SOCKET,
    ("openai", "beta.responses.connect"): OPENAI_RESPONSES_SOCKET,
    ("google", "chats.create"): GOOGLE_GENAI_CHAT,
    ("google", "aio.chats.create"): GOOGLE_GENAI_CHAT,
    ("google", "start_chat"): GOOGLE_GENERATIVE_MODEL,
    ("xai", "chat.create"): XAI_CHAT,
    ("xinference", "get_model"): XINFERENCE_MODEL,
}

# ---- request methods derived from the SDK packages --------------------------------------------------------
# knowledge/data/sdk_requests.json is generated by scripts/sdk_tables.py from the SDK versions it names (the
# `sdk-tables` extra): every model-invoking method of every client, its operation and signature. The hand
# tables above win where they know more than a signature says (dotted caps such as `config.max_output_tokens`,
# prompts, stream helpers); the data adds every other model-invoking method.
_SIGNATURE_MODEL = ("model", "model_id", "modelId", "model_name")
_SIGNATURE_CAPS = ("max_completion_tokens", "max_tokens", "max_output_tokens", "max_tokens_to_sample")
_SIGNATURE_PROMPTS = ("system", "system_instruction", "instructions", "preamble", "messages", "message", "input",
                      "inputs", "prompt", "contents", "texts", "query", "documents")


def _signature_method(entry: dict, is_async: bool) -> Method:
    """A request method as its signature describes it: which keyword names the model (and its position
    when it can be positional), caps output, carries the prompt."""
    params, positional = frozenset(entry["params"]), entry["positional"]
    model = next((p for p in _SIGNATURE_MODEL if p in params), None)
    prompt = tuple(p for p in _SIGNATURE_PROMPTS if p in params)
    return Method(entry["operation"], entry["stream"], is_async, model_param=model,
                  model_pos=positional.index(model) if model in positional else None,
                  max_tokens=tuple(p for p in _SIGNATURE_CAPS if p in params), prompt=prompt,
                  prompt_pos=0 if positional and positional[0] in prompt else None)


def _sdk_requests() -> dict[str, dict[str, Method]]:
    """Model-invoking methods by client (its public name and, when another, where it is defined)."""
    from importlib import resources
    import json

    data = json.loads(resources.files("llmsight.knowledge").joinpath("data/sdk_requests.json").read_text(encoding="utf-8"))
    out: dict[str, dict[str, Method]] = {}
    for sdk in data["sdks"].values():
        built: dict[tuple[str, bool], Method] = {}   # clients of one SDK share their methods
        for client, info in sdk["clients"].items():
            methods = {path: built.get((path, is_async)) or built.setdefault(
                (path, is_async), _signature_method(sdk["requests"][path], is_async))
                for path, is_async in info["requests"].items()}
            out[client] = methods
            if "defined_in" in info:
                out[info["defined_in"]] = methods
    return out


# SDKs whose every method comes from the data
_VOYAGE_TIMEOUT = ("timeout",)
VOYAGE = ClientKind("voyage", {}, timeout=_VOYAGE_TIMEOUT, option_methods=())
VOYAGE_ASYNC = ClientKind("voyage", {}, is_async=True, timeout=_VOYAGE_TIMEOUT, option_methods=())
VOYAGE_MODULE = ClientKind("voyage", {}, timeout=(), retries=(), option_methods=())   # voyageai.get_embeddings(…)
# azure-core's per-client and per-request transport settings; `model=` on the client is every request's default
_AZURE_TIMEOUT, _AZURE_RETRIES = ("read_timeout", "connection_timeout"), ("retry_total",)
AZURE_AI_INFERENCE = ClientKind("azure-ai-inference", {}, timeout=_AZURE_TIMEOUT, retries=_AZURE_RETRIES,
                                model_param="model", option_methods=())
AZURE_AI_INFERENCE_ASYNC = ClientKind("azure-ai-inference", {}, is_async=True, timeout=_AZURE_TIMEOUT,
                                      retries=_AZURE_RETRIES, model_param="model", option_methods=())
CLIENT_CLASSES.update({
    "voyageai.Client": VOYAGE, "voyageai.AsyncClient": VOYAGE_ASYNC,
    **{f"azure.ai.inference.{aio}{cls}": AZURE_AI_INFERENCE_ASYNC if aio else AZURE_AI_INFERENCE
       for aio in ("", "aio.") for cls in ("ChatCompletionsClient", "EmbeddingsClient", "ImageEmbeddingsClient")},
    "mistralai.client.Mistral": MISTRAL,   # mistralai >= 2 moved the client under `mistralai.client`
})
MODULE_CLIENTS["voyageai"] = VOYAGE_MODULE
_BEDROCK_CLIENT = "boto3.client('bedrock-runtime')"   # how the data names botocore's service model

# Namespaces current SDKs dropped, still in code pinned to an older SDK: kept by hand, never generated.
LEGACY_REQUESTS: dict[str, dict[str, Method]] = {
    "anthropic": {
        f"beta.{ns}.messages.{name}": Method("chat", stream, max_tokens=("max_tokens",), prompt=("system", "messages"))
        for ns in ("prompt_caching", "tools") for name, stream in (("create", None), ("stream", True))
    },
    # cohere < 5: an embed job over an uploaded dataset (`co.create_embed_job(dataset_id=…, model=…)`)
    "cohere": {"create_embed_job": Method("batch", False, prompt=())},
}


def _add_sdk_requests() -> None:
    generated = _sdk_requests()
    kinds = [(q, k) for q, k in CLIENT_CLASSES.items()] + list(MODULE_CLIENTS.items()) + [(_BEDROCK_CLIENT, BEDROCK)]
    for qualname, kind in kinds:
        for path, method in generated.get(qualname, {}).items():
            if (kind.sdk, path) not in DERIVED_CLIENTS:   # it returns the client whose calls are the requests
                kind.methods.setdefault(path, method)
        for path, method in LEGACY_REQUESTS.get(kind.sdk, {}).items():
            kind.methods.setdefault(path, dataclasses.replace(method, is_async=kind.is_async))
    # the class paths a client is defined at (`voyageai.client.Client`) are imported too
    for qualname, methods in generated.items():
        alias = next((CLIENT_CLASSES[q] for q, m in generated.items() if m is methods and q in CLIENT_CLASSES), None)
        if alias is not None:
            CLIENT_CLASSES.setdefault(qualname, alias)


_add_sdk_requests()

# clients whose call is a request (`dspy.ChainOfThought(sig)(question=…)`), by package: a file importing the
# package has the line constructing and calling one looked at
def _called_client_classes() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for qualname, kind in CLIENT_CLASSES.items():
        if "__call__" in kind.methods:
            out.setdefault(qualname.split(".", 1)[0], set()).add(qualname.rsplit(".", 1)[-1])
    return {root: frozenset(names) for root, names in out.items()}


CALLED_CLIENT_CLASSES = _called_client_classes()
# method names too common to look for in every file, looked at in a file importing the package: LlamaIndex's
# `query_engine.query(…)`, `websockets.connect(url)` and `websocket.create_connection(url)` (each socket module's
# functions), a Responses socket's `connection.send({"type": …})`
IMPORT_GATED_CALLS: dict[str, frozenset[str]] = {
    "llama_index": frozenset(LLAMAINDEX_ENGINE_CALLS),
    **{root: frozenset(path.rsplit(".", 1)[-1] for path in kind.methods) for root, kind in WEBSOCKET_MODULES.items()},
    "openai": frozenset({"send"})}
# events a socket client's `send(event)` sends that are requests: by the event's `type`, the method they stand for
SOCKET_REQUEST_EVENTS: dict[str, str] = {"response.create": "response.create"}

# callee-path segments that do not change the request (`client.chat.completions.with_raw_response.create`)
TRANSPARENT_SEGMENTS = frozenset({"with_raw_response", "with_streaming_response"})
# ...of which this one reads the response as it arrives: the request streams whatever `stream=` says
STREAMING_SEGMENTS = frozenset({"with_streaming_response"})

# every method name any request can end with: the per-file fast filter and the callee pre-check use it
_ALL_KINDS = (*CLIENT_CLASSES.values(), *(k for k in MODULE_CLIENTS.values() if k not in WEBSOCKET_MODULES.values()),
              *(k for k, _ in CLIENT_FACTORIES.values()),
              *DERIVED_CLIENTS.values(), *AWS_SERVICE_CLIENTS.values())
# Request names that ordinary code calls all the time (`items.append(`, `thread.start(`, `db.connect(`): the
# fast filters look for these with the segment before them (`conversations.append(`), the rest by name alone.
_COMMON_METHOD_NAMES = frozenset({"append", "extend", "start", "restart", "connect", "process", "compact", "remix",
                                  "classify", "moderate", "summarize", "convert"})
ASYNC_TWIN_PREFIX = "a"


def async_twin(kind: ClientKind, path: tuple[str, ...]) -> Method | None:
    """`model.achat(…)` beside `model.chat(…)`: the awaited twin SDKs name with an `a` before a sync request
    method (IBM watsonx's ModelInference, LlamaIndex, LangChain, litellm), on a sync client whose sync method
    is known; a twin the tables list themselves is found there first."""
    *head, last = path
    sync = kind.methods.get(".".join((*head, last[len(ASYNC_TWIN_PREFIX):]))) \
        if last.startswith(ASYNC_TWIN_PREFIX) and not kind.is_async else None
    return dataclasses.replace(sync, is_async=True) if sync is not None and not sync.is_async else None


# the twins' names (not of the common names, nor of `__call__`), for the fast filters
_TWIN_NAMES = frozenset(ASYNC_TWIN_PREFIX + name for kind in _ALL_KINDS if not kind.is_async
                        for path, method in kind.methods.items() if not method.is_async
                        for name in (path.rsplit(".", 1)[-1],) if name not in _COMMON_METHOD_NAMES and name[0] != "_")
REQUEST_METHOD_NAMES: frozenset[str] = frozenset(
    path.rsplit(".", 1)[-1] for kind in _ALL_KINDS for path in kind.methods) | _TWIN_NAMES
# request paths of more than one segment (`chat.completions.create`): on a receiver of unknown type they
# still say "an SDK request" where a lone `get`/`create` does not
DOTTED_REQUEST_PATHS: frozenset[str] = frozenset(path for kind in _ALL_KINDS for path in kind.methods if "." in path)
REQUEST_CALL_SUFFIXES: frozenset[str] = frozenset(
    ".".join(path.split(".")[-2:]) if path.rsplit(".", 1)[-1] in _COMMON_METHOD_NAMES else path.rsplit(".", 1)[-1]
    for kind in _ALL_KINDS for path in kind.methods) | _TWIN_NAMES


def call_suffix_pattern(extra: frozenset[str] | set[str] = frozenset()) -> str:
    """A regex matching any of REQUEST_CALL_SUFFIXES (and `extra`), as a trie (`create(?:_async)?|…`): one
    branch per first letter instead of one per name, so a scan tries few at each `.`."""
    trie: dict = {}
    for word in REQUEST_CALL_SUFFIXES | extra:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict) -> str:
        alternatives = [re.escape(char) + branch(node[char]) for char in sorted(node) if char]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 and "" not in node else "(?:%s)" % "|".join(alternatives)
        return body + ("?" if "" in node else "")

    return branch(trie)

# import roots that mark a file as possibly calling an LLM (fast prefilter)
SDK_IMPORT_ROOTS = frozenset({
    "openai", "anthropic", "google.genai", "google.generativeai", "vertexai", "boto3", "aioboto3", "litellm",
    "langchain", "langchain_openai", "langchain_anthropic", "langchain_community", "langchain_google_genai",
    "langchain_google_vertexai", "langchain_aws", "langchain_ollama", "langchain_groq", "langchain_mistralai",
    "langchain_cohere", "langchain_together", "langchain_core", "langchain_fireworks", "langchain_deepseek",
    "langchain_xai", "langchain_huggingface", "ollama", "groq", "cohere", "mistralai", "together",
    "requests", "httpx", "aiohttp", "instructor", "zhipuai", "huggingface_hub", "pinecone", "voyageai", "azure.ai.inference",
    "qianfan", "xai_sdk", "aurelio_sdk", "xinference_client", "ibm_watsonx_ai", "ibm_watson_machine_learning",
    "oci", "text_generation", "typesafe_sdk", "llama_index", "elevenlabs", "google.cloud.texttospeech",
    "google.cloud.texttospeech_v1", "google.cloud.texttospeech_v1beta1", "dspy",
    "haystack", "haystack_integrations", "pydantic_ai", "agents", "dashscope", "volcenginesdkarkruntime", "replicate",
    "fireworks", "sparkai", "websockets", "websocket",
})
# the top-level packages of those roots (`google` for google.genai), for tests on a qualified name's head
SDK_ROOT_PACKAGES = frozenset(r.split(".", 1)[0] for r in SDK_IMPORT_ROOTS)
# a keyword only one SDK's requests take: with it, a request path identifies the SDK even in a file
# that never imports it (the client was built elsewhere and passed in)
SIGNATURE_KEYWORDS: dict[str, str] = {"modelId": "boto3"}


# ---- receivers we cannot resolve -----------------------------------------------------------------------
# A client passed in untyped, fetched from a registry or built by a helper we cannot see is still
# recognisable by a request path that only that SDK's clients have — but only in a file that
# imports the SDK (so Twilio's `client.messages.create` is never an Anthropic call). Ordered: the
# first import root the file has wins. (import root, sync kind, async kind, request paths; None: all
# of the kind's methods whose path has a dot, i.e. is distinctive). A one-word path (`chat`) also needs
# a receiver named like a client (`client`, `self._ollama`).
INFERRED_RECEIVERS: tuple[tuple[str, ClientKind, ClientKind, frozenset[str]], ...] = tuple(
    (root, sync, async_, frozenset(paths if paths is not None else (p for p in sync.methods if "." in p)))
    for root, sync, async_, paths in (
        ("anthropic", ANTHROPIC, ANTHROPIC_ASYNC, {p for p in ANTHROPIC.methods if "messages" in p.split(".")[:-1]}),
        ("openai", OPENAI, OPENAI_ASYNC, None),
        ("zhipuai", OPENAI, OPENAI_ASYNC, None),
        ("volcenginesdkarkruntime", ARK, ARK_ASYNC, None),
        ("groq", GROQ, GROQ_ASYNC, None),
        ("together", TOGETHER, TOGETHER_ASYNC, None),
        ("google.genai", GOOGLE_GENAI, GOOGLE_GENAI, None),
        ("google.generativeai", GOOGLE_GENERATIVE_MODEL, GOOGLE_GENERATIVE_MODEL, {"generate_content", "generate_content_async"}),
        ("vertexai", GOOGLE_GENERATIVE_MODEL, GOOGLE_GENERATIVE_MODEL, {"generate_content", "generate_content_async"}),
        ("mistralai", MISTRAL, MISTRAL, None),
        ("boto3", BEDROCK, BEDROCK, set(BEDROCK.methods)),
        ("aioboto3", BEDROCK, BEDROCK, set(BEDROCK.methods)),
        *((root, BEDROCK_AGENT, BEDROCK_AGENT, {p for p in BEDROCK_AGENT.methods if p != "rerank"})
          for root in ("boto3", "aioboto3")),
        ("ollama", OLLAMA, OLLAMA_ASYNC, {"chat", "generate"}),
        ("cohere", COHERE, COHERE_ASYNC, {"chat", "chat_stream", "embed", "rerank"}),
        ("voyageai", VOYAGE, VOYAGE_ASYNC, set(VOYAGE.methods)),
        ("azure.ai.inference", AZURE_AI_INFERENCE, AZURE_AI_INFERENCE_ASYNC, set(AZURE_AI_INFERENCE.methods)),
        ("llama_index", LLAMAINDEX_LLM, LLAMAINDEX_LLM, {p for p in LLAMAINDEX_LLM.methods if p.startswith(("chat", "achat", "complete", "acomplete", "stream_c", "astream_c"))}),
        # a session passed in: only a provider URL makes it a request (discover._http_request)
        ("requests", HTTP_CLIENT, HTTP_CLIENT_ASYNC, set(HTTP_METHODS)),
        ("httpx", HTTP_CLIENT, HTTP_CLIENT_ASYNC, set(HTTP_METHODS)),
        ("aiohttp", HTTP_CLIENT_ASYNC, HTTP_CLIENT_ASYNC, set(HTTP_METHODS)),
    )
)
# one-word request paths inferred on receivers named like a model object (`model.achat(…)` in a file importing
# LlamaIndex), beside those named like a client
INFERRED_RECEIVER_WORDS: dict[str, tuple[str, ...]] = {"llama_index": ("llm", "model")}
# LangChain runnables reached through names we cannot resolve (`self.llm.ainvoke(...)`): only the
# call methods, only in files importing LangChain, only on receivers whose name says it is a model
LANGCHAIN_IMPORT_PREFIX = "langchain"
LANGCHAIN_INFERRED_CALLS = frozenset({"invoke", "ainvoke", "stream", "astream", "batch", "abatch"})
LANGCHAIN_RECEIVER_WORDS = ("llm", "chat_model", "chatmodel", "model")
# ...and embeddings handed in (a vector store's `self._embedding_function.embed_documents(…)`): on receivers
# named like one, unless the package defines those methods itself (its own embeddings wrapper may be what is
# handed in, and the request is made inside it). (kind, methods, receiver words, the package's own definition)
LANGCHAIN_INFERRED: tuple[tuple[ClientKind, frozenset[str], tuple[str, ...], bytes | None], ...] = (
    (LANGCHAIN_CHAT, LANGCHAIN_INFERRED_CALLS, LANGCHAIN_RECEIVER_WORDS, None),
    (LANGCHAIN_EMBEDDINGS, frozenset(LANGCHAIN_EMBEDDINGS.methods), ("embed",), rb"def\s+a?embed_(?:query|documents)\s*\("))
