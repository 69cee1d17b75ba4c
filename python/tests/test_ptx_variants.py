"""bench/experiments/ptx_variants.py's backward variants (D131's `lfC`,
D132's `readexit`), on a small PTX text shaped like the wgmma backward's:
what each rewrites and what it refuses; no compiler, no GPU."""

import re

import pytest

from conftest import load_script


def variants():
    return load_script("bench/experiments/ptx_variants.py", "ptx_variants")


# Two entries: a kernel without dQ's reductions (the preprocess) and the
# main one, which reads each %ctaid once and ends with a full bulk wait.
PTX = """//
.visible .entry attention_grad_kernel(
)
{
\tmov.u32 \t%r1, %ctaid.x;
\tret;
}
.visible .entry attention_grad_kernel_0(
)
{
\tmov.u32 \t%r3, %ctaid.x;
\tmov.u32 \t%r4, %ctaid.y;
\tmov.u32 \t%r5, %ctaid.z;
\tcp.reduce.async.bulk.tensor.4d.global.shared::cta.add.tile.bulk_group [%rd1, {%r1, %r2, %r3, %r4}], [%r6];
\tcp.async.bulk.wait_group.read 0;
\tcp.async.bulk.wait_group 0;
\tret;
}
"""


def remap(x, y, z, nx, ny, nz, chunk):
    """The lfC remap's arithmetic, as the PTX computes it."""
    linear = x + nx * (y + ny * z)
    per = nx * chunk
    c = linear // per
    base = c * chunk
    size = min(chunk, ny * nz - base)
    r = linear - c * per
    j = r // size
    pair = base + r - j * size
    return j, pair % ny, pair // ny


@pytest.mark.parametrize("grid,chunk", [((3, 3, 3), 2), ((5, 4, 2), 3),
                                        ((32, 8, 2), 4), ((8, 2, 3), 100),
                                        ((1, 7, 1), 4)])
def test_longest_first_is_a_bijection_in_chunks(grid, chunk):
    nx, ny, nz = grid
    seen = [remap(x, y, z, nx, ny, nz, chunk) for z in range(nz)
            for y in range(ny) for x in range(nx)]
    assert sorted(seen) == sorted((x, y, z) for z in range(nz)
                                  for y in range(ny) for x in range(nx))
    # In launch order, a chunk's pairs take kv-block 0 first, then 1, ...
    order = sorted((x + nx * (y + ny * z), remap(x, y, z, nx, ny, nz, chunk))
                   for z in range(nz) for y in range(ny) for x in range(nx))
    first = order[:min(chunk, ny * nz)]
    assert all(j == 0 for _, (j, _, _) in first)


def test_chunk_of_one_is_todays_order():
    assert all(remap(x, y, z, 4, 3, 2, 1) == (x, y, z) for z in range(2)
               for y in range(3) for x in range(4))


def test_longest_first_rewrites_the_main_kernels_reads():
    pv = variants()
    out = pv.variant_function("lf4")(PTX)
    pre, main = out.split(".visible .entry ")[1:]
    assert "%lf" not in pre  # the preprocess keeps its %ctaid.x
    assert main.count("mov.u32 \t%lf0, %ctaid.x;") == 3
    assert "mul.lo.s32 \t%lf8, %lf3, 4;" in main
    assert "\tmov.u32 \t%r3, %lf13;" in main      # x: the kv-block
    assert "\trem.u32 \t%r4, %lf14, %lf4;" in main  # y: the head
    assert "\tdiv.u32 \t%r5, %lf14, %lf4;" in main  # z: the batch
    assert not re.search(r"mov\.u32 \t%r[345], %ctaid", main)


def test_longest_first_refusals():
    pv = variants()
    with pytest.raises(ValueError, match="unknown variant"):
        pv.variant_function("lf0")
    with pytest.raises(ValueError, match="unknown variant"):
        pv.variant_function("lfx")
    with pytest.raises(ValueError, match="one kernel with dQ"):
        pv.variant_function("lf4")(PTX.replace("cp.reduce.async.bulk", "nop"))
    persistent = PTX.replace("\tret;\n}\n", "\tmov.u32 \t%r9, %nctaid.x;\n"
                             "\tret;\n}\n")
    with pytest.raises(ValueError, match="persistent"):
        pv.variant_function("lf4")(persistent)


def test_read_exit_waits_for_the_reads_only():
    pv = variants()
    out = pv.variant_function("readexit")(PTX)
    main = out.split(".visible .entry ")[2]
    assert "cp.async.bulk.wait_group 0;" not in main
    assert main.count("cp.async.bulk.wait_group.read 0;") == 2
    for marker in ("ld.relaxed.gpu.global.b32 %r7, [%rd2];",
                   "atom.acq_rel.gpu.global.add.s32 %r7, [%rd2], -1;"):
        ordered = PTX.replace("\tret;\n}\n", f"\t{marker}\n\tret;\n}}\n")
        with pytest.raises(ValueError, match="turns"):
            pv.variant_function("readexit")(ordered)
    with pytest.raises(ValueError, match="no full bulk wait"):
        pv.variant_function("readexit")(
            PTX.replace("cp.async.bulk.wait_group 0;", ""))
