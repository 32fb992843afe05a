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
        "cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": src,
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                  for i, (kind, src) in enumerate(cells)],
        "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
    return path


REPO = Path(__file__).resolve().parents[2]
EXAMPLE_APP = REPO / "examples" / "app"
CHAT_SITE = "app/chat.py:18"


def copy_app(dest: Path) -> Path:
    """A private copy of examples/app (tests edit it and write caches into it)."""
    import shutil

    shutil.copytree(EXAMPLE_APP, dest, ignore=shutil.ignore_patterns(".llmsight", "__pycache__"))
    return dest


def make_traffic(path: Path, rows: int = 20_000, seed: int = 3) -> Path:
    """A traffic store filled by the simulator's seeded generator (sites of examples/app)."""
    from llmsight.simulator import generate, store

    con = store.open_store(path)
    try:
        store.insert_rows(con, generate.generate(rows, seed=seed), "generator")
    finally:
        con.close()
    return path
