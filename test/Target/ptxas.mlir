// REQUIRES: ptxas
// ptxas assembles the PTX for sm_90a and sm_80 with no spills and no stack.
// RUN: rm -rf %t && fa-compile %s -o %t/h100 --pipeline-options="target=h100 naive"
// RUN: FileCheck %s --check-prefix=SM90 < %t/h100.ptxas.log
// RUN: fa-compile %s -o %t/a100 --pipeline-options="target=a100 naive" --ptxas=none
// RUN: %ptxas -v -arch=sm_80 %t/a100.ptx -o %t/a100.cubin 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: %python -c "import json, sys; m = json.load(open(sys.argv[1])); print(m['files']['cubin'], sorted({k['resources']['spill_store_bytes'] + k['resources']['spill_load_bytes'] + k['resources']['stack_frame_bytes'] for k in m['kernels']}))" %t/h100.json | FileCheck %s --check-prefix=JSON

// SM90: Compiling entry function 'attention_kernel' for 'sm_90a'
// SM90-NOT: {{[1-9][0-9]*}} bytes spill
// SM90-NOT: {{[1-9][0-9]*}} bytes stack frame
// SM90: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SM80: Compiling entry function 'attention_kernel' for 'sm_80'
// SM80-NOT: {{[1-9][0-9]*}} bytes spill
// SM80-NOT: {{[1-9][0-9]*}} bytes stack frame
// SM80: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// JSON: h100.cubin [0]
func.func @attention(%q: tensor<1x2x130x128xbf16>, %k: tensor<1x2x130x128xbf16>,
                     %v: tensor<1x2x130x128xbf16>, %o: tensor<1x2x130x128xbf16>)
    -> tensor<1x2x130x128xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x2x130x128xbf16>,
                        tensor<1x2x130x128xbf16>, tensor<1x2x130x128xbf16>)
       outs(%o : tensor<1x2x130x128xbf16>) -> tensor<1x2x130x128xbf16>
  return %r : tensor<1x2x130x128xbf16>
}
