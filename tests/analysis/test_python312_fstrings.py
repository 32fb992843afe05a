"""A project written for Python 3.12 is read when llm-lint runs on an older interpreter (PEP 701 f-strings:
the f-string's own quote, backslashes, comments and line breaks inside a replacement field). Before, such a
file was an LLM000 SyntaxError and all its call sites were lost; the sites keep their lines and columns,
across files too (a constant a 3.12 module defines still reaches another module's site)."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from llmsight import api

APP = '''
from openai import OpenAI
client = OpenAI()
def ask(row, items):
    note = f"{row["title"]}: {"\\n".join(items)}"
    return client.chat.completions.create(model=f"{row["x"]}" and "gpt-4o-mini", messages=[{"role": "user", "content": note}], max_tokens=100, timeout=30)
'''

CALL = "import litellm; litellm.completion(model='gpt-4o-mini', messages=[])\n"


def sites(tmp_path: Path, files: dict[str, str]):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], use_cache=False)


def test_a_312_file_is_analysed_at_its_own_lines_and_columns(tmp_path):
    result = sites(tmp_path, {"app.py": APP})
    assert not [d for d in result.diagnostics if d.code == "LLM000"]
    [site] = result.call_sites
    assert (site.span.start_line, site.span.start_col) == (6, 12)
    assert [c.value for c in site.model.candidates] == ["gpt-4o-mini"]


def test_a_constant_of_a_312_module_reaches_another_modules_site(tmp_path):
    result = sites(tmp_path, {
        "settings.py": 'LABEL = f"{ {"k": "v"}["k"]}"\nMODEL = "gpt-4o-mini"\n',
        "app.py": "from openai import OpenAI\nfrom settings import MODEL\n"
                  "OpenAI().chat.completions.create(model=MODEL, messages=[], max_tokens=5, timeout=9)\n",
    })
    [site] = result.call_sites
    assert site.model.value == "gpt-4o-mini"


def test_a_file_with_a_real_syntax_error_is_still_reported(tmp_path):
    result = sites(tmp_path, {"app.py": CALL + 'x = f"{d["a"]}"\ndef broken(:\n    pass\n'})
    [d] = [d for d in result.diagnostics if d.code == "LLM000"]
    assert "3.12" not in d.message       # where: the first error Python itself finds


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 parses the file itself")
def test_a_312_file_that_cannot_be_read_on_this_python_says_what_to_do(tmp_path):
    # a multi-line replacement field in a single-quoted f-string, implicitly joined to another string
    result = sites(tmp_path, {"app.py": CALL + 'x = (f"{\n  1}" "tail")\n'})
    [d] = [d for d in result.diagnostics if d.code == "LLM000"]
    assert "valid Python 3.12: run llm-lint under Python 3.12 or later" in d.message
