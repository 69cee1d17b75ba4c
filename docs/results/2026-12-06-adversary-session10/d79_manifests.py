#!/usr/bin/env python3
"""Session 10: the wgmma backward's manifests against D79's dQ tensor map.

Compiles fa.attention_grad with kernel=wgmma for each head dim (64, 128,
192/128 with boxes; 80, 96, 112 with bulk rows; 256 with atomics) and
shapes with GQA, Nq != Nk, Nq = 1 and partial blocks, with fa-compile
--ptxas=none in the current folder, and checks that every f32 tensor map
is the accumulator's: shape [B, Hq, Nq, D] (the scratch buffer's), box
[1, 1, 16, 32], 128-byte swizzle. Prints the PTX's count of tensor
reductions, bulk reductions and f32 atomics per case.

  python3 d79_manifests.py [FA_COMPILE]   (default build/bin/fa-compile)
"""
import json
import re
import subprocess
import sys

FA_COMPILE = sys.argv[1] if len(sys.argv) > 1 else "build/bin/fa-compile"
def mod(b,hq,hkv,nq,nk,d,dv,causal,extra=""):
    def t(bb,h,n,x): return f"tensor<{bb}x{h}x{n}x{x}xbf16>"
    q=t(b,hq,nq,d); k=t(b,hkv,nk,d); v=t(b,hkv,nk,dv); o=t(b,hq,nq,dv); l=f"tensor<{b}x{hq}x{nq}xf32>"
    attrs = "{causal}" if causal else ""
    return f"""func.func @g(%q: {q}, %k: {k}, %v: {v}, %o: {o}, %do: {o}, %lse: {l}, %dq: {q}, %dk: {k}, %dv: {v}) -> ({q}, {k}, {v}) {{
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : {q}, {k}, {v}, {o}, {o}, {l}) outs(%dq, %dk, %dv : {q}, {k}, {v}) {attrs} -> {q}, {k}, {v}
  return %r#0, %r#1, %r#2 : {q}, {k}, {v}
}}
"""
cases=[]
for (d,dv) in [(64,64),(128,128),(192,128),(80,80),(96,96),(256,256),(112,112)]:
  for (b,hq,hkv,nq,nk,causal) in [(1,4,2,100,100,True),(2,8,1,1000,777,False),(1,2,2,1,1000,False),(1,2,2,777,100,True),(3,3,1,65,4097,False)]:
    cases.append((b,hq,hkv,nq,nk,d,dv,causal))
bad=0
for c in cases:
  name="c_"+"_".join(map(str,c))
  open(name+".mlir","w").write(mod(*c))
  r=subprocess.run([FA_COMPILE,name+".mlir","-o",name,"--pipeline-options=target=h100 kernel=wgmma","--ptxas=none"],capture_output=True,text=True)
  b,hq,hkv,nq,nk,d,dv,causal=c
  if r.returncode!=0:
    print("ERR",c,r.stderr.strip().splitlines()[0][:200]); continue
  m=json.load(open(name+".json")); ptx=open(name+".ptx").read()
  scratch={s["name"]:s for s in m["scratch"]}
  maps=[(k["name"],p) for k in m["kernels"] for p in k["params"] if p["type"]=="tensormap"]
  dqmaps=[(kn,p) for kn,p in maps if p["dtype"]=="f32"]
  nred=len(re.findall(r"cp\.reduce\.async\.bulk\.tensor",ptx))
  nbulk=len(re.findall(r"cp\.reduce\.async\.bulk\.global",ptx))
  natom=len(re.findall(r"red\.global\.add\.f32|atom\.global\.add\.f32|red\.global\.v2\.f32\.add|red\.global\.add\.noftz",ptx))
  info=f"{c} maps={len(maps)} dq={[ (p['shape'],p['box']) for _,p in dqmaps]} tensorred={nred} bulkred={nbulk} atom={natom}"
  # expectations
  ok=True
  for kn,p in dqmaps:
    buf=scratch.get(p["buffer"])
    if buf is None or buf["shape"]!=p["shape"] or p["shape"]!=[b,hq,nq,d] or p["box"]!=[1,1,16,32] or p["swizzle"]!="swizzle_128b": ok=False
  print(("OK " if ok else "BAD ")+info)
