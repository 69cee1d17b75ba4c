#!/usr/bin/env python3
"""Replace .stage-rl's hand-patched _rlv variants by the new build's kernels
(the implementation of D125) of the same cases. Usage: mk_rln.py"""
import json, os, shutil, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mk_rl
bs = mk_rl.bs
os.chdir("/work/main")
bs.wgmma_dq_fused_cases = mk_rl.rl_cases
NEW = "/work/main/.stage-rln"
bs.main(["stage", NEW, "--kernel", "wgmma", "--target", "h200", "--only", "_rl"])
art, nart = ".stage-rl/artifacts", NEW + "/artifacts"
spec = json.load(open(os.path.join(art, "cases.json")))
base = [c for c in spec["cases"] if not c["name"].endswith("v")]
for f in os.listdir(art):
    if "_rlv." in f: os.remove(os.path.join(art, f))
new = []
for c in base:
    new.append(c)
    n = c["name"]; v = n + "v"
    for ext in ("ptx", "cubin", "mlir", "ptxas.log"):
        if os.path.exists(os.path.join(nart, n + "." + ext)):
            shutil.copy(os.path.join(nart, n + "." + ext), os.path.join(art, v + "." + ext))
    m = json.load(open(os.path.join(nart, n + ".json")))
    m["files"] = {k: v + "." + k for k in m["files"]}
    json.dump(m, open(os.path.join(art, v + ".json"), "w"), indent=1)
    cv = dict(c); cv["name"] = v; new.append(cv)
spec["cases"] = new
json.dump(spec, open(os.path.join(art, "cases.json"), "w"), indent=1)
print(len(new), "cases")
