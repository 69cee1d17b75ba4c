// RUN: timeout 120 fa-opt %s --fa-to-ptx-pipeline="target=h100" | FileCheck %s
// RUN: timeout 120 fa-opt %s --fa-to-ptx-pipeline="target=h100 naive=true" \
// RUN:   | FileCheck %s

// The whole pipeline, PTX included, at the longest legal query sequence:
// its time does not grow with Nq (docs/Reliability.md, "Time bounds").

// CHECK-LABEL: func.func @longest_query
// CHECK: gpu.launch_func
// CHECK: gpu.binary
func.func @longest_query(%q: tensor<1x1x2147483647x64xbf16>, %k: tensor<1x1x1024x64xbf16>,
    %v: tensor<1x1x1024x64xbf16>, %o: tensor<1x1x2147483647x64xbf16>) -> tensor<1x1x2147483647x64xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<1x1x2147483647x64xbf16>, tensor<1x1x1024x64xbf16>,
      tensor<1x1x1024x64xbf16>) outs(%o : tensor<1x1x2147483647x64xbf16>) {causal}
      -> tensor<1x1x2147483647x64xbf16>
  return %r : tensor<1x1x2147483647x64xbf16>
}
