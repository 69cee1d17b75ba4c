"""The run side: attention() against torch SDPA on a CUDA GPU (skipped
without one; bench/correctness/python_gpu_check.py is the full check on the
H100)."""

import math

import pytest

import flashattn_mlir as fa
from conftest import requires_gpu

pytestmark = requires_gpu

FLOOR = {"bf16": 1e-3, "f16": 1e-4}


def _criterion(out, q, k, v, causal, torch):
    """DESIGN.md: max|out - ref| <= 2 max|naive - ref| + floor, ref in f64."""
    import torch.nn.functional as F
    g = q.shape[1] // k.shape[1]
    kk, vv = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
    ref = F.scaled_dot_product_attention(q.double(), kk.double(), vv.double(),
                                         is_causal=causal)

    def naive_attention(q, k, v):  # math attention in the input precision
        s = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if causal:
            n = s.shape[-1]
            s = s.masked_fill(torch.ones(n, n, dtype=torch.bool, device=s.device)
                              .triu(1), float("-inf"))
        return torch.softmax(s, -1) @ v

    naive = naive_attention(q, kk, vv)
    err = (out.double() - ref).abs().max().item()
    nerr = (naive.double() - ref).abs().max().item()
    floor = FLOOR["bf16" if q.dtype == torch.bfloat16 else "f16"]
    return err, 2 * nerr + floor


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_matches_sdpa(dtype, causal):
    import torch
    dt = getattr(torch, dtype)
    q, k, v = (torch.randn(1, 2, 256, 64, device="cuda", dtype=dt) for _ in range(3))
    out = fa.attention(q, k, v, causal=causal)
    torch.cuda.synchronize()
    err, bound = _criterion(out, q, k, v, causal, torch)
    assert err <= bound


def test_rejects_bad_inputs():
    import torch
    q = torch.randn(1, 2, 64, 64, device="cuda", dtype=torch.float16)
    # Strides the kernels cannot take (an innermost stride of 64) are
    # copied (D128).
    torch.testing.assert_close(fa.attention(q.transpose(2, 3), q, q),
                               fa.attention(q.transpose(2, 3).contiguous(), q, q))
    with pytest.raises(ValueError, match="on cpu"):
        fa.attention(q.cpu(), q, q)
    with pytest.raises(TypeError, match="dtype"):
        fa.attention(q.double(), q.double(), q.double())
    with pytest.raises(TypeError, match="dtypes differ"):
        fa.attention(q, q.bfloat16(), q)
    with pytest.raises(ValueError, match="top-left"):
        k = torch.randn(1, 2, 32, 64, device="cuda", dtype=torch.float16)
        fa.attention(q, k, k, causal=True)
