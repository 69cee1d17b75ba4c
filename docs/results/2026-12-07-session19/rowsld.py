#!/usr/bin/env python3
"""Experiment (session 19): the wgmma backward's ring loads the next step's
logsumexp/D rows by 4-byte cp.async and waits `cp.async.wait_group 0` at the
step's top. Hypothesis: in SASS that wait is DEPBAR.LE SB0, 0, which also
waits for the bulk dQ reductions just issued. Variant: load the rows into a
register by ld.global a step ahead and st.shared them at the next top
(no cp.async wait in the loop). Usage: rowsld.py IN.ptx OUT.ptx"""
import re, sys
lines = open(sys.argv[1]).read().split("\n")
start = next(i for i, l in enumerate(lines) if "entry attention_grad_kernel_0(" in l)
nxt = [i for i in range(start + 1, len(lines)) if ".entry " in lines[i]]
end = nxt[0] if nxt else len(lines)
body = lines[start:end]
tops = [i for i in range(len(body) - 2)
        if re.match(r"\$L__BB\d+_\d+:", body[i]) and "cp.async.wait_group" in body[i + 1]
        and "bar.sync" in body[i + 2]]
if len(tops) != 1:
    raise SystemExit(f"loop tops: {tops}")
t = tops[0] + 1
PAT = r"cp\.async\.ca\.shared\.global \[(%rd\d+)(?:\+(\d+))?\], \[(%rd\d+)\], 4, (%r\d+|4);"
rows = [i for i in range(t, len(body)) if re.search(PAT, body[i])]
if len(rows) != 1:
    raise SystemExit(f"loop rows: {rows}")
ri = rows[0]
dst, off, srcp, size = re.search(PAT, body[ri]).groups()
pre = [i for i in range(t - 1) if re.search(r"cp\.async\.wait_group \t?0;", body[i])]
if not pre:
    raise SystemExit("no prologue wait")
pi = pre[-1]
body[ri] = (f"\tadd.s64 \t%rowa, {dst}, {off or 0};\n\tmov.b32 \t%rowv, 0;\n"
            + (f"\tsetp.ne.u32 \t%rowq, {size}, 0;\n\t@%rowq ld.global.b32 \t%rowv, [{srcp}];"
               if size != "4" else f"\tld.global.b32 \t%rowv, [{srcp}];")
            + "\n\tsetp.eq.u32 \t%rowp, 1, 1;")
body[pi] = body[pi] + "\n\tsetp.eq.u32 \t%rowp, 1, 0;"
body[t] = "\t@%rowp st.shared.b32 \t[%rowa], %rowv;"
di = max(i for i in range(len(body)) if re.search(r"\.reg \.b64 \t%rd<", body[i]))
body[di] += "\n\t.reg .b32 \t%rowv;\n\t.reg .b64 \t%rowa;\n\t.reg .pred \t%rowp;\n\t.reg .pred \t%rowq;"
lines[start:end] = body
open(sys.argv[2], "w").write("\n".join(lines))
print(f"patched: rows [{dst}+{off}] <- [{srcp}] size {size}; top at {t}, prologue wait at {pi}")
