"""Runs the ```python blocks of docs/Python.md in order, in one namespace;
a block after a `<!-- gpu -->` line runs only where there is a GPU."""

import os
import re

import pytest

from conftest import HAS_CUDA, ROOT, requires_compiler

DOC = os.path.join(ROOT, "docs", "Python.md")
BLOCK = re.compile(r"(<!-- gpu -->\n)?```python\n(.*?)```", re.DOTALL)


def blocks():
    with open(DOC) as f:
        text = f.read()
    return [(bool(m.group(1)), m.group(2)) for m in BLOCK.finditer(text)]


def test_doc_has_blocks():
    found = blocks()
    assert len(found) >= 5 and any(gpu for gpu, _ in found)


@requires_compiler
def test_doc_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_python"}
    ran = 0
    for i, (gpu, code) in enumerate(blocks()):
        if gpu and not HAS_CUDA:
            continue
        exec(compile(code, f"docs/Python.md block {i}", "exec"), namespace)
        ran += 1
    assert ran >= 5
    assert "wins" in capsys.readouterr().out
