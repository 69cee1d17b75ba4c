"""bench/experiments/backward_register_vs_ptxas.py's cases: the tiling it
writes on fa.attention_grad is the one the kernel builds (no GPU, no
ptxas)."""

import re

from conftest import load_script


def script():
    return load_script("bench/experiments/backward_register_vs_ptxas.py",
                       "backward_register_vs_ptxas")


def tiling_of(src):
    return tuple(int(v) for v in re.search(
        r"block_q = (\d+), block_kv = (\d+), stages = (\d+), warps = (\d+)",
        src).groups())


def test_wgmma_cases_take_two_warpgroups_whatever_block_kv():
    # The column split (D = 192/128, 256) is 64 x 64 on 8 warps (D76); the
    # row split 64 x 128 on 8. Before, warps were block_kv / 16 for both
    # kernels, so the column split's tiling was 4 warps: outside its shapes.
    s = script()
    assert tiling_of(s.case("wgmma", 256, 256, "bf16", 64, 64, 2)) == \
        (64, 64, 2, 8)
    assert tiling_of(s.case("wgmma", 192, 128, "bf16", 64, 64, 1)) == \
        (64, 64, 1, 8)
    assert tiling_of(s.case("wgmma", 96, 96, "bf16", 64, 128, 2)) == \
        (64, 128, 2, 8)
    assert "kernel = wgmma" in s.case("wgmma", 256, 256, "bf16", 64, 64, 2)


def test_mma_sync_cases_keep_sixteen_kv_rows_a_warp():
    s = script()
    for bkv, warps in ((32, 2), (64, 4), (128, 8)):
        assert tiling_of(s.case("mma-sync", 128, 128, "bf16", 48, bkv, 1)) \
            == (48, bkv, 1, warps)
