"""A class attribute or field default naming an earlier class-level binding (issue 12 item 1):
`DEFAULT_MODEL = "m"` then `model: str = field(default=DEFAULT_MODEL)` in the same class body reads the
class's own `DEFAULT_MODEL` (before a module global of that name), as Python's class scope does; a method
body does not see it."""
from __future__ import annotations

from test_model_resolution import model_set, scan, site_at

APP = """
    from attrs import define, field
    import voyageai

    DEFAULT_MODEL = "voyage-2"


    @define
    class Driver:
        DEFAULT_MODEL = "voyage-large-2"

        model: str = field(default=DEFAULT_MODEL, kw_only=True)
        client: voyageai.Client = field(factory=voyageai.Client, kw_only=True)

        def embed(self, chunk):
            return self.client.embed([chunk], model=self.model).embeddings[0]


    class Plain:
        DEFAULT = "voyage-3"
        model = DEFAULT

        def __init__(self):
            self.client = voyageai.Client()

        def run(self, text):
            return self.client.embed([text], model=self.model)

        def module_default(self, text):
            return self.client.embed([text], model=DEFAULT_MODEL)
    """


def test_a_field_default_names_the_class_s_own_constant(tmp_path):
    result = scan(tmp_path, {"app.py": APP})
    assert model_set(site_at(result, "app.py", 16)) == ["voyage-large-2"]
    assert model_set(site_at(result, "app.py", 27)) == ["voyage-3"]
    assert model_set(site_at(result, "app.py", 30)) == ["voyage-2"]   # a method reads the module's
