"""bench/distributed/one_gpu_check.py's supervisor on the CPU (its dry run:
the reference block op, gloo, spawned ranks): a rank that crashes, hangs
or raises is reported with its case, its log (faulthandler's stacks) and
status, and the other cases still run, in fresh processes. The faults are
injected (FA_DIST_INJECT). Needs torch with gloo; about a minute."""

import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")
if not (dist.is_available() and dist.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "bench", "distributed", "one_gpu_check.py")
W1 = "smoke-ring-zigzag-w1-bf16-d64-n16-h2x2-causal"
W2 = "smoke-ring-zigzag-w2-bf16-d64-n16-h2x2-causal"
CONTIGUOUS = "ring-contiguous-w2-bf16-d128-n256-h8x4-causal"
F16 = "ring-zigzag-w2-f16-d64-n124-h6x2-causal"


def check(tmp_path, inject, only, case_timeout="8"):
    env = dict(os.environ, FA_DIST_DRY_RUN="1", FA_DIST_INJECT=inject,
               FA_DIST_CASE_TIMEOUT=case_timeout, PYTHONPATH=os.pathsep.join(
                   [os.path.join(ROOT, "python")] + sys.path))
    logs = tmp_path / "logs"
    r = subprocess.run([sys.executable, SCRIPT, "run", "x", "--only", only,
                        "--logs", str(logs)], env=env, capture_output=True,
                       text=True, timeout=600)
    lines = {line.split(" ", 2)[1].rstrip(":"): line.split(" ", 1)[0]
             for line in r.stdout.splitlines()
             if line.split(" ", 1)[0] in ("PASS", "FAIL", "ERROR", "CRASH",
                                          "TIMEOUT", "NOT")}
    return r, lines, logs


def test_crash_hang_and_error_are_reported_and_the_rest_runs(tmp_path):
    r, status, logs = check(
        tmp_path, f"{W1}:0:hang,{W2}:1:segv,{F16}:1:raise",
        ",".join([W1, W2, CONTIGUOUS, F16]))
    assert r.returncode == 1, r.stdout + r.stderr
    assert status == {W1: "TIMEOUT", W2: "CRASH", CONTIGUOUS: "PASS", F16: "ERROR"}, \
        r.stdout + r.stderr
    out = r.stdout
    # What each failing rank said: the hung rank's stack at the timeout, the
    # crashed one's at the fault, the raising one's traceback.
    assert "Timeout (0:00:08)!" in out and "in _inject" in out
    assert "rank 1 died with SIGSEGV" in out
    assert "Fatal Python error: Segmentation fault" in out
    assert f"RuntimeError: injected into {F16} on rank 1" in out
    assert "3 of 4 cases pass" not in out and "1 of 4 cases pass" in out
    # Every attempt's rank logs are kept.
    attempts = sorted(os.listdir(logs))
    assert "w1.attempt1" in attempts and "w2.attempt2" in attempts
    assert (logs / "w2.attempt1" / "rank1.log").read_text().count("Segmentation fault")


def test_a_crash_after_the_last_case_keeps_the_results(tmp_path):
    r, status, _ = check(tmp_path, "@exit:1:segv", "smoke")
    assert r.returncode == 0, r.stdout + r.stderr
    assert status == {W1: "PASS", W2: "PASS"}
    assert "WARNING world 2: rank 1 died with SIGSEGV after its last case" in r.stdout


def test_context_parallel_cases_pass_the_dry_run(tmp_path):
    """The context_parallel() cases at world size 2 (flashattn_mlir.
    attention() under it, head-tail and rank order; test_distributed.py
    has world size 4) through the check's own path and its float64
    criterion, with the reference block op."""
    names = [f"cp-{layout}-w2-bf16-d128-n256-h8x4-causal"
             for layout in ("zigzag", "contiguous")]
    r, status, _ = check(tmp_path, "", ",".join(names), case_timeout="40")
    assert r.returncode == 0, r.stdout + r.stderr
    assert status == {name: "PASS" for name in names}, r.stdout
