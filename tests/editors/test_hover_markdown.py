"""Hover text is plain CommonMark/GFM every client renders alike: no HTML entities (Neovim shows
`&nbsp;` as it is), names and glob patterns in code spans (`*claude*sonnet*` is no emphasis)."""
from __future__ import annotations

import re

import mistune

from llmsight import api
from llmsight.lsp import formatting

SOURCE = '''import anthropic
client = anthropic.Anthropic()
def ask(q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=500,
                                  messages=[{"role": "user", "content": "Summarise: " + q}])
'''


def rendered(markdown: str) -> str:
    return mistune.create_markdown(plugins=["table"])(markdown)


def test_hover_has_no_entities_and_patterns_are_code(tmp_path):
    result = api.check_source(SOURCE, str(tmp_path / "app.py"), root=tmp_path)
    site = result.call_sites[0]
    markdown = formatting.hover_markdown(site, result.estimates[site.id])
    assert not re.search(r"&#?\w+;", markdown), markdown
    html = rendered(markdown)
    pattern = re.search(r"latency prior for (\S+)", markdown).group(1).strip("`")
    assert "*" in pattern                                 # a glob pattern, e.g. *claude*sonnet*
    assert f"<code>{pattern}</code>" in html and "<em>" not in html, html
    assert "↳ output" in html                             # the breakdown row, indented without HTML


def test_free_text_keeps_plain_words_and_quotes_names():
    shown = formatting._plain("output: default_output_tokens=1024 (no cap) for *gpt*mini*")
    assert shown == "output: `default_output_tokens=1024` (no cap) for `*gpt*mini*`"
    assert formatting.code("a`b") == "``a`b``" and "<code>a`b</code>" in rendered(formatting.code("a`b"))


def test_dollars_are_no_math_except_for_neovim():
    """JupyterLab typesets `$a … $b` as TeX; Neovim has no math and would show the backslash."""
    markdown = "| cost | $0.0021 – $0.0098 | `$x` |"
    assert formatting.for_client(markdown, None) == r"| cost | \$0.0021 – \$0.0098 | `$x` |"
    assert "$0.0021 – $0.0098" in rendered(formatting.for_client(markdown, "JupyterLab"))
    assert formatting.for_client(markdown, "Neovim") == markdown


def test_a_bar_is_escaped_only_in_table_cells():
    assert formatting.code("a|b") == "`a|b`" and "<code>a|b</code>" in rendered(formatting.code("a|b"))
    row = f"| {formatting.code('a|b', in_table=True)} | x |"
    table = rendered(f"| model | cost |\n|---|---|\n{row}")
    assert table.count("<td>") == 2 and "<td>x</td>" in table    # the bar split no cell (GFM shows it as `|`)
