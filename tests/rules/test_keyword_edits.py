"""Keyword fixes keep the call's layout and comments, apply twice without damage, and only touch
what changes (so output that shows an edit never repeats the rest of the call)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from llmsight.analysis.context import FileContext, SourceMap
from llmsight.analysis.fixes import apply_edits, set_call_keywords
from llmsight.config import Config


def add(source: str, **kwargs: str) -> tuple[str, str]:
    """The source after adding keywords to its first `completion(...)` call, and the edit's text."""
    tree = ast.parse(source)
    ctx = FileContext("x.py", source, tree, SourceMap(source.splitlines()), Config())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "completion")
    edit = set_call_keywords(ctx, call, kwargs)
    return apply_edits(source, [edit])[0], edit.new_text


CASES = {
    "one-line": ('litellm.completion(model="m", messages=[])\n',
                 'litellm.completion(model="m", messages=[], timeout=30, max_tokens=9)\n'),
    "comment-after-last-argument": ("""
        litellm.completion(
            model="m",
            api_key=KEY  # from the vault
        )
        """, """
        litellm.completion(
            model="m",
            api_key=KEY,  # from the vault
            timeout=30,
            max_tokens=9
        )
        """),
    "comment-after-trailing-comma": ("""
        litellm.completion(
            model="m",
            messages=[],  # history
        )
        """, """
        litellm.completion(
            model="m",
            messages=[],  # history
            timeout=30,
            max_tokens=9,
        )
        """),
    "comment-on-an-earlier-argument": ("""
        litellm.completion(model="m",  # cheapest
            messages=[])
        """, """
        litellm.completion(model="m",  # cheapest
            messages=[],
            timeout=30,
            max_tokens=9)
        """),
    "arguments-share-a-line-before-the-closer": ("""
        litellm.completion(
            model="m", messages=[]  # short
        )
        """, """
        litellm.completion(
            model="m", messages=[], timeout=30, max_tokens=9  # short
        )
        """),
    "last-argument-spans-lines": ("""
        litellm.completion(model="m", messages=[
            {"role": "user"}])
        """, """
        litellm.completion(model="m", messages=[
            {"role": "user"}], timeout=30, max_tokens=9)
        """),
}


@pytest.mark.parametrize("name", CASES)
def test_added_keywords_keep_layout_and_comments(name):
    before, after = (textwrap.dedent(t).lstrip("\n") for t in CASES[name])
    once, _ = add(before, timeout="30")
    twice, _ = add(once, max_tokens="9")
    assert twice == after
    assert add(after, timeout="30")[0] == after, "adding a keyword that is there changes nothing"


def test_edit_covers_only_the_change():
    source = 'client = OpenAI(api_key="k-123")\nlitellm.completion(model="m", api_key="k-123")\n'
    _, text = add(source, timeout="30")
    assert text == ", timeout=30"
