"""bench/experiments/register_vs_ptxas.py's cases: with --walk compacted the
forward carries a block mask of the tiling's blocks and a schedule that
walks it (D113); without, the dense cases are as before (no GPU, no
ptxas)."""

from conftest import load_script


def script():
    return load_script("bench/experiments/register_vs_ptxas.py",
                       "register_vs_ptxas")


def test_compacted_walk_cases_walk_a_block_mask_of_the_tilings_blocks():
    s = script()
    src = s.case(128, 128, 128, 64, 2, 4, s.SCHEDULE["mma-sync"],
                 walk="compacted")
    assert "block_mask(%bm : tensor<1x1x32x64xi8>)" in src
    assert "block_sparse = #fa.block_sparse<block_q = 128, block_kv = 64>" in src
    assert ("schedule = #fa.schedule<kernel = mma_sync, epilogue = staged, "
            "walk = compacted>") in src


def test_dense_cases_are_unchanged():
    s = script()
    src = s.case(64, 64, 64, 128, 2, 4, s.SCHEDULE["mma-sync"])
    assert "block_mask" not in src and "walk" not in src
    assert "schedule = #fa.schedule<kernel = mma_sync, epilogue = staged>" in src
    assert s.case(64, 64, 64, 128, 2, 4).count("schedule") == 0
