"""The on-disk kernel cache (flashattn_mlir/_disk_cache.py): where it is,
what keys it, the progress line, damaged entries, concurrent writers, a
compiler or ptxas change. Needs the compiler."""

import json
import logging
import os
import subprocess
import sys

import pytest

import flashattn_mlir as fa
from flashattn_mlir import _disk_cache, compiler
from conftest import PYTHON_DIR, requires_compiler
from test_compile import small

pytestmark = requires_compiler


def entries(root):
    """{compiler folder: [entry names]} under `root`, dot folders included."""
    return {c: sorted(os.listdir(os.path.join(root, c))) for c in os.listdir(root)}


@pytest.fixture
def builds(monkeypatch):
    """Counts the compiles (cache misses)."""
    count = []
    real = compiler._compile

    def counting(*args):
        count.append(1)
        return real(*args)

    monkeypatch.setattr(compiler, "_compile", counting)
    return count


def test_default_folder_and_off(tmp_path, monkeypatch, builds):
    monkeypatch.delenv("FLASHATTN_MLIR_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    k = small()
    root = tmp_path / "flashattn_mlir"
    ident = _disk_cache.identity(None)
    assert k.path == str(root / ident / k.name / (k.name + ".json"))
    assert entries(root) == {ident: [k.name]}
    fa.clear_cache()
    assert small().ptx == k.ptx and len(builds) == 1  # read back from disk
    monkeypatch.setenv("FLASHATTN_MLIR_CACHE", "off")
    fa.clear_cache()
    assert small().path is None and len(builds) == 2
    monkeypatch.setenv("FLASHATTN_MLIR_CACHE", str(tmp_path / "env"))
    fa.clear_cache()
    assert small().path.startswith(str(tmp_path / "env" / ident))
    # cache_dir= wins over the variable.
    fa.clear_cache()
    assert small(cache_dir=str(tmp_path / "arg")).path.startswith(str(tmp_path / "arg"))


def test_progress_line(tmp_path, caplog, builds):
    with caplog.at_level(logging.INFO, logger="flashattn_mlir"):
        k = small(cache_dir=str(tmp_path))
        fa.clear_cache()
        small(cache_dir=str(tmp_path))  # from disk: no compile, no line
    lines = [r.getMessage() for r in caplog.records if r.name == "flashattn_mlir"]
    assert len(lines) == 2 and len(builds) == 1
    assert lines[0].startswith(f"compiling the forward kernel {k.name} (bf16 "
                               "q=[1, 2, 128, 64] k=[1, 2, 128, 64] causal); cache ")
    assert lines[1].startswith(f"compiled {k.name} in ")


def test_progress_line_on_stderr_and_quiet(tmp_path):
    code = ("import flashattn_mlir as fa; fa.compile((1, 2, 64, 32), (1, 2, 64, 32), "
            "(1, 2, 64, 32), ptxas='none')")
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, FLASHATTN_MLIR_CACHE="off")
    loud = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert "flashattn_mlir: compiling the forward kernel fa_bf16_b1_h2x2" in loud.stderr
    env["FLASHATTN_MLIR_QUIET"] = "1"
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True)
    assert quiet.stderr == ""


@pytest.mark.parametrize("damage", ["truncated", "missing_ptx", "other_config"])
def test_damaged_entry_is_rebuilt(tmp_path, caplog, builds, damage):
    k = small(cache_dir=str(tmp_path))
    entry = os.path.dirname(k.path)
    if damage == "truncated":
        with open(k.path, "r+") as f:
            f.truncate(20)
    elif damage == "missing_ptx":
        os.remove(os.path.join(entry, k.name + ".ptx"))
    else:
        side = os.path.join(entry, k.name + ".config.json")
        with open(side) as f:
            data = json.load(f)
        data["config"]["scale"] = 0.5
        with open(side, "w") as f:
            json.dump(data, f)
    fa.clear_cache()
    with caplog.at_level(logging.WARNING, logger="flashattn_mlir"):
        again = small(cache_dir=str(tmp_path))
    assert len(builds) == 2 and again.ptx == k.ptx and again.path == k.path
    assert "ignoring the damaged kernel cache entry" in caplog.text
    # The rebuilt entry is whole again, and nothing is left aside.
    fa.clear_cache()
    assert small(cache_dir=str(tmp_path)).ptx == k.ptx and len(builds) == 2
    assert entries(str(tmp_path)) == {_disk_cache.identity(None): [k.name]}


def test_compiler_or_ptxas_change_misses(tmp_path, monkeypatch, builds):
    k = small(cache_dir=str(tmp_path))
    fa.clear_cache()
    ident = _disk_cache.identity(None)
    monkeypatch.setattr(_disk_cache, "identity", lambda ptxas: "another-compiler")
    other = small(cache_dir=str(tmp_path))
    assert len(builds) == 2 and other.path != k.path
    assert sorted(entries(str(tmp_path))) == sorted([ident, "another-compiler"])
    monkeypatch.undo()
    # A cubin made by ptxas is another entry than the PTX-only one.
    ptxas = compiler._find_ptxas(fa._capi.compiler(), "", None)
    if ptxas:
        assert _disk_cache.identity(ptxas) != _disk_cache.identity(None)


def test_a_concurrent_writer_wins(tmp_path, builds):
    k = small(cache_dir=str(tmp_path))
    folder = os.path.dirname(os.path.dirname(k.path))
    fa.clear_cache()
    late = small(cache_dir=str(tmp_path.parent / (tmp_path.name + "-other")))
    kept = _disk_cache.store(folder, k.name, late, fa.load)
    assert kept is not late and kept.path == k.path  # the first entry stays
    assert entries(str(tmp_path)) == {os.path.basename(folder): [k.name]}


def test_concurrent_processes(tmp_path):
    code = ("import flashattn_mlir as fa; k = fa.compile((1, 2, 64, 32), (1, 2, 64, 32), "
            "(1, 2, 64, 32), ptxas='none'); print(k.path)")
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, FLASHATTN_MLIR_CACHE=str(tmp_path),
               FLASHATTN_MLIR_QUIET="1")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    paths = {p.communicate()[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(paths) == 1
    (ident, names), = entries(str(tmp_path)).items()
    assert len(names) == 1 and not names[0].startswith(".")  # no temporary left
    assert fa.load(paths.pop()).config["causal"] is False
