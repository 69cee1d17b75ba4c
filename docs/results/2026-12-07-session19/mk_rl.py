#!/usr/bin/env python3
"""Stage the rows-by-register experiment: today's wgmma backward (DQF picks,
dq_convert=kernel) correctness + perf cases, tag rl, and for each a _rlv
variant whose main kernel's PTX is patched by rowsld.py. Usage: mk_rl.py DEST
(with a build before D125: since D125 the kernels have no cp.async rows to
patch, and the variants are left out)."""
import json, os, shutil, subprocess, sys
sys.path.insert(0, "/work/main/bench/correctness")
import backward_simt as bs
orig = bs.wgmma_dq_fused_cases
def rl_cases():
    out = []
    for c in orig():
        if c["dq_convert"] != "kernel" and c.get("perf"):
            continue
        c = dict(c)
        c["dq_convert"] = "kernel"
        c["name"] = c["name"].replace("_df_dqf", "_rl").replace("_dqf", "_rl")
        if c.get("ab"):
            c["ab"] = c["ab"].replace("dqf_", "rl_")
        out.append(c)
    return out
def main():
    DEST = os.path.abspath(sys.argv[1])
    os.chdir("/work/main")
    bs.wgmma_dq_fused_cases = rl_cases
    rc = bs.main(["stage", DEST, "--kernel", "wgmma", "--target", "h200", "--only", "_rl"])
    art = os.path.join(DEST, "artifacts")
    spec = json.load(open(os.path.join(art, "cases.json")))
    new = []
    for c in spec["cases"]:
        new.append(c)
        n = c["name"]; v = n + "v"
        if not os.path.exists(os.path.join(art, n + ".ptx")):
            print("no ptx for", n); continue
        p = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "rowsld.py"), os.path.join(art, n + ".ptx"), os.path.join(art, v + ".ptx")], capture_output=True, text=True)
        if p.returncode:
            print("not patched:", n, p.stdout[-200:], p.stderr[-200:]); continue
        log = subprocess.run(["/usr/local/cuda/bin/ptxas", "-arch=sm_90a", "-v", os.path.join(art, v + ".ptx"), "-o", os.path.join(art, v + ".cubin")], capture_output=True, text=True)
        open(os.path.join(art, v + ".ptxas.log"), "w").write(log.stderr)
        if log.returncode:
            print(log.stderr); sys.exit(1)
        m = json.load(open(os.path.join(art, n + ".json")))
        m["files"] = {k: v + "." + k for k in m["files"]}
        json.dump(m, open(os.path.join(art, v + ".json"), "w"), indent=1)
        for ext in ("mlir",):
            if os.path.exists(os.path.join(art, n + "." + ext)):
                shutil.copy(os.path.join(art, n + "." + ext), os.path.join(art, v + "." + ext))
        cv = dict(c); cv["name"] = v
        new.append(cv)
    spec["cases"] = new
    json.dump(spec, open(os.path.join(art, "cases.json"), "w"), indent=1)
    print(len(new), "cases")


if __name__ == "__main__":
    main()
