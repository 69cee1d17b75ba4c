"""bench/experiments/tiling_sweep.py's device side without a GPU: the
sweep loop over a fake bench (rows as it goes, the deadline, resuming, a
kernel that hangs or takes the context down, the confirmation), the docs'
table from synthetic rows, the packs' plan, and sweep_run.sh's restarts
with a stand-in for the Python run."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, load_script


@pytest.fixture(scope="module")
def ts():
    return load_script("bench/experiments/tiling_sweep.py", "tiling_sweep")


def case(ts, d, n, causal, kind, tiling, predicted_ms, pick=False, dv=None):
    c = ts.problem(d, dv or d, n, causal)
    return dict(c, name=ts.case_name(c, kind, tiling), shape=c["name"],
                kind=kind, tiling=list(tiling), predicted_s=predicted_ms * 1e-3,
                registers=128, schedule="", model_pick=pick,
                compile_error=None)


def two_shapes(ts):
    """d64 N=1k (pick 128x96, best 64x64 by 2%) and d128 N=4k causal (the
    pick the best)."""
    return [case(ts, 64, 1024, False, "wgmma", (64, 64, 2, 4), 0.10),
            case(ts, 64, 1024, False, "wgmma", (128, 96, 2, 8), 0.09, True),
            case(ts, 64, 1024, False, "mma-sync", (64, 64, 2, 4), 0.30),
            case(ts, 128, 4096, True, "wgmma", (128, 128, 2, 8), 0.8, True),
            case(ts, 128, 4096, True, "wgmma", (128, 64, 2, 8), 0.9),
            case(ts, 128, 4096, True, "wgmma", (64, 64, 2, 4), 1.0)]


class FakeBench:
    """Times from a table (ms by tiling); `hang` names a kernel whose
    measurement ends the process (as the watchdog's exit would), `lost` one
    that takes the context down."""
    card, reps = "fake H200", 3

    def __init__(self, ms, hang=(), lost=(), clock=None):
        self.ms, self.hang, self.lost, self.clock = ms, hang, lost, clock
        self.measured, self.prepared, self.confirmed = [], [], []

    def prepare(self, c0):
        self.prepared.append(c0["shape"])

    def measure(self, c):
        if c["name"] in self.hang:
            raise SystemExit("watchdog")
        self.measured.append(c["name"])
        if self.clock:
            self.clock[0] += 1
        if c["name"] in self.lost:
            return {"ms": None, "error": "illegal address", "context_lost": True}
        return {"ms": self.ms[c["name"]], "max_err": 1e-3, "error": None}

    def confirm(self, cases, reps):
        self.confirmed.append([c["name"] for c in cases])
        return {"ms": {c["name"]: self.ms[c["name"]] * 1.01 for c in cases},
                "reps": reps}


def times(ts, cases, ms):
    return {c["name"]: m for c, m in zip(cases, ms)}


def rows_of(folder):
    with open(os.path.join(folder, "rows.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_a_whole_run_writes_rows_verdicts_and_mirrors(ts, tmp_path):
    cases = two_shapes(ts)
    bench = FakeBench(times(ts, cases, [0.100, 0.102, 0.300, 0.80, 0.95, 1.2]))
    outs = ts.Outs(str(tmp_path / "state"), [str(tmp_path / "out")])
    said = []
    code = ts.sweep(cases, bench, outs, float("inf"), say=said.append)
    assert code == ts.EXIT_DONE
    # The pick first within its shape; every kernel once.
    assert bench.measured[0] == cases[1]["name"]
    assert sorted(bench.measured) == sorted(c["name"] for c in cases)
    for folder in ("state", "out"):
        rows = rows_of(str(tmp_path / folder))
        assert len([r for r in rows if r.get("phase") != "confirm"]) == 6
        assert len([r for r in rows if r.get("phase") == "confirm"]) == 2
        assert os.path.exists(tmp_path / folder / "tiling_sweep.log")
    summary = json.load(open(tmp_path / "state" / "tiling_sweep.json"))
    assert [s["verdict"] for s in summary["summary"]] == ["within 5%"] * 2
    assert summary["summary"][0]["best"] == cases[0]["name"]
    # The mirror ($OUT) gets the rows and the log alone: the device brings
    # back 8 files at most.
    assert sorted(os.listdir(tmp_path / "out")) == ["rows.jsonl",
                                                    "tiling_sweep.log"]
    # The confirmation: the shape's fastest (5 at most) and the pick.
    assert sorted(bench.confirmed[0]) == sorted(c["name"] for c in cases[:3])
    assert any(s.startswith("d64_n1024: within 5%") for s in said)


def test_a_miss_is_a_miss(ts):
    cases = two_shapes(ts)[:3]
    rows = [dict(ts.base_row(c), ms=m, error=None)
            for c, m in zip(cases, [0.100, 0.106, 0.3])]
    v = ts.shape_verdict(rows)
    assert v["verdict"] == "MISS" and v["ratio"] == pytest.approx(1.06)
    # The confirmation's times decide, and only confirmed kernels compete.
    v = ts.shape_verdict(rows, {"ms": {cases[0]["name"]: 0.104,
                                       cases[1]["name"]: 0.105}})
    assert v["verdict"] == "within 5%" and v["confirmed"]
    wrong = [dict(r, error="wrong (max err 1)") if r["model_pick"] else r
             for r in rows]
    assert ts.shape_verdict(wrong)["verdict"] == "the pick did not run"


def test_the_deadline_stops_and_a_rerun_resumes(ts, tmp_path):
    cases = two_shapes(ts)
    ms = times(ts, cases, [0.1, 0.102, 0.3, 0.8, 0.95, 1.2])
    clock = [0.0]
    outs = ts.Outs(str(tmp_path / "state"))
    first = FakeBench(ms, clock=clock)
    code = ts.sweep(cases, first, outs, deadline=3.5, now=lambda: clock[0],
                    say=lambda s: None)
    assert code == ts.EXIT_DEADLINE
    assert len(first.measured) == 4  # the deadline is checked per kernel
    second = FakeBench(ms)
    assert ts.sweep(cases, second, outs, float("inf"),
                    say=lambda s: None) == ts.EXIT_DONE
    assert len(second.measured) == 2
    assert not set(first.measured) & set(second.measured)
    kernels = [r for r in rows_of(str(tmp_path / "state"))
               if r.get("phase") != "confirm"]
    assert len(kernels) == 6


def test_a_hang_is_left_out_with_its_siblings(ts, tmp_path):
    cases = two_shapes(ts)
    # The same tiling at N = 16k (another shape, the same code) follows.
    sib = case(ts, 64, 16384, False, "wgmma", (64, 64, 2, 4), 1.0)
    pick = case(ts, 64, 16384, False, "wgmma", (128, 96, 2, 8), 0.9, True)
    cases += [sib, pick]
    ms = times(ts, cases, [0.1, 0.102, 0.3, 0.8, 0.95, 1.2, 1.0, 0.9])
    outs = ts.Outs(str(tmp_path / "state"))
    with pytest.raises(SystemExit):
        ts.sweep(cases, FakeBench(ms, hang=[cases[0]["name"]]), outs,
                 float("inf"), say=lambda s: None)
    said = []
    bench = FakeBench(ms)
    assert ts.sweep(cases, bench, outs, float("inf"),
                    say=said.append) == ts.EXIT_DONE
    rows = {r["name"]: r for r in rows_of(str(tmp_path / "state"))
            if r.get("phase") != "confirm"}
    assert rows[cases[0]["name"]]["error"] == ts.CRASHED
    assert rows[sib["name"]]["error"].startswith("left out: the same tiling")
    assert cases[0]["name"] not in bench.measured
    assert sib["name"] not in bench.measured
    assert pick["name"] in bench.measured
    assert any(ts.CRASHED in s for s in said)


def test_a_lost_context_ends_the_process_and_the_rerun_goes_on(ts, tmp_path):
    cases = two_shapes(ts)
    ms = times(ts, cases, [0.1, 0.102, 0.3, 0.8, 0.95, 1.2])
    outs = ts.Outs(str(tmp_path / "state"))
    first = FakeBench(ms, lost=[cases[4]["name"]])
    assert ts.sweep(cases, first, outs, float("inf"),
                    say=lambda s: None) == ts.EXIT_CONTEXT
    second = FakeBench(ms)
    assert ts.sweep(cases, second, outs, float("inf"),
                    say=lambda s: None) == ts.EXIT_DONE
    assert second.measured == [cases[5]["name"]]


def test_a_kernel_that_did_not_compile_costs_no_launch(ts, tmp_path):
    cases = two_shapes(ts)
    cases[2]["compile_error"] = "ptxas: too much shared memory"
    bench = FakeBench(times(ts, cases, [0.1, 0.102, 0.3, 0.8, 0.95, 1.2]))
    ts.sweep(cases, bench, ts.Outs(str(tmp_path)), float("inf"),
             say=lambda s: None)
    assert cases[2]["name"] not in bench.measured
    row = next(r for r in rows_of(str(tmp_path)) if r["name"] == cases[2]["name"])
    assert row["error"].startswith("not compiled: ptxas")


def write_rows(folder, rows):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "rows.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        f.write('{"name": "half a li')  # a run killed mid-line


def test_the_docs_table_from_two_packs(ts, tmp_path):
    # Pack A (wgmma + the pick): d192/128 N=1k, the pick 2% behind; d64
    # N=4k causal, the pick the best. Pack B (mma-sync + the pick): an
    # mma-sync tiling 10% ahead of the pick at d192/128: the shape misses.
    a = [case(ts, 192, 1024, False, "wgmma", (128, 128, 2, 8), 0.2, True, 128),
         case(ts, 192, 1024, False, "wgmma", (64, 128, 2, 4), 0.2, dv=128),
         case(ts, 64, 4096, True, "wgmma", (192, 128, 2, 12), 0.5, True),
         case(ts, 64, 4096, True, "wgmma", (128, 96, 2, 8), 0.5)]
    b = [a[0], case(ts, 192, 1024, False, "mma-sync", (128, 64, 2, 8), 0.3,
                    dv=128)]
    write_rows(str(tmp_path / "A"), [
        dict(ts.base_row(a[0]), ms=0.204, error=None),
        dict(ts.base_row(a[1]), ms=0.200, error=None),
        dict(ts.base_row(a[2]), ms=0.500, error=None),
        dict(ts.base_row(a[3]), ms=0.520, error=None),
        {"phase": "confirm", "shape": a[2]["shape"],
         "ms": {a[2]["name"]: 0.49, a[3]["name"]: 0.53}}])
    write_rows(str(tmp_path / "B"), [
        dict(ts.base_row(b[0]), ms=0.22, error=None),
        dict(ts.base_row(b[1]), ms=0.20, error=None)])
    out = tmp_path / "table.md"
    with open(out, "w") as f:
        merged = ts.report_tables([str(tmp_path / "A"),
                                   str(tmp_path / "B" / "rows.jsonl")], f)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("| D | N | causal | best tiling (TFLOP/s)")
    # Sorted by D: d64 first. FLOPs: 2 B H (D + Dv) N^2 / 2 =
    # 2 * 4 * 32 * 128 * 4096^2 / 2 = 2.749e11; / 0.49 ms = 561 TFLOP/s.
    assert lines[2] == ("| 64 | 4k | yes | wgmma 192x128 s2 w12 (561) | "
                        "wgmma 192x128 s2 w12 (561) | 1.000 | within 5% | 2 |")
    # d192: pack B's ratio (0.22 / 0.20 = 1.1) outweighs pack A's (1.02);
    # the pick, in both packs, counts once.
    # 2 * 16 * 10 * 320 * 1024^2 = 1.074e11 FLOP; / 0.2 ms = 537.
    assert lines[3] == ("| 192 (Dv 128) | 1k | no | mma-sync 128x64 s2 w8 (537) | "
                        "wgmma 128x128 s2 w8 (488) | 1.100 | MISS | 3 |")
    assert lines[5] == ("1 of 2 shapes: the model's pick within 5% of the "
                        "best measured tiling.")
    assert [v["verdict"] for v in merged] == ["within 5%", "MISS"]


def test_report_says_what_is_missing(ts, tmp_path, capsys):
    assert ts.main(["report", str(tmp_path / "nothing")]) == 1
    assert "no rows.jsonl" in capsys.readouterr().err
    # A pack that did not run is named; the others make the table.
    c = case(ts, 64, 1024, False, "wgmma", (64, 64, 2, 4), 0.1, True)
    write_rows(str(tmp_path / "A"), [dict(ts.base_row(c), ms=0.1, error=None)])
    assert ts.main(["report", str(tmp_path / "A"), str(tmp_path / "B")]) == 0
    out = capsys.readouterr()
    assert "no rows.jsonl in " + str(tmp_path / "B") in out.err
    assert "| 64 | 1k | no | wgmma 64x64 s2 w4" in out.out


def test_report_reads_kept_rows_compressed(ts, tmp_path, capsys):
    # docs/results keeps a pack's rows as rows.jsonl.gz: the folder or the
    # file itself makes the same table as the plain rows.
    import gzip
    c = case(ts, 64, 1024, False, "wgmma", (64, 64, 2, 4), 0.1, True)
    d = case(ts, 64, 1024, False, "wgmma", (128, 96, 2, 8), 0.1)
    write_rows(str(tmp_path / "plain"), [
        dict(ts.base_row(c), ms=0.11, error=None),
        dict(ts.base_row(d), ms=0.10, error=None)])
    text = (tmp_path / "plain" / "rows.jsonl").read_text()
    (tmp_path / "kept").mkdir()
    with gzip.open(tmp_path / "kept" / "rows.jsonl.gz", "wt") as f:
        f.write(text)
    tables = []
    for where in (tmp_path / "plain", tmp_path / "kept",
                  tmp_path / "kept" / "rows.jsonl.gz"):
        assert ts.main(["report", str(where)]) == 0
        tables.append(capsys.readouterr().out)
    assert tables[0] == tables[1] == tables[2]
    assert "| 1.100 | MISS | 2 |" in tables[0]


def test_every_pack_holds_the_pick(ts, monkeypatch):
    # Pack B (mma-sync) gets the wgmma pick itself; pack A its block shape
    # at every stage count the pass keeps.
    monkeypatch.setattr(ts, "HEAD_DIMS", ((128, 128),))
    monkeypatch.setattr(ts, "SEQ_LENS", (4096,))
    sched = "#fa.schedule<kernel = wgmma, loads = tma>"
    monkeypatch.setattr(ts, "model_pick",
                        lambda build, c: ("wgmma", (128, 160, 2, 8), sched))
    asked = []

    def accepted(build, c, kind, tilings):
        asked.append((kind, list(tilings)))
        return {t: (1e-3, 200, sched if kind == "wgmma" else "")
                for t in tilings if t[0] <= 128}
    monkeypatch.setattr(ts, "accepted", accepted)

    def plan(kinds):
        asked.clear()
        return ts.plan(type("A", (), dict(build="b", d=[], n=[], kinds=kinds,
                                          stages=[2], block_kv=[64, 160]))())
    b = plan(["mma-sync"])
    assert asked[-1] == ("wgmma", [(128, 160, 2, 8)])
    picks = [c for c in b if c["model_pick"]]
    assert [(c["kind"], c["tiling"]) for c in picks] == \
        [("wgmma", [128, 160, 2, 8])] * 2  # causal and not
    assert {c["kind"] for c in b if not c["model_pick"]} == {"mma-sync"}
    a = plan(["wgmma"])
    assert {c["kind"] for c in a} == {"wgmma"}
    assert sum(c["model_pick"] for c in a) == 2
    assert (128, 160, 4, 8) in [tuple(c["tiling"]) for c in a]


def test_a_pick_whose_forced_schedule_differs_stops_the_stage(ts, monkeypatch):
    monkeypatch.setattr(ts, "HEAD_DIMS", ((128, 128),))
    monkeypatch.setattr(ts, "SEQ_LENS", (4096,))
    monkeypatch.setattr(ts, "model_pick", lambda build, c: (
        "wgmma", (128, 160, 2, 8), "#fa.schedule<kernel = wgmma, a>"))
    monkeypatch.setattr(ts, "accepted", lambda build, c, kind, tilings: {
        t: (1e-3, 200, "#fa.schedule<kernel = wgmma, b>") for t in tilings})
    with pytest.raises(SystemExit, match="kernel=auto"):
        ts.plan(type("A", (), dict(build="b", d=[], n=[], kinds=["wgmma"],
                                   stages=[2], block_kv=[160]))())


# --- sweep_run.sh ----------------------------------------------------------

STAND_IN = textwrap.dedent('''\
    """tiling_sweep.py's stand-in: `run` notes its arguments, starts a
    kernel and dies on the first two calls (as a hang or crash would),
    finishes on the third; `report` prints a table line."""
    import os, sys
    args = sys.argv[1:]
    if args[0] == "report":
        print("| the table |")
        sys.exit(0)
    state = args[args.index("--out") + 1]
    out = args[args.index("--mirror") + 1]
    with open(os.path.join(state, "progress.txt"), "a") as f:
        f.write("kernel k\\n")
    with open(os.path.join(state, "rows.jsonl"), "a") as f:
        f.write("{}\\n")
    calls = sum(1 for _ in open(os.path.join(state, "progress.txt")))
    with open(os.path.join(out, "calls.txt"), "a") as f:
        f.write(" ".join(args) + "\\n")
    print("stand-in call", calls, "cwd", os.getcwd())
    sys.exit(0 if calls >= 3 else 1)
    ''')


def staged(tmp_path, name):
    dest = tmp_path / name
    (dest / "bench" / "experiments").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "bench", "experiments", "sweep_run.sh"), dest)
    (dest / "bench" / "experiments" / "tiling_sweep.py").write_text(STAND_IN)
    (dest / "libfa_runtime.so").write_text("")  # no g++ build here
    (dest / "artifacts").mkdir()
    return dest


def test_sweep_run_restarts_and_writes_under_out(tmp_path):
    dest = staged(tmp_path, ".stage-sweepA")
    out = tmp_path / "out"
    env = dict(os.environ, OUT=str(out), SWEEP_BUDGET_S="300",
               PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"])
    # From another directory: the script finds its folder itself.
    p = subprocess.run(["bash", str(dest / "sweep_run.sh"), "--reps", "5"],
                       cwd=str(tmp_path), env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    pack = out / "stage-sweepA"  # no leading dot
    calls = (pack / "calls.txt").read_text().splitlines()
    assert len(calls) == 3
    assert all(c.endswith("--reps 5") and
               "--out state --mirror " + str(pack) in c for c in calls)
    log = (pack / "run.log").read_text()
    assert "resuming without it" in log
    assert "stand-in call 3 cwd " + str(dest) in log
    assert "| the table |" in log
    assert (dest / "state" / "table.md").read_text() == "| the table |\n"
    assert (dest / "state" / "progress.txt").exists()
    # A rerun on the same machine (a fresh $OUT) gets the rows back there.
    (dest / "state" / "rows.jsonl").write_text("{}\n")
    out2 = tmp_path / "out2"
    subprocess.run(["bash", str(dest / "sweep_run.sh")], cwd=str(tmp_path),
                   env=dict(env, OUT=str(out2)), capture_output=True,
                   timeout=60)
    assert (out2 / "stage-sweepA" / "rows.jsonl").read_text().startswith("{}")


def test_sweep_run_stops_when_no_kernel_started(tmp_path):
    dest = staged(tmp_path, ".stage-sweepB")
    (dest / "bench" / "experiments" / "tiling_sweep.py").write_text(
        "import sys\nsys.exit(0 if sys.argv[1] == 'report' else 1)\n")
    env = dict(os.environ, OUT=str(tmp_path / "out"),
               PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"])
    p = subprocess.run(["bash", str(dest / "sweep_run.sh")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "before any kernel: not retrying" in p.stdout


# --- GpuBench over CPU tensors ---------------------------------------------

class FakeCuda:
    """torch.cuda's calls GpuBench makes; `broken` makes every one fail (a
    lost context)."""

    def __init__(self):
        self.broken, self.clock, self.spins = False, 0.0, []
        fake = self

        class Event:
            def __init__(self, enable_timing):
                self.t = None

            def record(self):
                self.t = fake.clock

            def synchronize(self):
                fake.check()

            def elapsed_time(self, other):
                return other.t - self.t
        self.Event = Event

    def check(self):
        if self.broken:
            raise RuntimeError("CUDA error: an illegal memory access")

    def synchronize(self):
        self.check()

    def _sleep(self, cycles):
        self.spins.append(cycles)


class FakeRt:
    """Runtime's load/launch/unload: a launch writes `result(o)` into the
    output and takes `ms` of the fake clock; a manifest named in `refuse`
    does not load, one in `crash` breaks the context."""

    def __init__(self, cuda, out, ref, ms, wrong=(), refuse=(), crash=()):
        self.cuda, self.out, self.ref, self.ms = cuda, out, ref, ms
        self.wrong, self.refuse, self.crash = wrong, refuse, crash
        self.loaded, self.unloaded, self.launches = {}, [], []

    def load(self, manifest, prefer_cubin):
        name = os.path.basename(manifest)[:-len(".json")]
        if name in self.refuse:
            raise RuntimeError(f"faRtLoad({manifest}): no such file")
        h = len(self.loaded) + 1
        self.loaded[h] = name
        return h

    def launch(self, h, buffers, stream):
        name = self.loaded[h]
        self.launches.append(name)
        if name in self.crash:
            self.cuda.broken = True
            return
        self.out.copy_(self.ref + (1.0 if name in self.wrong else 0.0))
        self.cuda.clock += self.ms[name]

    def unload(self, h):
        self.unloaded.append(h)


def gpu_bench(ts, cases, ms, **kw):
    torch = pytest.importorskip("torch")
    cuda = FakeCuda()
    shim = type("Torch", (), {"cuda": cuda, "ones": staticmethod(
        lambda *s, device: torch.ones(*s))})
    b = ts.GpuBench.__new__(ts.GpuBench)
    b.torch, b.art, b.reps, b.stream, b.buffers = shim, "art", 3, 0, []
    b.ref = torch.linspace(-2, 2, 64).reshape(4, 16)
    b.o = torch.empty(4, 16, dtype=torch.bfloat16)
    b.tol = 0.01 + 0.03 * 2
    b.rt = FakeRt(cuda, b.o, b.ref.to(torch.bfloat16), ms, **kw)
    b.watched, b.prepared, b.c0, b.stale = [], [], cases[0], False
    b.watchdog = b.watched.append  # no faulthandler timer in the tests
    b.prepare = b.prepared.append
    return b


def test_gpu_bench_measures_checks_and_confirms(ts):
    cases = two_shapes(ts)[:3]
    ms = times(ts, cases, [0.1, 0.102, 0.3])
    b = gpu_bench(ts, cases, ms, wrong=[cases[2]["name"]])
    r = b.measure(cases[0])
    assert r["ms"] == pytest.approx(0.1) and r["error"] is None
    # A warm-up and 3 timed launches, one load, unloaded.
    assert b.rt.launches == [cases[0]["name"]] * 4 and b.rt.unloaded == [1]
    # Each timed launch queued behind a spin, the warm-up not.
    assert b.torch.cuda.spins == [ts.SPIN_CYCLES] * 3
    # The watchdog: 10 s and twenty times the predicted launches.
    assert b.watched == [pytest.approx(10 + 20 * 0.10e-3 * 4)]
    r = b.measure(cases[2])
    assert r["ms"] == pytest.approx(0.3)
    assert r["error"].startswith("wrong (max err 1")
    # It may have written past its output: fresh inputs for the next.
    assert b.prepared == []
    assert b.measure(cases[1])["error"] is None
    assert b.prepared == [cases[0]]
    c = b.confirm(cases[:2], 4)
    assert c == {"ms": {cases[0]["name"]: pytest.approx(0.1),
                        cases[1]["name"]: pytest.approx(0.102)}, "reps": 4}
    # In turns: one launch of each per round.
    assert b.rt.launches[-8:] == [cases[0]["name"], cases[1]["name"]] * 4
    assert len(b.rt.unloaded) == 5


def test_gpu_bench_tells_a_refused_load_from_a_lost_context(ts):
    cases = two_shapes(ts)[:3]
    ms = times(ts, cases, [0.1, 0.102, 0.3])
    b = gpu_bench(ts, cases, ms, refuse=[cases[0]["name"]],
                  crash=[cases[1]["name"]])
    r = b.measure(cases[0])
    assert r["ms"] is None and "no such file" in r["error"]
    assert r["context_lost"] is False and b.rt.unloaded == []
    r = b.measure(cases[1])
    assert r["ms"] is None and "illegal memory access" in r["error"]
    assert r["context_lost"] is True
    c = b.confirm(cases[1:], 2)
    assert c["context_lost"] is True and "illegal" in c["error"]


def test_report_can_judge_the_outputs_again(ts, tmp_path, capsys):
    # The run's tolerance judged the faster tiling wrong at 0.04; the
    # report at 0.05 takes it, at 0.03 not.
    cs = [case(ts, 64, 1024, True, "wgmma", (128, 96, 2, 8), 0.1, True),
          case(ts, 64, 1024, True, "wgmma", (64, 64, 2, 4), 0.1)]
    write_rows(str(tmp_path / "A"), [
        dict(ts.base_row(cs[0]), ms=0.12, max_err=0.01, error=None),
        dict(ts.base_row(cs[1]), ms=0.10, max_err=0.04,
             error="wrong (max err 0.04, tolerance 0.035)")])
    ts.main(["report", str(tmp_path / "A")])
    assert "| 1.000 | within 5% | 1 |" in capsys.readouterr().out
    ts.main(["report", str(tmp_path / "A"), "--tolerance", "0.05"])
    assert "| 1.200 | MISS | 2 |" in capsys.readouterr().out
    ts.main(["report", str(tmp_path / "A"), "--tolerance", "0.03"])
    assert "| 1.000 | within 5% | 1 |" in capsys.readouterr().out


def test_sweep_run_does_not_start_past_the_deadline(tmp_path):
    dest = staged(tmp_path, ".stage-sweepB")
    env = dict(os.environ, OUT=str(tmp_path / "out"), SWEEP_DEADLINE="1000")
    p = subprocess.run(["bash", str(dest / "sweep_run.sh")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "not starting" in p.stdout
    assert not (dest / "state" / "progress.txt").exists()
