//===- FAAttrs.td - FlashAttention dialect attributes ------*- tablegen -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef FLASHATTN_DIALECT_FA_IR_FAATTRS_TD
#define FLASHATTN_DIALECT_FA_IR_FAATTRS_TD

include "FlashAttn/Dialect/FA/IR/FADialect.td"
include "mlir/IR/AttrTypeBase.td"

class FA_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<FA_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def FA_TargetAttr : FA_Attr<"Target", "target"> {
  let summary = "The GPU a module is compiled for, as the cost model sees it";
  let description = [{
    Resources of one GPU that decide how attention is tiled. It is attached to
    a `builtin.module` under the name `fa.target`, usually by
    `fa-set-target{target=h100}` from the known-targets table, with any field
    overridden by that pass's options.

    * `arch`: the SM architecture (`sm_90`, `sm_90a`, `sm_80`, ...).
    * `sram_per_block`: bytes of shared memory one thread block may use
      (the opt-in maximum, e.g. 227 KiB on sm_90).
    * `sram_per_sm`: bytes of shared memory of one SM.
    * `regs_per_sm`: 32-bit registers of one SM.
    * `max_regs_per_thread`: registers one thread may use.
    * `sm_count`: streaming multiprocessors.
    * `hbm_gbps`: device-memory bandwidth in GB/s.
    * `tensor_tflops`: dense f16/bf16 tensor-core peak with f32 accumulation,
      in TFLOP/s.

    ```mlir
    module attributes {fa.target = #fa.target<arch = "sm_90a",
        sram_per_block = 232448, sram_per_sm = 233472, regs_per_sm = 65536,
        max_regs_per_thread = 255, sm_count = 132, hbm_gbps = 3350,
        tensor_tflops = 989>} {
    }
    ```
  }];
  let parameters = (ins
    StringRefParameter<"SM architecture, e.g. sm_90a">:$arch,
    "int64_t":$sram_per_block,
    "int64_t":$sram_per_sm,
    "int64_t":$regs_per_sm,
    "int64_t":$max_regs_per_thread,
    "int64_t":$sm_count,
    "int64_t":$hbm_gbps,
    "int64_t":$tensor_tflops
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def FA_TilingAttr : FA_Attr<"Tiling", "tiling"> {
  let summary = "Block sizes chosen for one fa.attention";
  let description = [{
    The tiling of one `fa.attention`: `block_q` rows of Q (one thread block's
    share of the output), `block_kv` rows of K and V streamed per step of the
    online softmax, `stages` K/V tiles in flight in shared memory, and `warps`
    warps per thread block. `fa-select-tiling` attaches it; it may also be
    written by hand, in which case it is checked against the target.

    ```mlir
    %o = fa.attention ins(%q, %k, %v : ...) outs(%init : ...)
           {tiling = #fa.tiling<block_q = 128, block_kv = 64, stages = 2, warps = 4>}
           -> tensor<1x8x1024x128xbf16>
    ```
  }];
  let parameters = (ins
    "int64_t":$block_q,
    "int64_t":$block_kv,
    "int64_t":$stages,
    "int64_t":$warps
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // FLASHATTN_DIALECT_FA_IR_FAATTRS_TD
