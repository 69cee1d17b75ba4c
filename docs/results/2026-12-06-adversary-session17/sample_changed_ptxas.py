#!/usr/bin/env python3
"""D118: main's and this branch's PTX and ptxas registers/spills for N random kernels of
ptx-identity.log's changed list (run from the checkout; main's fa-compile at
/work/main/build/bin). Writes TSV rows: set, case, main, mine, the PTX diff."""
import sys, os, re, subprocess, random
sys.path.insert(0, 'bench/correctness'); sys.path.insert(0, 'scripts')
import gpu_cases
import importlib.util
spec = importlib.util.spec_from_file_location('pi', 'scripts/ptx-identity.py'); pi = importlib.util.module_from_spec(spec); spec.loader.exec_module(pi)
changed = [l.split()[:2] for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ptx-identity.log')) if l.startswith('  ')]
random.seed(17)
pick = random.sample(changed, int(sys.argv[1]))
arch = {'h100': 'sm_90a', 'a100': 'sm_80', 'h200': 'sm_90a'}
for s, c in pick:
    c = c.rstrip(':')
    matrix, target, options = pi.SETS[s]
    case = {x['name']: x for x in gpu_cases.MATRICES[matrix]()}[c]
    src = f'/tmp/r17/smp.mlir'; open(src, 'w').write(gpu_cases.emit(case))
    opts = " ".join(x for x in (f"target={target}", options, case.get("options", "")) if x)
    row = [s, c]
    for tag, fc in (('main', '/work/main/build/bin/fa-compile'), ('mine', 'build/bin/fa-compile')):
        pre = f'/tmp/r17/smp-{tag}'
        subprocess.run([fc, src, '-o', pre, '--ptxas=none', f'--pipeline-options={opts}'], check=True, capture_output=True)
        log = subprocess.run(['/usr/local/cuda/bin/ptxas', '-v', '-O3', '-arch', arch[target], pre + '.ptx', '-o', pre + '.cubin'], capture_output=True, text=True).stderr
        regs = re.findall(r'Used (\d+) registers', log); spill = re.findall(r'(\d+) bytes spill stores', log)
        row.append(f"{tag} {'/'.join(regs)} regs, {'/'.join(spill)} B spill")
    d = subprocess.run(['diff', '/tmp/r17/smp-main.ptx', '/tmp/r17/smp-mine.ptx'], capture_output=True, text=True).stdout
    row.append('diff: ' + ' | '.join(l for l in d.splitlines() if l.startswith(('<', '>'))))
    print('\t'.join(row), flush=True)
