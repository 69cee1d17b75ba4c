// fa-select-tiling on the wgmma backward's column split (docs/Backward.md,
// "On the GPU: the wgmma kernels"; docs/decisions.md D76): at D = 256 and
// D = 192 with Dv = 128 the kernel's shape is the table's (block_q 64,
// block_kv 64, 8 warps, each warpgroup half the columns of dK_j and dV_j);
// the model picks the TMA ring at both (at D = 256 without the warps' dQ
// tiles: dQ by atomics, 215056 B of shared memory). Its build passed
// its GPU check (an H100, session 8): kernel=auto takes it, and so does
// kernel=wgmma. A tiling outside its shape and head dims it is not built
// for are errors.
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h200 --fa-select-tiling="explain kernel=auto" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling="explain kernel=wgmma" --mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=WG
// The picks, printed back as they were parsed:
// RUN: not fa-opt %s -split-input-file --fa-set-target=target=h100 --fa-select-tiling=kernel=wgmma 2>/dev/null | fa-opt -split-input-file --fa-select-tiling | FileCheck %s --check-prefix=BACK

// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO: note: kernel=auto chose wgmma: it builds this backward{{$}}
// AUTO: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8> does not fit the target (sm_90a): outside the wgmma backward's shapes
// AUTO: note: kernel=auto chose simt (not wgmma: it is built for D = Dv, a multiple of 16 from 64 to 128, and (D, Dv) = (192, 128) or (256, 256), got D = 192, Dv = 192; not mma-sync: {{.*}})

// WG: remark: fa-select-tiling (backward, model): 64x64, 2 stages, 8 warps wins (atomic dQ)
// WG: note: #1 64x64, 2 stages, 8 warps: {{.*}}, SRAM 215056 B, 240 registers/thread, 1 block(s)/SM
// WG: note: #2 64x64, 1 stage, 8 warps: {{.*}}, SRAM 149504 B, 240 registers/thread, 1 block(s)/SM
// WG: note: 128 of 130 candidates rejected: 128 outside the kernel's shapes
// WG: remark: fa-select-tiling (backward, model): 64x64, 2 stages, 8 warps wins (atomic dQ)
// WG: note: #1 64x64, 2 stages, 8 warps: {{.*}}, SRAM 190480 B, 176 registers/thread, 1 block(s)/SM
// WG: note: #2 64x64, 1 stage, 8 warps: {{.*}}, SRAM 100352 B, 176 registers/thread
// WG: error: 'fa.attention_grad' op tiling #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8> does not fit the target (sm_90a): outside the wgmma backward's shapes: 8 warps (two warpgroups of half the columns of dK_j and dV_j), block_kv = 64, block_q = 64 and stages 1 or 2, got warps = 8, block_kv = 128, block_q = 64, stages = 1 (backward kernel=wgmma)
// WG: error: 'fa.attention_grad' op cannot use the wgmma backward kernel: it is built for D = Dv, a multiple of 16 from 64 to 128, and (D, Dv) = (192, 128) or (256, 256), got D = 192, Dv = 192

// BACK-LABEL: func.func @d256
// BACK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>
// BACK-LABEL: func.func @d192_dv128
// BACK: schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 64, stages = 2, warps = 8>

// B = 4, H = 8, N = 4096, bf16: the D = 256 benchmark shape.
func.func @d256(%q: tensor<4x8x4096x256xbf16>, %k: tensor<4x8x4096x256xbf16>, %v: tensor<4x8x4096x256xbf16>, %o: tensor<4x8x4096x256xbf16>, %do: tensor<4x8x4096x256xbf16>, %lse: tensor<4x8x4096xf32>, %dq: tensor<4x8x4096x256xbf16>, %dk: tensor<4x8x4096x256xbf16>, %dv: tensor<4x8x4096x256xbf16>) -> (tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096xf32>)
         outs(%dq, %dk, %dv : tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>)
         -> tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>, tensor<4x8x4096x256xbf16>
}

// -----

func.func @d192_dv128(%q: tensor<2x8x2048x192xf16>, %k: tensor<2x8x2048x192xf16>, %v: tensor<2x8x2048x128xf16>, %o: tensor<2x8x2048x128xf16>, %do: tensor<2x8x2048x128xf16>, %lse: tensor<2x8x2048xf32>, %dq: tensor<2x8x2048x192xf16>, %dk: tensor<2x8x2048x192xf16>, %dv: tensor<2x8x2048x128xf16>) -> (tensor<2x8x2048x192xf16>, tensor<2x8x2048x192xf16>, tensor<2x8x2048x128xf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<2x8x2048x192xf16>, tensor<2x8x2048x192xf16>, tensor<2x8x2048x128xf16>, tensor<2x8x2048x128xf16>, tensor<2x8x2048x128xf16>, tensor<2x8x2048xf32>)
         outs(%dq, %dk, %dv : tensor<2x8x2048x192xf16>, tensor<2x8x2048x192xf16>, tensor<2x8x2048x128xf16>)
         {causal} -> tensor<2x8x2048x192xf16>, tensor<2x8x2048x192xf16>, tensor<2x8x2048x128xf16>
  return %r#0, %r#1, %r#2 : tensor<2x8x2048x192xf16>, tensor<2x8x2048x192xf16>, tensor<2x8x2048x128xf16>
}

// -----

// The row split's block_kv given at D = 256 (with kernel = wgmma).
func.func @negative_row_tiling(%q: tensor<1x2x1024x256xbf16>, %k: tensor<1x2x1024x256xbf16>, %v: tensor<1x2x1024x256xbf16>, %o: tensor<1x2x1024x256xbf16>, %do: tensor<1x2x1024x256xbf16>, %lse: tensor<1x2x1024xf32>, %dq: tensor<1x2x1024x256xbf16>, %dk: tensor<1x2x1024x256xbf16>, %dv: tensor<1x2x1024x256xbf16>) -> (tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>)
         {schedule = #fa.backward_schedule<kernel = wgmma, dq = atomic>, tiling = #fa.tiling<block_q = 64, block_kv = 128, stages = 1, warps = 8>} -> tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>, tensor<1x2x1024x256xbf16>
}

// -----

// D = Dv = 192: neither split is built.
func.func @negative_d192_dv192(%q: tensor<1x2x1024x192xbf16>, %k: tensor<1x2x1024x192xbf16>, %v: tensor<1x2x1024x192xbf16>, %o: tensor<1x2x1024x192xbf16>, %do: tensor<1x2x1024x192xbf16>, %lse: tensor<1x2x1024xf32>, %dq: tensor<1x2x1024x192xbf16>, %dk: tensor<1x2x1024x192xbf16>, %dv: tensor<1x2x1024x192xbf16>) -> (tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>) {
  %r:3 = fa.attention_grad ins(%q, %k, %v, %o, %do, %lse : tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024xf32>)
         outs(%dq, %dk, %dv : tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>)
         -> tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>
  return %r#0, %r#1, %r#2 : tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>, tensor<1x2x1024x192xbf16>
}
