"""Customer-support chat: answers a question with the help-centre context."""
# llmsight: feature=chat
from app.clients import openai_client
from app.settings import CHAT_MODEL

SYSTEM_PROMPT = (
    "You are the support assistant of ACME Cloud. Answer briefly and cite the help-centre article "
    "you used. If you are not sure, say so and offer to open a ticket."
)


class SupportChat:
    def __init__(self, model: str = CHAT_MODEL):
        self.client = openai_client()
        self.model = model

    def answer(self, question: str, context: str) -> str:
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Context:\n{context}\n\nQuestion: {question}"},
            ],
        )
        return response.choices[0].message.content
