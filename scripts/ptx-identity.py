#!/usr/bin/env python3
"""PTX identity check: compiles every kernel of the GPU matrices and compares
its PTX and launch manifest byte for byte with a stored baseline.

A refactoring of the compiler must leave the kernels it generates unchanged;
this is the check that says so. Each kernel is compiled with
`fa-compile --ptxas=none` (PTX and manifest only; no CUDA toolkit needed) and
recorded as one line `SET CASE PTX-SHA256 MANIFEST-SHA256` (or `error` when
the case does not compile) in test/PTXIdentity/baseline.txt.

  scripts/ptx-identity.py                 check every set against the baseline
  scripts/ptx-identity.py --subset ci     the sets CI runs (a few minutes)
  scripts/ptx-identity.py --update        rewrite the baseline (say in the
                                          commit which kernels changed, and why)
  scripts/ptx-identity.py --sets wgmma-h100,bench-h200   some sets only

The sets are the matrices of bench/correctness/gpu_cases.py compiled with the pipeline
options of scripts/gpu-artifacts.sh's variants, on the h100, h200 and a100
targets. Exit status 1 names every kernel that changed.
"""

import argparse
import concurrent.futures
import hashlib
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "correctness"))
import gpu_cases  # noqa: E402

BASELINE = os.path.join(ROOT, "test", "PTXIdentity", "baseline.txt")

# name -> (matrix of gpu_cases.MATRICES, target, fa-to-ptx-pipeline options).
SETS = {
    "naive-h100": ("naive", "h100", "naive"),
    "simt-h100": ("simt", "h100", "kernel=simt"),
    "tiled-h100": ("tiled", "h100", ""),
    "tiled-h200": ("tiled", "h200", ""),
    "tiled-a100": ("tiled", "a100", ""),
    "mma-h100": ("mma", "h100", "kernel=mma-sync"),
    "mma-branch-h100": ("mma-branch", "h100",
                        "kernel=mma-sync mma-masked-steps=branch"),
    "wgmma-h100": ("wgmma", "h100", "kernel=wgmma"),
    "wgmma-cpasync-h100": ("wgmma-cpasync", "h100",
                           "kernel=wgmma wgmma-loads=cp-async"),
    "wgmma-release-h100": ("wgmma-release", "h100",
                           "kernel=wgmma wgmma-release=mbarrier"),
    "wgmma-overlap-h100": ("wgmma-overlap", "h100",
                           "kernel=wgmma wgmma-schedule=overlap"),
    "wgmma-producer-h100": ("wgmma-producer", "h100",
                            "kernel=wgmma wgmma-release=producer"),
    "wgmma-pingpong-h100": ("wgmma-pingpong", "h100",
                            "kernel=wgmma wgmma-release=producer "
                            "wgmma-schedule=serial wgmma-pingpong=on"),
    "wgmma-overlap-pingpong-h100": ("wgmma-overlap-pingpong", "h100",
                                    "kernel=wgmma wgmma-release=producer "
                                    "wgmma-schedule=overlap wgmma-pingpong=on"),
    "bench-h100": ("bench", "h100", ""),
    "bench-h200": ("bench", "h200", ""),
    "bench-mma-h100": ("bench-mma", "h100", "kernel=mma-sync"),
    "bench-a100": ("bench", "a100", ""),
    "bench-serial-h200": ("bench-serial", "h200", "wgmma-schedule=serial"),
}

# A few minutes on a 2-core machine: every kernel family and variant once,
# on the small shapes of the wgmma and mma matrices.
CI_SETS = ["wgmma-h100", "mma-h100", "tiled-a100", "wgmma-producer-h100",
           "wgmma-release-h100", "wgmma-cpasync-h100", "mma-branch-h100",
           "wgmma-pingpong-h100"]
CI_MAX_N = 1000  # CI leaves out the cases with longer sequences


def cases_of(set_name, ci):
    matrix, _, _ = SETS[set_name]
    cases = gpu_cases.MATRICES[matrix]()
    if ci:
        cases = [c for c in cases if max(c["nq"], c["nk"]) <= CI_MAX_N]
    return cases


def compile_case(fa_compile, set_name, case):
    _, target, options = SETS[set_name]
    opts = " ".join(x for x in (f"target={target}", options,
                                case.get("options", "")) if x)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "case.mlir")
        with open(src, "w") as f:
            f.write(gpu_cases.emit(case))
        prefix = os.path.join(tmp, "kernel")
        run = subprocess.run([fa_compile, src, "-o", prefix, "--ptxas=none",
                              f"--pipeline-options={opts}"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return f"{set_name} {case['name']} error error"
        digests = []
        for ext in (".ptx", ".json"):
            with open(prefix + ext, "rb") as f:
                digests.append(hashlib.sha256(f.read()).hexdigest()[:16])
    return f"{set_name} {case['name']} {digests[0]} {digests[1]}"


def read_baseline():
    lines = {}
    if os.path.exists(BASELINE):
        with open(BASELINE) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    s, c, rest = line.split(" ", 2)
                    lines[(s, c)] = rest.strip()
    return lines


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--update", action="store_true")
    p.add_argument("--subset", choices=["all", "ci"], default="all")
    p.add_argument("--sets", default="")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--tools", default=os.path.join(
        ROOT, os.environ.get("BUILD_DIR", "build"), "bin"),
        help="the folder holding fa-compile (default: build/bin)")
    p.add_argument("--fa-compile", help="fa-compile itself (default: in --tools)")
    a = p.parse_args(argv)
    ci = a.subset == "ci"
    a.fa_compile = a.fa_compile or os.path.join(a.tools, "fa-compile")
    names = (a.sets.split(",") if a.sets else CI_SETS if ci else list(SETS))
    for n in names:
        if n not in SETS:
            sys.exit(f"ptx-identity: unknown set '{n}' (known: {', '.join(SETS)})")
    if a.update and ci:
        sys.exit("ptx-identity: --update rewrites the whole baseline; "
                 "drop --subset ci")
    jobs = [(n, c) for n in names for c in cases_of(n, ci)]
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda j: compile_case(a.fa_compile, *j), jobs))
    if a.update:
        old = read_baseline()
        new = {tuple(r.split(" ", 2)[:2]): r.split(" ", 2)[2] for r in results}
        if not a.sets:
            old = {}
        old.update(new)
        with open(BASELINE, "w") as f:
            f.write("# scripts/ptx-identity.py --update: SET CASE "
                    "PTX-SHA256[:16] MANIFEST-SHA256[:16]\n")
            for (s, c), rest in sorted(old.items()):
                f.write(f"{s} {c} {rest}\n")
        print(f"ptx-identity: baseline of {len(old)} kernels written "
              f"({len(results)} compiled now)")
        return 0
    base = read_baseline()
    changed = []
    for r in results:
        s, c, rest = r.split(" ", 2)
        want = base.get((s, c))
        if want != rest:
            changed.append(f"  {s} {c}: baseline {want or 'missing'}, now {rest}")
    print(f"ptx-identity: {len(results) - len(changed)} of {len(results)} "
          f"kernels identical ({len(names)} sets)")
    if changed:
        print("ptx-identity: changed kernels:\n" + "\n".join(changed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
