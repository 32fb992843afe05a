"""Application settings: model names and limits come from the environment with defaults."""
import os

from pydantic_settings import BaseSettings

CHAT_MODEL = os.getenv("CHAT_MODEL", "gpt-4o")
EMBEDDING_MODEL = "text-embedding-3-small"


class Settings(BaseSettings):
    summary_model: str = "claude-3-5-sonnet-latest"
    summary_max_tokens: int = 800
    request_timeout: float = 20.0


settings = Settings()
