// RUN: fa-opt %s -split-input-file --fa-decompose-attention | FileCheck %s
// Structure of the reference lowering; its numbers are checked by
// test/Integration/CPU/decompose-attention-run.mlir.

// CHECK-DAG: #[[QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-DAG: #[[VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d4, d3)>
// CHECK-LABEL: func.func @gqa_causal
// CHECK-SAME: (%[[Q:.+]]: tensor<2x8x64x32xbf16>, %[[K:.+]]: tensor<2x2x48x32xbf16>, %[[V:.+]]: tensor<2x2x48x16xbf16>, %[[O:.+]]: tensor<2x8x64x16xbf16>)
// CHECK-NOT: fa.attention
// CHECK: %[[S:.+]] = linalg.generic {indexing_maps = [#[[QMAP]], #[[KMAP]], {{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[Q]], %[[K]] : {{.+}}) outs(%{{.+}} : tensor<2x8x64x48xf32>)
// CHECK: linalg.generic {{.+}} ins(%[[S]] : tensor<2x8x64x48xf32>)
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.cmpi sle
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[QMAP]], #[[VMAP]], {{.+}}]{{.+}} ins(%{{.+}}, %[[V]] : tensor<2x8x64x48xf32>, tensor<2x2x48x16xbf16>)
// CHECK: %[[R:.+]] = linalg.generic {{.+}} outs(%[[O]] : tensor<2x8x64x16xbf16>)
// CHECK: arith.truncf {{.+}} : f32 to bf16
// CHECK: return %[[R]]
func.func @gqa_causal(%q: tensor<2x8x64x32xbf16>, %k: tensor<2x2x48x32xbf16>,
                      %v: tensor<2x2x48x16xbf16>, %o: tensor<2x8x64x16xbf16>)
    -> tensor<2x8x64x16xbf16> {
  %r = fa.attention ins(%q, %k, %v : tensor<2x8x64x32xbf16>, tensor<2x2x48x32xbf16>, tensor<2x2x48x16xbf16>)
       outs(%o : tensor<2x8x64x16xbf16>) {causal} -> tensor<2x8x64x16xbf16>
  return %r : tensor<2x8x64x16xbf16>
}

// -----

// CHECK-LABEL: func.func @keep_mask_lse_dynamic
// CHECK-SAME: %[[M:[a-z0-9]+]]: tensor<1x1x?x?xi1>
// CHECK: linalg.generic {indexing_maps = [{{.+}}, #{{.+}}, {{.+}}]{{.+}} ins(%{{.+}}, %[[M]] : tensor<?x2x?x?xf32>, tensor<1x1x?x?xi1>)
// CHECK: arith.select
// CHECK: %[[LSE:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<?x2x?xf32>, tensor<?x2x?xf32>)
// CHECK: math.log
// CHECK: return %{{.+}}, %[[LSE]]
func.func @keep_mask_lse_dynamic(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x16xf32>, %m: tensor<1x1x?x?xi1>, %o: tensor<?x2x?x16xf32>,
    %l: tensor<?x2x?xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>) {
  %r:2 = fa.attention ins(%q, %k, %v : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
         mask(%m : tensor<1x1x?x?xi1>) outs(%o, %l : tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
         -> tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
  return %r#0, %r#1 : tensor<?x2x?x16xf32>, tensor<?x2x?xf32>
}
