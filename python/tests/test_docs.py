"""Runs the ```python blocks of docs/Python.md and docs/Training.md, each
file's in order in one namespace; a block after a `<!-- gpu -->` line runs
only where there is a GPU, after `<!-- torch -->` only where torch is
installed, after `<!-- transformers -->` only where transformers is too."""

import importlib.util
import os
import re

import pytest

from conftest import HAS_CUDA, ROOT, requires_compiler

BLOCK = re.compile(r"(?:<!-- (gpu|torch|transformers) -->\n)?```python\n(.*?)```",
                   re.DOTALL)
NEEDS = {None: True, "gpu": HAS_CUDA,
         "torch": importlib.util.find_spec("torch") is not None}
NEEDS["transformers"] = NEEDS["torch"] and importlib.util.find_spec(
    "transformers") is not None


def blocks(doc):
    with open(os.path.join(ROOT, "docs", doc)) as f:
        text = f.read()
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


def test_doc_has_blocks():
    found = blocks("Python.md")
    assert len(found) >= 5 and any(kind == "gpu" for kind, _ in found)
    kinds = {kind for kind, _ in blocks("Training.md")}
    assert kinds == {"gpu", "torch", "transformers"}


@requires_compiler
@pytest.mark.parametrize("doc,at_least", [("Python.md", 5), ("Training.md", 0)])
def test_doc_runs(tmp_path, monkeypatch, capsys, doc, at_least):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "docs_python"}
    ran = 0
    for i, (kind, code) in enumerate(blocks(doc)):
        if not NEEDS[kind]:
            continue
        exec(compile(code, f"docs/{doc} block {i}", "exec"), namespace)
        ran += 1
    assert ran >= at_least
    if doc == "Python.md":
        assert "wins" in capsys.readouterr().out
