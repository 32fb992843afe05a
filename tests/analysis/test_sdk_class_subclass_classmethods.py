"""A project's subclass of an SDK class used through its class methods (dashscope's `Generation.call(…)`) keeps
those methods: `Sub.call(…)`, or the class kept on an attribute (`self.client = Sub`; `self.client.call(…)`), is
the SDK's request. A method the subclass defines itself is the project's code, not a site."""
from __future__ import annotations

from site_lines import line_of, sites_by_line

SUBCLASS = """
    from dashscope import Generation


    class Patched(Generation):
        @classmethod
        def call_logged(cls, **kwargs):
            return cls.call(**kwargs)


    class Twice(Patched):
        pass


    class LLM:
        def __init__(self, model="qwen-max"):
            self.model = model
            self.client = Twice

        def complete(self, messages):
            return self.client.call(model=self.model, messages=messages, result_format="message")

        def direct(self, messages):
            return Patched.call(model="qwen-plus", messages=messages)

        def logged(self, messages):
            return Patched.call_logged(model="qwen-plus", messages=messages)
    """


def test_class_methods_inherited_from_an_sdk_class():
    sites = {line: (s.sdk, s.model.value) for line, s in sites_by_line(SUBCLASS).items()}
    assert sites == {line_of(SUBCLASS, "return cls.call(**kwargs)"): ("dashscope", "qwen-plus"),   # its caller's
                     line_of(SUBCLASS, "self.client.call("): ("dashscope", "qwen-max"),
                     line_of(SUBCLASS, "Patched.call(model="): ("dashscope", "qwen-plus")}
