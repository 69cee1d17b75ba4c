"""The custom ops on DTensors (flashattn_mlir/_dtensor.py, docs/
Distributed.md "DTensor"): attention() with q, k, v (and a bias) as
DTensors on a 1-D CPU mesh of two gloo ranks (spawned), replicated,
sharded over the batch, over the heads (GQA 4/2) and over the sequence
(redistributed), forward and backward against float64 attention, on the
tests' fake runtime; the op's lse flag in the sharding cache's key. Needs
torch with gloo and the compiler."""

import json
import os
import time

import pytest

from conftest import requires_compiler

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not (dist.is_available() and dist.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import _dtensor_worker as worker  # noqa: E402

pytestmark = requires_compiler
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORLD = 2


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    import torch.multiprocessing as mp
    d = tmp_path_factory.mktemp("dtensor")
    ctx = mp.spawn(worker.spawned, args=(WORLD, str(d / "init"), str(d), PYTHON_DIR),
                   nprocs=WORLD, join=False)
    deadline = time.monotonic() + 300
    while not ctx.join(timeout=1):
        assert time.monotonic() < deadline, "the ranks did not finish in 300 s"
    out = [json.loads((d / f"rank{r}.json").read_text()) for r in range(WORLD)]
    for r, res in enumerate(out):
        assert "error" not in res, f"rank {r}: {res['error']}"
    return out


@pytest.mark.parametrize("case,placement", [
    ("replicate", "R"), ("batch", "S(0)"), ("heads", "S(1)"),
    # Shard(2) is no exact local sharding: DTensor gathers the sequence.
    ("sequence", "R"), ("batch-bias", "S(0)"), ("heads-bias", "S(1)")])
def test_against_full_attention(results, case, placement):
    for res in results:
        # out, lse, dq, dk, dv: f32 inputs, the fake runtime computes in f64.
        assert max(res[case]["errors"]) < 1e-5, res[case]
        assert res[case]["placements"] == [placement] * 5


def test_the_lse_flag_keys_the_sharding_cache(results):
    for res in results:
        shapes = res["lse-flag"]
        assert shapes["True"] == [[2, 4, 32, 16], [2, 4, 32], [2, 2, 32], "S(1)"]
        # Without the logsumexp its output is empty and replicated, not the
        # sharded [B, Hq, Nq] that the same inputs gave before.
        assert shapes["False"] == [[2, 4, 32, 16], [0], [0], "R"]


def test_private_fields_it_sets_are_there():
    from flashattn_mlir import _dtensor
    from torch.distributed.tensor import DTensor
    _dtensor.register()
    info = DTensor._op_dispatcher.sharding_propagator.op_to_schema_info
    assert info[torch.ops.flashattn_mlir.attention.default].static_argnum == 4
    assert info[torch.ops.flashattn_mlir.attention_backward.default].static_argnum == 7
