//===- FADialect.td - FlashAttention dialect definition ----*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FADIALECT_TD
#define FLASHATTN_DIALECT_FA_IR_FADIALECT_TD

include "mlir/IR/OpBase.td"

def FA_Dialect : Dialect {
  let name = "fa";
  let summary = "IO-aware attention: one high-level op, tiled by an SRAM cost model";
  let description = [{
    The `fa` dialect holds `fa.attention`, a scaled dot-product attention on
    tensors in destination-passing style, its backward `fa.attention_grad`,
    and the attributes that drive their compilation to FlashAttention
    kernels:

    * `#fa.target<...>` describes the GPU (SRAM per block and per SM,
      registers, SM count, HBM bandwidth, tensor-core peak). It lives on the
      `builtin.module` under the name `fa.target`.
    * `#fa.schedule<...>` records the kernel and its schedule decided with
      the tiling (the `schedule` attribute of `fa.attention`).
    * `#fa.tiling<...>` records the block sizes the IO cost model chose for one
      `fa.attention`; `fa-tile-attention` copies it onto the thread-block
      loop as the discardable attribute `fa.tiling`.
    * `fa.predicted_sram = <bytes> : i64`, a discardable integer attribute
      that `fa-tile-attention` puts on the thread-block loop: the shared
      memory the cost model predicts for one thread block of the SIMT kernel.
      `convert-fa-to-gpu` checks that the buffers it packs add up to it.
    * `fa.align = N : i64`, a discardable argument attribute of a memref
      function argument (verified: a power of two): the byte alignment the
      generated kernel needs of that buffer's address (`convert-fa-to-nvgpu`
      sets 16 on the operands its cp.async copies read); the launch manifest
      records it and the runtime checks it before a launch.

    ```mlir
    module attributes {fa.target = #fa.target<arch = "sm_90", ...>} {
      func.func @attn(%q: tensor<2x8x1024x64xbf16>, ...) -> tensor<2x8x1024x64xbf16> {
        %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...) {causal}
               -> tensor<2x8x1024x64xbf16>
        return %o : tensor<2x8x1024x64xbf16>
      }
    }
    ```
  }];
  let cppNamespace = "::mlir::fa";
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let extraClassDeclaration = [{
    /// Name of the discardable module attribute that holds the target.
    static constexpr ::llvm::StringLiteral getTargetAttrName() {
      return ::llvm::StringLiteral("fa.target");
    }
    /// Name of the discardable attribute that carries an fa.attention's
    /// tiling onto the loop nest that implements it (the thread-block loop).
    static constexpr ::llvm::StringLiteral getTilingAttrName() {
      return ::llvm::StringLiteral("fa.tiling");
    }
    /// Name of the discardable integer attribute on the thread-block loop
    /// that holds the cost model's shared memory bytes for one block.
    static constexpr ::llvm::StringLiteral getPredictedSramAttrName() {
      return ::llvm::StringLiteral("fa.predicted_sram");
    }
    /// Name of the discardable i64 argument attribute that holds the byte
    /// alignment a generated kernel needs of a memref argument's address.
    static constexpr ::llvm::StringLiteral getAlignAttrName() {
      return ::llvm::StringLiteral("fa.align");
    }
    /// Name of the discardable i32 attribute on a kernel's
    /// `gpu.dynamic_shared_memory` that holds the resident blocks its
    /// schedule decided (`#fa.schedule`'s `min_blocks`), which
    /// fa-set-kernel-max-registers makes the kernel's `.minnctapersm`.
    static constexpr ::llvm::StringLiteral getMinBlocksPerSMAttrName() {
      return ::llvm::StringLiteral("fa.min_blocks_per_sm");
    }
  }];
}

class FA_Op<string mnemonic, list<Trait> traits = []>
    : Op<FA_Dialect, mnemonic, traits>;

#endif // FLASHATTN_DIALECT_FA_IR_FADIALECT_TD
