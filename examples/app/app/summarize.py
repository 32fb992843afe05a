"""Nightly ticket summaries."""
# llmsight: feature=summarize
import time

from app.clients import anthropic_client
from app.settings import settings


def summarize_tickets(tickets: list[str]) -> list[str]:
    client = anthropic_client()
    summaries = []
    for ticket in tickets:
        for attempt in range(5):
            try:
                message = client.messages.create(
                    model=settings.summary_model,
                    max_tokens=settings.summary_max_tokens,
                    messages=[{"role": "user", "content": f"Summarize this ticket:\n{ticket}"}],
                )
                summaries.append(message.content[0].text)
                break
            except Exception:
                time.sleep(2)
    return summaries
