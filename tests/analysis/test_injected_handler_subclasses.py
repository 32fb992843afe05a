"""A method called on an object the caller may inject (`self.handler = handler()` with `handler:
partial[Base] = Default`, `type[Base]`, or a parameter typed `Base`) may run any subclass's override: the
default is one choice, the annotation says which others fit, so each override gets the call's arguments
(issue 12). An untyped parameter reaches only the class it defaults to."""
from __future__ import annotations

from site_lines import line_of, models_at, scan_project

HANDLERS = {
    "bot/__init__.py": "",
    "bot/handlers/__init__.py": "",
    "bot/handlers/base.py": '''
        from abc import ABC, abstractmethod


        class BaseHandler(ABC):
            @abstractmethod
            async def chat_completion(self, model: str, user: str):
                ...
        ''',
    "bot/handlers/lite.py": '''
        import litellm

        from bot.handlers.base import BaseHandler


        class LiteHandler(BaseHandler):
            async def chat_completion(self, model: str, user: str):
                return await litellm.acompletion(model=model, messages=[{"role": "user", "content": user}])
        ''',
    "bot/handlers/oai.py": '''
        from openai import AsyncOpenAI

        from bot.handlers.base import BaseHandler


        class OpenAIHandler(BaseHandler):
            async def chat_completion(self, model: str, user: str):
                client = AsyncOpenAI()
                return await client.chat.completions.create(model=model, messages=[{"role": "user", "content": user}])
        ''',
}

INJECTED = '''
    from functools import partial

    from bot.handlers.base import BaseHandler
    from bot.handlers.lite import LiteHandler


    class Reviewer:
        def __init__(self, ai_handler: partial[BaseHandler,] = LiteHandler):
            self.ai_handler = ai_handler()

        async def run(self, text):
            return await self.ai_handler.chat_completion(model="gpt-4o-mini", user=text)


    async def summarize(handler: BaseHandler, text):
        return await handler.chat_completion(model="gpt-4.1-mini", user=text)
    '''

OAI_SITE = line_of(HANDLERS["bot/handlers/oai.py"], "create(")
LITE_SITE = line_of(HANDLERS["bot/handlers/lite.py"], "acompletion(")

UNTYPED = '''
    from bot.handlers.lite import LiteHandler


    class Reviewer:
        def __init__(self, ai_handler=LiteHandler):
            self.ai_handler = ai_handler()

        async def run(self, text):
            return await self.ai_handler.chat_completion(model="gpt-4o-mini", user=text)
    '''


def test_a_handler_typed_with_the_base_may_be_any_subclass(tmp_path):
    result = scan_project(tmp_path / "p", {**HANDLERS, "bot/review.py": INJECTED})
    assert sorted(models_at(result, "bot/handlers/oai.py", OAI_SITE)) == ["gpt-4.1-mini", "gpt-4o-mini"]
    assert sorted(models_at(result, "bot/handlers/lite.py", LITE_SITE)) == ["gpt-4.1-mini", "gpt-4o-mini"]


def test_an_untyped_handler_reaches_the_class_it_defaults_to(tmp_path):
    result = scan_project(tmp_path / "p", {**HANDLERS, "bot/review.py": UNTYPED})
    assert models_at(result, "bot/handlers/oai.py", OAI_SITE) == []
    assert models_at(result, "bot/handlers/lite.py", LITE_SITE) == ["gpt-4o-mini"]
