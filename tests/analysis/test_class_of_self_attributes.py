"""A class attribute read through the object's class (issue 12 item 1): `type(self).DEFAULT_MODEL` and
`self.__class__.DEFAULT_MODEL` are read as `self.DEFAULT_MODEL` is — the concrete class's value, a
subclass's override among them."""
from __future__ import annotations

from test_model_resolution import model_set, scan

APP = """
    from openai import OpenAI


    class Chat:
        DEFAULT_MODEL = "gpt-4o"

        def __init__(self):
            self.client = OpenAI()

        def by_type(self):
            return self.client.chat.completions.create(model=type(self).DEFAULT_MODEL, messages=[])

        def by_dunder(self):
            return self.client.chat.completions.create(model=self.__class__.DEFAULT_MODEL, messages=[])


    class MiniChat(Chat):
        DEFAULT_MODEL = "gpt-4.1-mini"
    """


def test_a_class_attribute_read_through_the_object_s_class(tmp_path):
    sets = {s.function: model_set(s) for s in scan(tmp_path, {"app.py": APP}).call_sites}
    assert sets == {"Chat.by_type": ["gpt-4o", "gpt-4.1-mini"], "Chat.by_dunder": ["gpt-4o", "gpt-4.1-mini"]}
