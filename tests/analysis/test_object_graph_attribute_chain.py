"""A model read through a chain of objects that hold each other (issue 12 item 1): a tool object built
with `Tool(self)` inside its owner's `__init__` reads `self.owner.core.llm.model`, where the core builds
the owner with `Owner(self)` and its model object with `Llm(self)`: each hop is an attribute an `__init__`
assigns from a parameter the construction binds (`self` being the object under construction)."""
from __future__ import annotations

from test_model_resolution import model_set, scan, site_at

FILES = {
    "interp/__init__.py": "from interp.core import Interpreter\ninterpreter = Interpreter()\n",
    "interp/llm.py": """
        class Llm:
            def __init__(self, interpreter):
                self.interpreter = interpreter
                self.model = "gpt-4o"
        """,
    "interp/computer.py": """
        from interp.tool import Tool

        class Computer:
            def __init__(self, interpreter):
                self.interpreter = interpreter
                self.tool = Tool(self)
        """,
    "interp/tool.py": """
        import litellm

        class Tool:
            def __init__(self, computer):
                self.computer = computer

            def run(self, text):
                params = {"messages": [{"role": "user", "content": text}],
                          "model": self.computer.interpreter.llm.model}
                return litellm.completion(**params)
        """,
    "interp/core.py": """
        from interp.computer import Computer
        from interp.llm import Llm

        class Interpreter:
            def __init__(self):
                self.computer = Computer(self)
                self.llm = Llm(self)
        """,
}


def test_a_model_read_through_objects_built_with_their_owner(tmp_path):
    site = site_at(scan(tmp_path, FILES), "interp/tool.py")
    assert model_set(site) == ["gpt-4o"]
