// fa.predicted_sram, which fa-select-tiling stamps on an fa.attention_grad
// for the SIMT kernel (simtBackwardSramBytes), equals what the tiled form's
// largest nest allocates once tiled and bufferized as fa-to-ptx-pipeline
// does (every buffer padded to 128 bytes): masks of every kind, the bias
// gradient's nest, f32, f16, bf16, selected and given tilings.
// RUN: %python %S/Inputs/backward_sram.py fa-opt | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASSED
