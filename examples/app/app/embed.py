"""Search index: embeddings of help-centre articles."""
import litellm

from app.settings import EMBEDDING_MODEL


def embed_articles(articles: list[str]) -> list[list[float]]:
    vectors = []
    for article in articles:
        response = litellm.embedding(model=EMBEDDING_MODEL, input=[article])
        vectors.append(response.data[0]["embedding"])
    return vectors


def classify(text: str) -> str:
    response = litellm.completion(
        model="gpt-3.5-turbo-0613",
        messages=[{"role": "user", "content": f"Classify the intent of: {text}"}],
        api_key="sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAj"  # a made-up key: LLM010 reports it without printing it,
    )
    return response.choices[0].message.content
