#!/usr/bin/env python3
"""Experiment tool: derived PTX of a wgmma kernel, to locate its fixed cost.

Not part of the compiler. Takes the PTX fa-compile wrote for one benchmark
case and writes variants next to it (each assembled with `ptxas -v -O3`, with
a manifest NAME__VARIANT.json), for tile_trace.py (next to this file) or, the
backward's, bench/correctness/backward_simt.py's A/B groups on the device.
The forward's:

  trace    clock64 / globaltimer stamps on each consumer warpgroup's thread 0
           at kernel entry, after setmaxnreg, after the Q and first K waits,
           after block 0's S, before the last P V's wait, after the last P V
           and at the end of the epilogue, with the SM's id, into a trace
           buffer passed as one more argument (the manifest says so).
  nostore  the epilogue's st.global.b16 removed (pair-store kernels; ptxas
           may then drop the work feeding them: not a clean bound).
  b32      each pair of adjacent bf16/f16 stores merged into one 32-bit store
           (where the PTX stores a converted pair's low half, then its high
           half: the v8 wgmma kernel's epilogue; an error elsewhere).

The wgmma backward's ordered dQ (dq = ordered on the TMA ring with dq_pass =
step_start, docs/Backward.md "Deterministic dQ"; D115), to separate the
costs of the order. None of these is deterministic; each does the same work:

  nowait   the spin on the turn's semaphore exits at once (thread 0 still
           fences): no kv-block waits for another.
  nodrain  the wait at a step's top for the previous step's bulk reductions
           to complete (their writes) becomes a wait for their reads of the
           shared tile (`.read`, what atomic dQ waits for): the turn passes
           without the drain.
  nowait_nodrain  both.
  reversed (atomic dQ) the grid's kv-blocks run last first, as the ordered
           kernel's do (kvBlockIndex): atomic dQ in ordered dQ's launch
           order.

The wgmma backward's exit (atomic dQ with the convert kernel; D132):

  readexit the wait before the block exits for its dQ bulk reductions to
           complete (`cp.async.bulk.wait_group 0`) becomes a wait for their
           reads of the shared tile (`.read`), as CUTLASS's and
           FlashAttention-3's epilogues end: the grid's completion makes
           the writes visible to the convert kernel (the split group's dK
           and dV reductions alike). An error where the main kernel reads
           turns or arrivals (ordered dQ, the fused conversion).

The wgmma backward's launch order (atomic dQ, not the persistent kernel;
D131), a measurement of the causal grid's tail:

  lfC      (C a number, e.g. lf4) the grid's blocks, in launch order, walk
           chunks of C (batch, head) pairs (the grid's y and z), and within
           a chunk the kv-block is the slowest: every pair's kv-block 0
           first (the longest under causal), then every pair's kv-block 1,
           ... (today: a pair's kv-blocks one after another). C = 1 is
           today's order; C at least the pairs is the longest-first order
           of the whole grid. Each read of %ctaid.{x,y,z} in the main
           kernel becomes the remapped index, computed from the linear
           block index; the blocks do the same work in another order.

  python3 bench/experiments/ptx_variants.py DIR NAME [VARIANT...]
"""

import json
import os
import re
import shutil
import subprocess
import sys

STAMP = "\tmov.u64 \t%trc{0}, %clock64;\n"


def first_index(lines, pred, start=0):
    for i in range(start, len(lines)):
        if pred(lines[i]):
            return i
    raise ValueError("anchor not found")


def last_index(lines, pred, end=None):
    end = len(lines) if end is None else end
    for i in range(end - 1, -1, -1):
        if pred(lines[i]):
            return i
    raise ValueError("anchor not found")


def trace(ptx):
    lines = ptx.splitlines(keepends=True)
    ret = last_index(lines, lambda l: l.strip() == "ret;")
    end_label = last_index(lines, lambda l: l.startswith("$L__"), ret)
    # Insertions from the bottom up so that indices stay valid. The stamps
    # go to the trace buffer (one more kernel parameter): 80 bytes for each
    # of up to 4 consumer warpgroups of each block, written by the
    # warpgroup's thread 0 (which runs the epilogue's last lines: lane 0).
    inserts = []
    body = ("\tmov.u64 \t%trc6, %clock64;\n"
            "\tmov.u64 \t%trg1, %globaltimer;\n"
            "\tmov.u32 \t%trs, %smid;\n"
            "\tcvt.u64.u32 \t%trc7, %trs;\n"
            "\tmov.u32 \t%trs, %tid.x;\n"
            "\tand.b32 \t%trt, %trs, 127;\n"
            "\tsetp.eq.u32 \t%trp, %trt, 0;\n"
            "\tshr.u32 \t%trs, %trs, 7;\n"
            "\tmov.u32 \t%trt, %ctaid.z;\n"
            "\tmov.u32 \t%tru, %nctaid.y;\n"
            "\tmov.u32 \t%trv, %ctaid.y;\n"
            "\tmad.lo.u32 \t%trt, %trt, %tru, %trv;\n"
            "\tmov.u32 \t%tru, %nctaid.x;\n"
            "\tmov.u32 \t%trv, %ctaid.x;\n"
            "\tmad.lo.u32 \t%trt, %trt, %tru, %trv;\n"
            "\tmad.lo.u32 \t%trt, %trt, 4, %trs;\n"
            "\tmul.wide.u32 \t%trb, %trt, 80;\n"
            "\tld.param.u64 \t%tra, [attention_kernel_param_trace];\n"
            "\tcvta.to.global.u64 \t%tra, %tra;\n"
            "\tadd.s64 \t%tra, %tra, %trb;\n"
            "\t@%trp st.global.v2.u64 \t[%tra], {%trc0, %trg0};\n"
            "\t@%trp st.global.v2.u64 \t[%tra+16], {%trc1, %trc2};\n"
            "\t@%trp st.global.v2.u64 \t[%tra+32], {%trc3, %trc4};\n"
            "\t@%trp st.global.v2.u64 \t[%tra+48], {%trc5, %trc6};\n"
            "\t@%trp st.global.v2.u64 \t[%tra+64], {%trg1, %trc7};\n")
    inserts.append((end_label, body))
    last_wait = last_index(
        lines, lambda l: "wgmma.wait_group.sync.aligned" in l and l.strip().endswith("0;"))
    inserts.append((last_wait + 1, STAMP.format(5)))
    last_mbar = last_index(lines, lambda l: "mbarrier.try_wait" in l, last_wait)
    warp_sync = last_index(lines, lambda l: "bar.warp.sync" in l, last_mbar)
    inserts.append((warp_sync, STAMP.format(4)))
    setmax = first_index(lines, lambda l: "setmaxnreg.inc" in l)
    first_wait = first_index(
        lines, lambda l: "wgmma.wait_group.sync.aligned" in l, setmax)
    inserts.append((first_wait + 1, STAMP.format(3)))
    ends = [i for i in range(setmax, first_wait) if "// end inline asm" in lines[i]]
    inserts.append((ends[1] + 1, STAMP.format(2)))
    inserts.append((setmax + 1, STAMP.format(1)))
    first_instr = first_index(lines, lambda l: "ld.param" in l)
    inserts.append((first_instr, STAMP.format(0) +
                    "\tmov.u64 \t%trg0, %globaltimer;\n"))
    decl = first_index(lines, lambda l: l.strip().startswith(".reg .b64"))
    inserts.append((decl + 1, "\t.reg .b64 \t%trc<8>;\n\t.reg .b64 \t%trg<2>;\n"
                    "\t.reg .b64 \t%tra;\n\t.reg .b64 \t%trb;\n"
                    "\t.reg .b32 \t%trs;\n\t.reg .b32 \t%trt;\n"
                    "\t.reg .b32 \t%tru;\n\t.reg .b32 \t%trv;\n"
                    "\t.reg .pred \t%trp;\n"))
    # The trace buffer: one more parameter, after the last.
    close = first_index(lines, lambda l: l.strip() == ")")
    lines[close - 1] = lines[close - 1].rstrip("\n") + ",\n"
    inserts.append((close, "\t.param .u64 .ptr .align 1 attention_kernel_param_trace\n"))
    for at, text in sorted(inserts, key=lambda x: -x[0]):
        lines.insert(at, text)
    return "".join(lines)


def add_trace_buffer(manifest):
    """The manifest of the trace variant: one more argument (the stamps, 80
    bytes per consumer warpgroup slot, 4 a block) passed as the last
    parameter."""
    kern = manifest["kernels"][0]
    blocks = kern["grid"][0] * kern["grid"][1] * kern["grid"][2]
    index = len(manifest["arguments"])
    manifest["arguments"].append({"name": "trace", "index": index, "bytes": blocks * 4 * 80,
                                  "dtype": "i64", "shape": [blocks * 4 * 10],
                                  "strides": [1]})
    kern["params"].append({"type": "ptr", "buffer": "trace"})
    return manifest


def nostore(ptx):
    lines = ptx.splitlines(keepends=True)
    return "".join(l for l in lines if "st.global.b16" not in l)


PAIR = re.compile(
    r"\tst\.global\.b16 \t\[(%rd\d+)(\+(\d+))?\], (%r\d+);\n"
    r"\tshr\.u32 \t(%r\d+), \4, 16;\n"
    r"\tst\.global\.b16 \t\[\1\+(\d+)\], \5;\n")


def b32(ptx):
    def merge(m):
        off = int(m.group(3) or 0)
        if int(m.group(6)) != off + 2:
            return m.group(0)
        sfx = f"+{off}" if off else ""
        return f"\tst.global.b32 \t[{m.group(1)}{sfx}], {m.group(4)};\n"
    out, n = PAIR.subn(merge, ptx)
    if n == 0:
        raise ValueError("no store pairs found")
    return out


# The ordered dQ's spin (BackwardContext::waitForTurn): thread 0's early
# read compared with the turn, then the loop of relaxed loads, then the
# acquire fence.
SPIN = re.compile(
    r"\tsetp\.eq\.b32 \t(%p\d+), %r\d+, %r\d+;\n"
    r"\t@\1 bra \t(\$L__BB\d+_\d+);\n"
    r"(\$L__BB\d+_\d+):\n"
    r"\t// begin inline asm\n"
    r"\tld\.relaxed\.gpu\.global\.b32 ")
DRAIN = "cp.async.bulk.wait_group 0;"


def nowait(ptx):
    out, n = SPIN.subn(
        lambda m: f"\tbra.uni \t{m.group(2)};\n{m.group(3)}:\n"
                  "\t// begin inline asm\n\tld.relaxed.gpu.global.b32 ", ptx)
    if n == 0:
        raise ValueError("no ordered dQ spin found (not dq = ordered?)")
    return out


def nodrain(ptx):
    # The ring's ordered kernel has two: at the loop's top (before the
    # step's first barrier, then the pass), and after the loop (before the
    # last pass and the block's exit), which stays.
    if ptx.count(DRAIN) != 2:
        raise ValueError(f"expected 2 '{DRAIN}' (the ordered ring's), found "
                         f"{ptx.count(DRAIN)}")
    return ptx.replace(DRAIN, "cp.async.bulk.wait_group.read 0;", 1)


def nowait_nodrain(ptx):
    return nodrain(nowait(ptx))


def with_main_kernel(ptx, rewrite):
    """`ptx` with the backward's main kernel (the one entry with dQ's bulk
    reductions) replaced by rewrite(its text)."""
    entries = ptx.split(".visible .entry ")
    main = [i for i, e in enumerate(entries) if "cp.reduce.async.bulk" in e]
    if len(main) != 1:
        raise ValueError("expected one kernel with dQ's bulk reductions")
    entries[main[0]] = rewrite(entries[main[0]])
    return ".visible .entry ".join(entries)


def reversed_grid(ptx):
    # The main kernel: blockIdx.x becomes gridDim.x - 1 - blockIdx.x where
    # it is read.
    pat = re.compile(r"\tmov\.u32 \t(%r\d+), %ctaid\.x;\n")

    def rewrite(kernel):
        body, n = pat.subn(
            lambda m: m.group(0) + "\t{\n\t.reg .b32 %rv;\n\tmov.u32 \t%rv, "
            f"%nctaid.x;\n\tsub.s32 \t%rv, %rv, {m.group(1)};\n\tsub.s32 \t"
            f"{m.group(1)}, %rv, 1;\n\t}}\n", kernel)
        if n == 0:
            raise ValueError("no read of %ctaid.x in the main kernel")
        return body
    return with_main_kernel(ptx, rewrite)


def longest_first(ptx, chunk):
    # The main kernel (the one with the dQ reductions): launch index L = x +
    # X (y + Y z); chunk c = L / (C X) covers pairs [c C, c C + Cc), Cc =
    # min(C, Y Z - c C); within it r = L - c C X: kv-block r / Cc, pair
    # c C + r % Cc (head: pair % Y, batch: pair / Y). A bijection of the
    # grid onto itself.
    def rewrite(kernel):
        if "%nctaid" in kernel and chunk > 1:
            # The persistent kernel reads the grid's size to walk its tiles.
            raise ValueError("the main kernel reads %nctaid (persistent?)")
        pick = {"x": "\tmov.u32 \t{dst}, %lf13;\n",
                "y": "\trem.u32 \t{dst}, %lf14, %lf4;\n",
                "z": "\tdiv.u32 \t{dst}, %lf14, %lf4;\n"}
        remap = ("\t{{\n\t.reg .b32 %lf<15>;\n"
                 "\tmov.u32 \t%lf0, %ctaid.x;\n\tmov.u32 \t%lf1, %ctaid.y;\n"
                 "\tmov.u32 \t%lf2, %ctaid.z;\n\tmov.u32 \t%lf3, %nctaid.x;\n"
                 "\tmov.u32 \t%lf4, %nctaid.y;\n\tmov.u32 \t%lf5, %nctaid.z;\n"
                 "\tmad.lo.s32 \t%lf6, %lf4, %lf2, %lf1;\n"
                 "\tmad.lo.s32 \t%lf6, %lf6, %lf3, %lf0;\n"
                 "\tmul.lo.s32 \t%lf7, %lf4, %lf5;\n"
                 "\tmul.lo.s32 \t%lf8, %lf3, {c};\n"
                 "\tdiv.u32 \t%lf9, %lf6, %lf8;\n"
                 "\tmul.lo.s32 \t%lf10, %lf9, {c};\n"
                 "\tsub.s32 \t%lf11, %lf7, %lf10;\n"
                 "\tmin.u32 \t%lf11, %lf11, {c};\n"
                 "\tmul.lo.s32 \t%lf12, %lf9, %lf8;\n"
                 "\tsub.s32 \t%lf12, %lf6, %lf12;\n"
                 "\tdiv.u32 \t%lf13, %lf12, %lf11;\n"
                 "\tmul.lo.s32 \t%lf14, %lf13, %lf11;\n"
                 "\tsub.s32 \t%lf14, %lf12, %lf14;\n"
                 "\tadd.s32 \t%lf14, %lf14, %lf10;\n"
                 "{pick}\t}}\n")
        pat = re.compile(r"\tmov\.u32 \t(%r\d+), %ctaid\.([xyz]);\n")
        body, n = pat.subn(
            lambda m: remap.format(c=chunk, pick=pick[m.group(2)].format(
                dst=m.group(1))), kernel)
        if n == 0:
            raise ValueError("no read of %ctaid in the main kernel")
        return body
    return with_main_kernel(ptx, rewrite)


def read_exit(ptx):
    def rewrite(kernel):
        if "ld.relaxed.gpu" in kernel or "atom.acq_rel.gpu" in kernel:
            raise ValueError("the main kernel reads turns (ordered dQ) or "
                             "arrivals (the fused conversion)")
        # The ring's wait after its loop; the split group's after its f32
        # reductions of dK and dV.
        body, n = re.subn(r"\tcp\.async\.bulk\.wait_group 0;",
                          "\tcp.async.bulk.wait_group.read 0;", kernel)
        if n == 0:
            raise ValueError("no full bulk wait in the main kernel")
        return body
    return with_main_kernel(ptx, rewrite)


def variant_function(name):
    """The function deriving `name`: VARIANTS', or lfC's."""
    if name in VARIANTS:
        return VARIANTS[name]
    m = re.fullmatch(r"lf(\d+)", name)
    if m and int(m.group(1)) > 0:
        return lambda ptx: longest_first(ptx, int(m.group(1)))
    raise ValueError(f"unknown variant {name}")


VARIANTS = {"trace": trace, "nostore": nostore, "b32": b32,
            "nowait": nowait, "nodrain": nodrain,
            "nowait_nodrain": nowait_nodrain, "reversed": reversed_grid,
            "readexit": read_exit}


def derive(folder, name, variant):
    """Writes variant `variant` of the kernel NAME in `folder` (NAME.json,
    its PTX) as NAME__VARIANT.{ptx,cubin,json}; ptxas's registers and spill
    stores."""
    with open(os.path.join(folder, name + ".json")) as f:
        manifest = json.load(f)
    ptx = open(os.path.join(folder, manifest["files"]["ptx"])).read()
    arch = manifest["arch"]
    out = f"{name}__{variant}"
    open(os.path.join(folder, out + ".ptx"), "w").write(
        variant_function(variant)(ptx))
    ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
    log = subprocess.run(
        [ptxas, "-v", "-O3", f"-arch={arch}", out + ".ptx", "-o", out + ".cubin"],
        cwd=folder, capture_output=True, text=True, check=True).stderr
    regs = re.findall(r"Used (\d+) registers", log)
    spill = re.findall(r"(\d+) bytes spill stores", log)
    m = dict(json.loads(json.dumps(manifest)),
             files={"ptx": out + ".ptx", "cubin": out + ".cubin"})
    if variant == "trace":
        m = add_trace_buffer(m)
    with open(os.path.join(folder, out + ".json"), "w") as f:
        json.dump(m, f, indent=1)
    return f"{out}: {'/'.join(regs)} registers, {'/'.join(spill)} bytes spill stores"


def main(argv):
    folder, name = argv[0], argv[1]
    wanted = argv[2:] or ["trace", "nostore", "b32"]
    for v in wanted:
        print(derive(folder, name, v))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
