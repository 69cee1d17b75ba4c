"""Staging for the GPU machine (CUDA, torch, no LLVM) of the scripts that
train or time through the Python package (bench/benchmark/overhead.py,
bench/correctness/torch_op_check.py, bench/train/train_models.py): a
folder with the package, the runtime's sources, the scripts in their
bench/ layout, a kernel bundle (flashattn_mlir.aot) and a run script that
builds libfa_runtime.so with g++ and runs them."""

import os
import shutil
import stat
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_RUN = """#!/usr/bin/env bash
# On the GPU machine: build the runtime, then {what}.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${{OUT:-/tmp/fa-{name}-out}}
mkdir -p "$OUT"
CUDA=${{CUDA_HOME:-/usr/local/cuda}}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
LIB=$PWD/libfa_runtime.so
if [ ! -f "$LIB" ] && ! g++ -O2 -std=c++17 -shared -fPIC -Iruntime/include \\
     -I"$CUDA/include" runtime/lib/Json.cpp runtime/lib/Runtime.cpp \\
     -L"$CUDA/lib64/stubs" -L"$CUDA/lib64" -lcuda -o "$LIB" 2> "$OUT/build.log"; then
  cat "$OUT/build.log"; echo "runtime: g++ failed, using the prebuilt library"
  LIB=$PWD/libfa_runtime.prebuilt.so
fi
export PYTHONUNBUFFERED=1 FA_RUNTIME_LIB=$LIB PYTHONPATH=$PWD/python
export FLASHATTN_MLIR_KERNELS=$PWD/kernels FLASHATTN_MLIR_CACHE=off
{body}
"""


def stage(dest, scripts):
    """Copies the package, the runtime's sources (and build/lib's
    libfa_runtime.so when there, as a fallback) and `scripts` (paths under
    bench/) into `dest`."""
    os.makedirs(dest, exist_ok=True)
    for sub in ("python/flashattn_mlir", "runtime"):
        target = os.path.join(dest, sub)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, sub), target,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for script in ["stage.py"] + list(scripts):
        target = os.path.join(dest, "bench", script)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(os.path.join(ROOT, "bench", script), target)
    prebuilt = os.path.join(ROOT, "build", "lib", "libfa_runtime.so")
    if os.path.exists(prebuilt):
        shutil.copy(prebuilt, os.path.join(dest, "libfa_runtime.prebuilt.so"))


def write_run(dest, name, what, body):
    """DEST/run_NAME.sh: the runtime's build, then `body` (bash, run from
    DEST with the package, the runtime and DEST/kernels set up; $OUT is
    where logs go)."""
    path = os.path.join(dest, f"run_{name}.sh")
    with open(path, "w") as f:
        f.write(_RUN.format(name=name, what=what, body=body.strip() + "\n"))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def stage_or_run(doc, stage, run):
    """The command line of a staged check with just `stage DEST` and `run`:
    calls stage(args) or run(args), returns its exit status."""
    p, sub = command_line(doc)
    sub.add_parser("run")
    args = p.parse_args()
    return {"stage": stage, "run": run}[args.command](args)


def run_checks(cases, run_case):
    """Runs `run_case(torch, flashattn_mlir, case)` ([(check, ok, detail)])
    for each of `cases` on the GPU machine, an exception counting as a
    failed check; prints PASS/FAIL lines; returns the exit status (0 iff
    all pass)."""
    import torch
    import flashattn_mlir as fa
    failures = 0
    for case in cases:
        try:
            results = run_case(torch, fa, case)
        except Exception as e:  # noqa: BLE001 - reported, counted as a failure
            results = [(str(case), False, f"{type(e).__name__}: {e}")]
        for check, ok, detail in results:
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'} {check}: {detail}")
    print(f"{failures} failed")
    return 1 if failures else 0


def stage_with_bundle(dest, calls, target, scripts, name, what, command):
    """stage() plus DEST/kernels compiled from `calls` (flashattn_mlir.aot's
    format) and DEST/run_NAME.sh running `command` (its output also in
    $OUT/NAME.log)."""
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from flashattn_mlir import aot
    dest = os.path.abspath(dest)
    kernels = aot.compile_bundle(calls, os.path.join(dest, "kernels"), target=target)
    stage(dest, scripts)
    write_run(dest, name, what,
              f'{command} 2>&1 | tee "$OUT/{name}.log"\nexit "${{PIPESTATUS[0]}}"')
    print(f"{len(kernels)} kernels; staged in {dest}: bash {dest}/run_{name}.sh "
          "on the GPU machine")
    return 0


def command_line(doc):
    """(parser, subparsers) for a staged script: its description from `doc`
    and the `stage DEST [--target T]` command; the script adds its own."""
    import argparse
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("stage", help="build machine: compile, copy, write the run script")
    s.add_argument("dest")
    s.add_argument("--target", default="h100")
    return p, sub
