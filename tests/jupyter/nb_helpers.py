"""Helpers the notebook tests share (a module name unique in the suite: pytest imports test dirs flat)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

CHAT = textwrap.dedent('''\
    from openai import OpenAI

    client = OpenAI(api_key="unused")


    def answer(question):
        return client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": question}],
        )
    ''')


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    path.write_text(json.dumps({
        "cells": [{"cell_type": kind, "metadata": {}, "source": src,
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})} for kind, src in cells],
        "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
    return path
