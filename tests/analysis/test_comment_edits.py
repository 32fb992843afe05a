"""Edits an editor may answer with the last result: only comments no rule reads and trailing whitespace
changed, outside multi-line expressions and the nodes a fix rewrites; anything else is analysed again."""
from __future__ import annotations

import pytest

from llmsight import api
from llmsight.analysis.context import comment_only_change

HEAD = "from openai import OpenAI\nclient = OpenAI()\n"
KEY = "sk-proj-" + "Xy7Qa9LmN2pR4sT6uV8wZ0bC3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1h"


@pytest.mark.parametrize("old, new", [
    ("x = 1  # a\n", "x = 1  # b é ✓\n"),
    ("def f():\n    # a\n    return 1\n", "def f():\n    # b\n    return 1\n"),
    ("x = 1\n", "x = 1   \n"),
    ("x = 1\n", "x = 1  # new\n"),
    ("x = 1\n\n", "x = 1\n# new\n"),
])
def test_comment_and_trailing_whitespace_edits_change_nothing(old, new):
    assert comment_only_change(HEAD + old, HEAD + new)


@pytest.mark.parametrize("old, new", [
    ("x = 1  # a\n", "x = 2  # a\n"),                                   # code
    ("if x:\n    y = 1\n", "if x:\n     y = 1\n"),                     # indentation
    ("x = 1  # a\n", "x = 1  # noqa: LLM001\n"),                        # a suppression
    ("x = 1  # noqa\n", "x = 1  # a\n"),                                # one removed
    ("x = 1  # a\n", "x = 1  # llmsight: model=gpt-4o\n"),              # a pragma
    ("x = 1  # a\n", f"x = 1  # {KEY}\n"),                               # a key LLM010 reports
    ('s = """\n# a\n"""\n', 's = """\n# b\n"""\n'),                     # text of a string
    ("f(1,\n  # a\n  2)\n", "f(1,\n  # b\n  2)\n"),                     # inside a multi-line call
    ("def f(a,  # a\n      b):\n    pass\n", "def f(a,  # b\n      b):\n    pass\n"),   # a multi-line header
    ('match x:\n    case 1:\n        s = """\n# a\n"""\n', 'match x:\n    case 1:\n        s = """\n# b\n"""\n'),
    ("x = 1\n", "# new\nx = 1\n"),                                      # lines moved
    ("x = 1\n", "x = 1  # a\ny = (\n"),                                 # does not parse... and longer
])
def test_anything_else_is_analysed_again(old, new):
    assert not comment_only_change(HEAD + old, HEAD + new)


def test_an_encoding_line_and_a_broken_file_are_analysed_again():
    assert not comment_only_change("# a\nx = 1\n", "# -*- coding: latin-1 -*-\nx = 1\n")
    assert not comment_only_change(HEAD + "x = (  # a\n", HEAD + "x = (  # b\n")


def test_a_comment_inside_a_node_a_fix_rewrites_is_analysed_again(tmp_path):
    source = HEAD + ("def ask(q):\n"
                     "    return client.chat.completions.create(model='gpt-4o', messages=[q])  # first\n")
    result = api.check_source(source, str(tmp_path / "app.py"), root=tmp_path)
    fixed = [e.span for d in result.diagnostics for f in d.fixes for e in f.edits]
    assert fixed, "LLM001 adds the timeout by rewriting the call"
    line = fixed[0].start_line
    lines = source.split("\n")
    lines[line - 1] = lines[line - 1].replace("# first", "# second")
    edited = "\n".join(lines)
    assert comment_only_change(source, edited)                  # the text alone allows it
    assert not api.same_findings(source, edited, result)        # the fix's node holds that line
    other = source.replace("def ask(q):\n", "def ask(q):  # asks\n")
    assert api.same_findings(source, other, result)
