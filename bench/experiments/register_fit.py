#!/usr/bin/env python3
"""Fits the mma-sync forward's register estimate to ptxas's rows.

Reads the JSON rows of bench/experiments/register_vs_ptxas.py (mma-sync
kernel, any targets) and fits the terms of MmaSyncModel::registersPerThread
(lib/Analysis/CostModel/MmaSyncModel.cpp; docs/CostModel.md, "mma-sync
registers: fitted to ptxas"):

  O     the O accumulator, f32 registers a thread (block_q x Dv / threads)
  S     the S accumulator (block_q x block_kv / threads); P, its bf16/f16
        copy, is a half of it
  addr  the ldmatrix operands' shared-memory addresses, hoisted out of the
        kv loop: one 64-bit register per 16 columns of Q (D, for each m16
        tile of a warp), K (block_kv) and V (Dv)
  irr   the 16-byte cp.async chunks of a K/V stage a thread copies whose
        tile column is not the same for all of the thread's chunks (the
        threads are not a multiple of the row's chunks, D / 8): each keeps
        its own address registers for the whole loop
  one   a fixed part

First a least-squares fit over the rows ptxas assembles without spills
below its cap (the residual says how well the terms explain ptxas), then
the fixed part is moved to where the estimate's verdict (within 255: no
spills) agrees with ptxas on the most rows. Prints both, the
disagreements left and the rows behind them. Runs anywhere (no numpy).

    bench/experiments/register_fit.py ROWS.json [ROWS.json ...]
        [--coefficients O S addr irr one] [--table T.md] [--inc T.inc]
        [--known-inc K.inc]

With --coefficients (the model's, MmaSyncModel.cpp's kMmaSyncRegisters)
it also writes the rows for unittests/RegisterTruthTest.cpp: --inc the
table (register_vs_ptxas.py's format, every kernel kind in the files),
--known-inc the disagreements (mma-sync: this estimate's verdict, wgmma:
the verdict fa-select-tiling gave when the rows were made), --table a
markdown table of every row. Files may be JSON arrays or JSON lines
(register_vs_ptxas.py --json or --jsonl).
"""
import argparse
import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import register_vs_ptxas  # noqa: E402

TERMS = ("O", "S", "addr", "irr", "one")
MAX_REGS = 255
# Rows whose allocation is below this are unconstrained by the cap (ptxas
# squeezes an allocation near 255 into 255, which says nothing of the
# demand).
UNCAPPED = 240


def divide_ceil(a, b):
    return -(-a // b)


def features(r):
    threads = 32 * r["warps"]
    chunks_k = divide_ceil(r["bkv"] * r["d"] // 8, threads)
    chunks_v = divide_ceil(r["bkv"] * r["dv"] // 8, threads)
    irregular = (chunks_k if threads % (r["d"] // 8) else 0) + \
        (chunks_v if threads % (r["dv"] // 8) else 0)
    m_tiles = r["bq"] // r["warps"] // 16
    return {"O": divide_ceil(r["bq"] * r["dv"], threads),
            "S": divide_ceil(r["bq"] * r["bkv"], threads),
            "addr": (m_tiles * r["d"] + r["bkv"] + r["dv"]) / 8,
            "irr": irregular, "one": 1}


def ptxas_clean(r):
    return r["ptxas"] is not None and r["spill"] == 0 and \
        r["ptxas"] <= MAX_REGS


def usable(r):
    """ptxas assembled it, or failed for want of registers."""
    return r["kind"] == "mma-sync" and (
        r["ptxas"] is not None or (r["error"] or "").startswith(
            ("fa-compile: error: ptxas failed", "ptxas failed",
             "not compiled")))


def solve(a, b):
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda i: abs(m[i][c]))
        m[c], m[p] = m[p], m[c]
        for i in range(n):
            if i != c and m[c][c]:
                f = m[i][c] / m[c][c]
                for j in range(c, n + 1):
                    m[i][j] -= f * m[c][j]
    return [m[i][n] / m[i][i] for i in range(n)]


def least_squares(rows):
    n = len(TERMS)
    a = [[0.0] * n for _ in range(n)]
    b = [0.0] * n
    for r in rows:
        f = features(r)
        x = [f[t] for t in TERMS]
        for i in range(n):
            b[i] += x[i] * r["ptxas"]
            for j in range(n):
                a[i][j] += x[i] * x[j]
    return solve(a, b)


def estimate(coef, r):
    f = features(r)
    return sum(c * f[t] for c, t in zip(coef, TERMS))


def predicts_clean(coef, r):
    """The model's verdict (Legality.cpp's checkResources with
    MmaSyncModel's budget): within 255 registers a thread (an estimate up
    to 20 over is kept, but as a priced spill), and the block's registers,
    the estimate in steps of 8, within the register file."""
    est = -(-estimate(coef, r) // 1)
    threads = 32 * r["warps"]
    return est <= MAX_REGS and -(-est // 8) * 8 * threads <= 65536


def disagreements(coef, rows):
    return [r for r in rows if predicts_clean(coef, r) != ptxas_clean(r)]


def read_rows(path):
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def agrees(coef, r):
    if r["kind"] != "mma-sync":
        return register_vs_ptxas.agrees(r)
    return "yes" if predicts_clean(coef, r) == ptxas_clean(r) else "NO"


def write_outputs(a, coef, all_rows):
    """--table, --inc, --known-inc."""
    if a.inc:
        with open(a.inc, "w") as f:
            register_vs_ptxas.write_inc(all_rows, f)
    if a.known_inc:
        with open(a.known_inc, "w") as f:
            register_vs_ptxas.write_known_inc(
                all_rows, f, lambda r: agrees(coef, r) == "NO")
    if a.table:
        with open(a.table, "w") as f:
            f.write("| kernel | target | D | Dv | tiling | estimate | model | "
                    "ptxas regs | spill B | agree |\n"
                    "|---|---|---|---|---|---|---|---|---|---|\n")
            for r in all_rows:
                mma = r["kind"] == "mma-sync"
                est = round(estimate(coef, r)) if mma else r["model"]
                verdict = ("keeps" if predicts_clean(coef, r) else "refuses"
                           ) if mma else register_vs_ptxas.verdict_text(r)
                ptx = r["ptxas"] if r["ptxas"] is not None else r["error"]
                spill = r["spill"] if r["spill"] is not None else "-"
                f.write(f"| {r['kind']} | {r['target']} | {r['d']} | "
                        f"{r['dv']} | {r['bq']}x{r['bkv']} s{r['stages']} "
                        f"w{r['warps']} | {est} | {verdict} | {ptx} | "
                        f"{spill} | {agrees(coef, r)} |\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="+")
    ap.add_argument("--coefficients", type=float, nargs=len(TERMS),
                    help="evaluate these instead of fitting")
    ap.add_argument("--table", default="")
    ap.add_argument("--inc", default="")
    ap.add_argument("--known-inc", default="")
    a = ap.parse_args()
    all_rows = []
    for path in a.rows:
        all_rows += read_rows(path)
    rows = [r for r in all_rows if usable(r)]
    fit_rows = [r for r in rows if ptxas_clean(r) and r["ptxas"] < UNCAPPED]
    coef = a.coefficients or least_squares(fit_rows)
    res = sorted(r["ptxas"] - estimate(coef, r) for r in fit_rows)
    q = len(res) // 20
    print(f"{len(rows)} rows, {len(fit_rows)} spill-free below {UNCAPPED} "
          "registers")
    print("fit: " + ", ".join(f"{t} {c:.3f}" for t, c in zip(TERMS, coef)))
    print(f"residual (ptxas - fit): median {res[len(res) // 2]:.0f}, "
          f"5%-95% {res[q]:.0f} to {res[-q - 1]:.0f}, "
          f"min {res[0]:.0f}, max {res[-1]:.0f}")
    if not a.coefficients:
        best = min(range(-40, 41), key=lambda s: len(disagreements(
            coef[:-1] + [coef[-1] + s], rows)))
        coef = coef[:-1] + [coef[-1] + best]
        print(f"fixed part moved by {best} to {coef[-1]:.1f} for the verdict")
    else:
        write_outputs(a, coef, all_rows)
    bad = disagreements(coef, rows)
    print(f"{len(bad)} of {len(rows)} rows disagree")
    by = Counter((r["target"], r["d"], r["dv"]) for r in bad)
    for k in sorted(by):
        print(f"  {k[0]} d = {k[1]}/{k[2]}: {by[k]}")
    for r in sorted(bad, key=lambda r: (r["target"], r["d"], r["warps"],
                                        r["bq"], r["bkv"])):
        print(f"  {r['target']} d={r['d']}/{r['dv']} {r['bq']}x{r['bkv']} "
              f"w{r['warps']}: estimate {estimate(coef, r):.0f}, ptxas "
              f"{r['ptxas']} ({r['spill']} B)")


if __name__ == "__main__":
    sys.exit(main())
