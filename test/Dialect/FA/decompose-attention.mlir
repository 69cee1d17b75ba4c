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

// -----

// The backward: P from the logsumexp, D = rowsum(dO * O), dV and dK summed
// over each GQA group (the query-head operands viewed as [B, Hkv, G, N, .]),
// dP = dO V^T, dS = P (dP - D), dQ = scale dS K, dK = scale dS^T Q, and dBias
// = dS summed over the bias's broadcast head dimension.
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[GA:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5, d2)>
// CHECK-DAG: #[[GB:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5, d3)>
// CHECK-DAG: #[[GOUT:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-LABEL: func.func @grad_gqa_bias
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: {{.+}}, %[[K:[a-z0-9]+]]: {{.+}}, %[[V:[a-z0-9]+]]: {{.+}}, %[[O:[a-z0-9]+]]: {{.+}}, %[[DO:[a-z0-9]+]]: {{.+}}, %[[L:[a-z0-9]+]]: {{.+}}, %[[B:[a-z0-9]+]]: {{.+}}, %[[DQ:[a-z0-9]+]]: {{.+}}, %[[DK:[a-z0-9]+]]: {{.+}}, %[[DV:[a-z0-9]+]]: {{.+}}, %[[DB:[a-z0-9]+]]: {{.+}})
// CHECK-NOT: fa.attention_grad
// CHECK: %[[S:.+]] = linalg.generic {{.+}} ins(%[[Q]], %[[K]] :
// CHECK: %[[SM:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[BIAS]], #[[ID4]]]{{.+}} ins(%[[S]], %[[B]] :
// CHECK: arith.cmpi sle
// CHECK: %[[P:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROW]], #[[ID4]]]{{.+}} ins(%[[SM]], %[[L]] :
// CHECK: arith.cmpf oeq
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[D:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ID4]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[DO]], %[[O]] :
// CHECK: %[[PG:.+]] = tensor.expand_shape %[[P]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 16, 32]
// CHECK: %[[DOG:.+]] = tensor.expand_shape %[[DO]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 16, 8]
// CHECK: %[[DVACC:.+]] = linalg.generic {indexing_maps = [#[[GA]], #[[GB]], #[[GOUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PG]], %[[DOG]] :
// CHECK: %[[DP:.+]] = linalg.generic {{.+}} ins(%[[DO]], %[[V]] :
// CHECK: %[[DS:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROW]], #[[ID4]]]{{.+}} ins(%[[P]], %[[D]] : {{.+}}) outs(%[[DP]] :
// CHECK: %[[DQACC:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[KMAP]], #{{.+}}]{{.+}} ins(%[[DS]], %[[K]] :
// CHECK: %[[DSG:.+]] = tensor.expand_shape %[[DS]]
// CHECK: %[[QG:.+]] = tensor.expand_shape %[[Q]]
// CHECK: %[[DKACC:.+]] = linalg.generic {indexing_maps = [#[[GA]], #[[GB]], #[[GOUT]]]{{.+}} ins(%[[DSG]], %[[QG]] :
// CHECK: %[[RDQ:.+]] = linalg.generic {{.+}} ins(%[[DQACC]] : {{.+}}) outs(%[[DQ]] :
// CHECK: arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: %[[RDK:.+]] = linalg.generic {{.+}} ins(%[[DKACC]] : {{.+}}) outs(%[[DK]] :
// CHECK: %[[RDV:.+]] = linalg.generic {{.+}} ins(%[[DVACC]] : {{.+}}) outs(%[[DV]] :
// CHECK: %[[DBACC:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[BIAS]]], iterator_types = ["parallel", "reduction", "parallel", "parallel"]} ins(%[[DS]] :
// CHECK: %[[RDB:.+]] = linalg.generic {{.+}} ins(%[[DBACC]] : {{.+}}) outs(%[[DB]] :
// CHECK: return %[[RDQ]], %[[RDK]], %[[RDV]], %[[RDB]]
func.func @grad_gqa_bias(%q: tensor<1x4x16x8xbf16>, %k: tensor<1x2x32x8xbf16>,
    %v: tensor<1x2x32x8xbf16>, %o: tensor<1x4x16x8xbf16>, %do: tensor<1x4x16x8xbf16>,
    %l: tensor<1x4x16xf32>, %bias: tensor<1x1x16x32xf32>, %dq: tensor<1x4x16x8xbf16>,
    %dk: tensor<1x2x32x8xbf16>, %dv: tensor<1x2x32x8xbf16>, %db: tensor<1x1x16x32xf32>)
    -> (tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>) {
  %r:4 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>,
             tensor<1x2x32x8xbf16>, tensor<1x4x16x8xbf16>, tensor<1x4x16x8xbf16>, tensor<1x4x16xf32>)
         mask(%bias : tensor<1x1x16x32xf32>)
         outs(%dq, %dk, %dv, %db : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>)
         {causal}
         -> tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x4x16x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x2x32x8xbf16>, tensor<1x1x16x32xf32>
}

// -----

// Dynamic batch and lengths, an i1 keep-mask, no bias gradient.
// CHECK-LABEL: func.func @grad_keep_mask_dynamic
// CHECK-NOT: fa.attention_grad
// CHECK: arith.select
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 2, 1, %{{.+}}, %{{.+}}] : tensor<?x2x?x?xf32> into tensor<?x2x1x?x?xf32>
// CHECK: return %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
func.func @grad_keep_mask_dynamic(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x16xf32>, %o: tensor<?x2x?x16xf32>, %do: tensor<?x2x?x16xf32>,
    %l: tensor<?x2x?xf32>, %m: tensor<1x1x?x?xi1>, %dq: tensor<?x2x?x16xf32>,
    %dk: tensor<?x2x?x16xf32>, %dv: tensor<?x2x?x16xf32>)
    -> (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %l : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>,
             tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
         mask(%m : tensor<1x1x?x?xi1>)
         outs(%dq, %dk, %dv : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
         -> tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  return %r#0, %r#1, %r#2 : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
}
