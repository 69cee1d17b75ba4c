// #fa.schedule's own checks: keywords, decided values, the kernel.
// RUN: fa-opt %s -split-input-file -verify-diagnostics

func.func @negative_unknown_release() attributes {
  // expected-error @below {{unknown #fa.schedule release 'sometimes'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'release'}}
  test.attr = #fa.schedule<kernel = wgmma, release = sometimes>} {
  return
}

// -----

func.func @negative_auto() attributes {
  // expected-error @below {{#fa.schedule holds decided values, not 'auto'}}
  test.attr = #fa.schedule<kernel = wgmma, step = auto>} {
  return
}

// -----

func.func @negative_prediction_kernel() attributes {
  // expected-error @below {{#fa.schedule kernel must be simt, mma_sync or wgmma, got tensor_core}}
  test.attr = #fa.schedule<kernel = tensor_core>} {
  return
}

// -----

func.func @negative_flag() attributes {
  // expected-error @below {{expected 'true' or 'false' in #fa.schedule, got 'yes'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'pingpong'}}
  test.attr = #fa.schedule<kernel = wgmma, pingpong = yes>} {
  return
}

// -----

func.func @negative_missing_kernel() attributes {
  // expected-error @below {{struct is missing required parameter: kernel}}
  test.attr = #fa.schedule<loads = tma>} {
  return
}

// -----

func.func @negative_old_kernel_attribute(%q: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  // expected-error @below {{unknown fa dialect attribute 'fa.kernel'}}
  %r = fa.attention ins(%q, %q, %q : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>) {fa.kernel = "mma-sync"} -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}

// -----

func.func @negative_walk_auto() attributes {
  // expected-error @below {{#fa.schedule holds a decided walk, not 'auto'}}
  test.attr = #fa.schedule<kernel = wgmma, loads = tma, walk = auto>} {
  return
}

// -----

func.func @negative_unknown_walk() attributes {
  // expected-error @below {{unknown #fa.schedule walk 'sparse'}}
  // expected-error @below {{failed to parse FA_ScheduleAttr parameter 'walk'}}
  test.attr = #fa.schedule<kernel = wgmma, walk = sparse>} {
  return
}

// -----

// The forward's compacted walk is the tensor-core kernels' (D100).
func.func @negative_walk_simt() attributes {
  // expected-error @below {{invalid #fa.schedule: walk = compacted is the tensor-core kernels' (mma_sync, wgmma), not simt}}
  test.attr = #fa.schedule<kernel = simt, walk = compacted>} {
  return
}

// -----

// min_blocks: the mma.sync kernel's resident blocks (D118), 1 to 32.
func.func @negative_min_blocks_range() attributes {
  // expected-error @below {{#fa.schedule min_blocks must be 0 (none) or 1 to 32 resident blocks, got 33}}
  test.attr = #fa.schedule<kernel = mma_sync, min_blocks = 33>} {
  return
}

// -----

func.func @negative_min_blocks_negative() attributes {
  // expected-error @below {{#fa.schedule min_blocks must be 0 (none) or 1 to 32 resident blocks, got -1}}
  test.attr = #fa.schedule<kernel = mma_sync, min_blocks = -1>} {
  return
}

// -----

func.func @negative_min_blocks_wgmma() attributes {
  // expected-error @below {{invalid #fa.schedule: min_blocks is the mma_sync kernel's, not wgmma}}
  test.attr = #fa.schedule<kernel = wgmma, min_blocks = 1>} {
  return
}

// -----

// The attribute that carries min_blocks to the kernel (fa-set-kernel-max-registers).
// expected-error @below {{'fa.min_blocks_per_sm' is only allowed on gpu.dynamic_shared_memory}}
func.func @negative_min_blocks_attr_place() attributes {fa.min_blocks_per_sm = 1 : i32} {
  return
}

// -----

func.func @negative_min_blocks_attr_value() {
  // expected-error @below {{'fa.min_blocks_per_sm' must be an i32 from 1 to 32}}
  %0 = gpu.dynamic_shared_memory {fa.min_blocks_per_sm = 0 : i32} : memref<?xi8, #gpu.address_space<workgroup>>
  return
}
