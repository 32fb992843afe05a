from openai import OpenAI
import anthropic

client = OpenAI()
claude = anthropic.Anthropic()


def summarize(text):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])


def greet():
    label = "😀 你好"; reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "héllo 🌍"}])
    return label, reply


def ask_claude(q):
    return claude.messages.create(model="claude-3-5-haiku-latest", max_tokens=300, messages=[{"role": "user", "content": q}])
