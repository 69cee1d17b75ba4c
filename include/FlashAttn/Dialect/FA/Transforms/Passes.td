//===- Passes.td - FlashAttention dialect passes -----------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD
#define FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FASetTargetPass : Pass<"fa-set-target", "ModuleOp"> {
  let summary = "Attach a #fa.target to the module, from the known-targets "
                "table with overrides";
  let description = [{
    Sets the module's `fa.target` attribute to the known target named by
    `target` (a short name such as `h100`, `a100`, `t4`, or an architecture
    such as `sm_80`), then applies every override option that is set
    (a value of 0 keeps the table's number). With `target` empty, the
    module's existing `fa.target` is the base: this lets a pipeline shrink
    the SRAM budget of a target chosen earlier. It is an error when neither
    exists.

    Example: `fa-opt --fa-set-target="target=h100 sram-per-block=49152"`
    gives the H100's numbers with a 48 KiB shared-memory budget per block.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Known target name or SM architecture (h100, a100, sm_80, ...)">,
    Option<"arch", "arch", "std::string", /*default=*/"\"\"",
           "Override the SM architecture (e.g. sm_90a)">,
    Option<"sramPerBlock", "sram-per-block", "int64_t", /*default=*/"0",
           "Override the shared memory per thread block, in bytes">,
    Option<"sramPerSM", "sram-per-sm", "int64_t", /*default=*/"0",
           "Override the shared memory per SM, in bytes">,
    Option<"regsPerSM", "regs-per-sm", "int64_t", /*default=*/"0",
           "Override the 32-bit registers per SM">,
    Option<"maxRegsPerThread", "max-regs-per-thread", "int64_t",
           /*default=*/"0", "Override the registers one thread may use">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"0",
           "Override the number of SMs">,
    Option<"hbmGBps", "hbm-gbps", "int64_t", /*default=*/"0",
           "Override the device-memory bandwidth, GB/s">,
    Option<"tensorTFlops", "tensor-tflops", "int64_t", /*default=*/"0",
           "Override the dense f16/bf16 tensor-core peak, TFLOP/s">,
  ];
  let dependentDialects = ["::mlir::fa::FADialect"];
}

def FADecomposeAttentionPass : Pass<"fa-decompose-attention"> {
  let summary = "Lower fa.attention to the naive matmul-softmax-matmul in "
                "linalg on tensors";
  let description = [{
    The reference semantics of `fa.attention`: the full score matrix
    `S = scale * Q K^T (+ mask)` of shape `[B, Hq, Nq, Nk]` in f32, a
    numerically safe softmax over the last axis (row max subtracted; fully
    masked rows give 0), and `O = P V`, each step a `linalg.generic` on
    tensors. It materializes the N x N matrix, so it is for testing and for
    the CPU, never the GPU path: every later stage is tested against it.

    The pass is op-agnostic (it rewrites every `fa.attention` nested under the
    op it runs on) so that `fa-opt --fa-decompose-attention` works on a
    module of functions of any kind.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...) -> ...
    // becomes linalg.fill / linalg.generic ops on tensors
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // FLASHATTN_DIALECT_FA_TRANSFORMS_PASSES_TD
