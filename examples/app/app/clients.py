"""Client factories shared by the features."""
from functools import lru_cache

import anthropic
from openai import OpenAI


@lru_cache
def openai_client() -> OpenAI:
    return OpenAI(max_retries=3)


@lru_cache
def anthropic_client() -> anthropic.Anthropic:
    return anthropic.Anthropic(timeout=30.0)
