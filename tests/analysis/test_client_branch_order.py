"""`self.llm` bound in both branches of a test llmsight cannot decide is the client of the first branch in
the source, as a reader takes it, not of the `else` the statement walk happens to meet first."""
from __future__ import annotations

import textwrap

from llmsight import api


def test_an_undecided_branch_gives_the_client_written_first(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "app.py").write_text(textwrap.dedent('''
        import os
        from langchain_anthropic import ChatAnthropic
        from langchain_openai import ChatOpenAI

        class Writer:
            def __init__(self):
                if os.environ["PROVIDER"] == "openai":
                    self.llm = ChatOpenAI(model="gpt-4o-mini")
                else:
                    self.llm = ChatAnthropic(model="claude-3-5-haiku-latest")

            def run(self, q):
                return self.llm.invoke(q)
        '''), encoding="utf-8")
    site, = api.check([tmp_path], select=["NONE"], use_cache=False).call_sites
    assert (site.client_expr, site.model.value) == ('ChatOpenAI(model="gpt-4o-mini")', "gpt-4o-mini")
