"""Usage: identity.py OLD_FA_COMPILE NEW_FA_COMPILE OUT STEP [OFFSET]
(from the repository root). Compile a sample of backward_simt.py's wgmma
cases (the `_dqr` variants left out) with two fa-compile binaries
(--ptxas=none) and compare PTX and manifests: the default dq_reduce = warp
kernels must be byte-identical to main's."""
import os, subprocess, sys, filecmp
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, "bench/correctness")
import backward_simt as bs
old, new, out, step = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
offset = int(sys.argv[5]) if len(sys.argv) > 5 else 0
cases = [c for c in bs.matrix("wgmma")
         if "_dqr" not in c["name"] and not c.get("variant")]
picked = cases[offset::step]
for tag in ("old", "new"):
    os.makedirs(os.path.join(out, tag), exist_ok=True)


def run(c):
    res = []
    mlir = os.path.join(out, c["name"] + ".mlir")
    open(mlir, "w").write(bs.emit(c))
    for tag, fc in (("old", old), ("new", new)):
        r = subprocess.run([fc, mlir, "-o", os.path.join(out, tag, c["name"]),
                            "--pipeline-options=target=h200 kernel=wgmma",
                            "--ptxas=none"], capture_output=True, text=True)
        res.append(r.returncode)
    same = all(filecmp.cmp(os.path.join(out, "old", c["name"] + ext),
                           os.path.join(out, "new", c["name"] + ext),
                           shallow=False)
               for ext in (".ptx", ".json")
               if os.path.exists(os.path.join(out, "old", c["name"] + ext))) \
        if res == [0, 0] else res[0] == res[1]
    return c["name"], res, same


with ThreadPoolExecutor(2) as ex:
    rows = list(ex.map(run, picked))
ok = sum(1 for _, _, s in rows if s)
for n, r, s in rows:
    print(("same " if s else "DIFF ") + n + ("" if r == [0, 0] else f" rc={r}"))
print(f"{ok} of {len(rows)} identical (of {len(cases)} wgmma cases, "
      f"every {step}th from {offset})")
