//===- FAToNVGPU.cpp - fa.attention on buffers to a tensor-core kernel ----===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Generates the FlashAttention-2 forward kernel for a bufferized fa.attention
// whose `#fa.schedule` kernel is mma_sync (docs/GPU.md, "The mma-sync
// kernel") or wgmma (sm_90a, "The wgmma kernel": a warpgroup per 64 rows, 128-byte
// swizzled tiles filled by TMA through host-built tensor maps, completing on
// mbarriers, and read by wgmma through shared-memory descriptors, P in
// registers; the rest is shared). The mma-sync kernel:
//
//  * one thread block per (q-block, query head, batch), `warps` warps, each
//    warp owning block_q / warps query rows (whole m16 fragments);
//  * the Q tile and `stages` K/V tiles in dynamic shared memory, rows padded
//    by 16 bytes so that the 8 row addresses of an ldmatrix hit distinct
//    banks, filled by cp.async (nvgpu.device_async_copy, zero-filled past
//    the sequence ends) in a ring of `stages` slots: block j + stages - 1 is
//    in flight while block j is computed;
//  * S = Q K^T and O += P V on nvgpu.mma.sync m16n8k16 (f16) or
//    nvvm.mma.sync (bf16: MLIR 22's nvgpu.mma.sync cannot deduce bf16 PTX
//    types), operands from nvgpu.ldmatrix (V transposed by ldmatrix.trans);
//  * S, P, O and the running max and sum in registers: the online softmax
//    works on the accumulator fragments (a quad of lanes shares a row:
//    two gpu.shuffle xor steps give the row max), exp2 with
//    scale * log2(e) folded into one multiply-add, and P is converted in
//    registers into the A operand of P V (the m16n8 accumulator layout of two
//    adjacent n-tiles is the m16n8k16 A layout);
//  * causal blocks above the diagonal are never visited (the loop bound),
//    the diagonal and tail blocks run in a second loop with the masks, and
//    the q-blocks run longest first (blockIdx.x counts down the rows).
//
// The kernel is built directly from the op, not from fa-tile-attention's
// tiled form: the tiled form's tile ops are whole-tile linalg ops whose
// distribution onto mma fragments (and the softmax onto fragment rows) has
// no upstream mechanism short of IREE's vector distribution. The tiling and
// the shared-memory formula are the cost model's (KernelKind::MmaSync).
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Conversion/Passes.h"

#include "FlashAttn/Analysis/CostModel.h"
#include "FlashAttn/Analysis/KernelSchedule.h"
#include "FlashAttn/Dialect/FA/IR/FAAttrs.h"
#include "FlashAttn/Dialect/FA/IR/FADialect.h"
#include "FlashAttn/Dialect/FA/IR/FAOps.h"
#include "FlashAttn/Dialect/FA/Transforms/TilingUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <functional>
#include <limits>

namespace mlir {
namespace fa {
#define GEN_PASS_DEF_CONVERTFATONVGPUPASS
#include "FlashAttn/Conversion/Passes.h.inc"
} // namespace fa
} // namespace mlir

using namespace mlir;
using namespace mlir::fa;

/// Elements copied by one cp.async (16 bytes of f16/bf16).
static constexpr int64_t kChunk = 8;
/// Elements of padding per shared-memory row (kMmaSyncRowPadBytes).
static constexpr int64_t kPad = kMmaSyncRowPadBytes / 2;

namespace {
/// Builds the kernel of one op. Fragment conventions (PTX ISA, mma.m16n8k16):
/// lane l of a warp holds, of an m16n8 f32 accumulator, rows l/4 and l/4 + 8
/// (vector<2x2xf32> row index 0 and 1) and columns 2(l%4), 2(l%4) + 1.
class KernelBuilder {
public:
  KernelBuilder(AttentionOp op, const Tiling &tiling,
                const KernelSchedule &schedule)
      : op(op), b(op.getLoc(), op), t(tiling),
        wg(schedule.kernel == KernelKind::Wgmma), tma(schedule.usesTma()),
        release(schedule.releasesWithMBarriers()),
        producer(schedule.hasProducer()),
        consumerRegs(schedule.consumerRegisters),
        overlap(schedule.overlapsSteps()), pingpong(schedule.pingpong),
        branchMasked(schedule.branchesMaskedSteps()),
        tmaStore(schedule.epilogue == Epilogue::TmaStore),
        stagedStore(schedule.epilogue == Epilogue::Staged) {
    elt = op.getQueryType().getElementType();
    d = op.getHeadDim();
    dv = op.getValueHeadDim();
    rowsPerWarp = t.blockQ / t.warps; // 16 for wgmma
    mTiles = rowsPerWarp / 16;
    threads = 32 * t.warps;
    f32 = b.getF32Type();
    accType = VectorType::get({2, 2}, f32);
    rowType = VectorType::get({2}, f32);
    pairType = VectorType::get({2}, elt);
  }

  void build(int64_t sharedBytes);

private:
  // Scalars.
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32c(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value addc(Value x, int64_t c) { return c == 0 ? x : add(x, idx(c)); }
  Value mulc(Value x, int64_t c) { return c == 1 ? x : mul(x, idx(c)); }
  Value divc(Value x, int64_t c) {
    return arith::DivUIOp::create(b, x, idx(c));
  }
  Value remc(Value x, int64_t c) {
    return arith::RemUIOp::create(b, x, idx(c));
  }
  Value minu(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }

  // Fragments.
  Value ldmatrix(Value smem, ValueRange indices, bool transpose);
  Value mma(Value a, Value bFrag, Value c);
  /// The two n-tiles 2 * np and 2 * np + 1 of an x4 ldmatrix result times
  /// every m-tile's A fragment, into accs[mi * nTiles + n].
  void mmaTilePair(Value x4, ArrayRef<Value> aFrag, MutableArrayRef<Value> accs,
                   int64_t nTiles, int64_t np) {
    for (int64_t h = 0; h < 2; ++h) {
      Value bFrag = half(x4, h);
      for (int64_t mi = 0; mi < mTiles; ++mi) {
        Value &acc = accs[mi * nTiles + 2 * np + h];
        acc = mma(aFrag[mi], bFrag, acc);
      }
    }
  }
  /// max(n, 1) - 1: the last valid index of a size, clamped for n = 0.
  Value lastIndex(Value n) {
    return arith::SubIOp::create(b, arith::MaxUIOp::create(b, n, idx(1)),
                                 idx(1));
  }
  /// Rows 0-1 (or 2-3) of an x4 ldmatrix result: the B operand of one n-tile.
  Value half(Value x4, int64_t which);
  Value zeroAcc() {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  }
  // Folded as built: an element of a vector.from_elements is its operand.
  Value element(Value v, int64_t i, int64_t j) {
    return b.createOrFold<vector::ExtractOp>(v, ArrayRef<int64_t>{i, j});
  }
  Value element(Value v, int64_t i) {
    return b.createOrFold<vector::ExtractOp>(v, ArrayRef<int64_t>{i});
  }
  Value shuffleXor(Value v, int64_t offset);
  /// 2^x as the SFU computes it (ex2.approx.ftz.f32, what FlashAttention
  /// uses): math.exp2 lowers to the non-ftz form, whose denormal handling
  /// costs extra instructions per score; the ftz difference (results below
  /// 2^-126 flush to 0) is far below the output's precision.
  Value exp2(Value x) {
    return LLVM::CallIntrinsicOp::create(
               b, f32, b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f"),
               ValueRange{x})
        .getResult(0);
  }

  /// The indices in the destination of the 16-byte chunk at (row, col) of
  /// a tile.
  using ChunkIndices = std::function<SmallVector<Value>(Value, Value)>;
  /// cp.async of a [rows, cols] tile of `src` (rows `rowBase`.. of head
  /// (`batch`, `head`)) into `dst` (at `dstIndices`), zero-filling rows at
  /// or past `rowEnd` and every row when `enabled` is false.
  void copyTile(Value src, Value batch, Value head, Value rowBase,
                Value rowEnd, Value enabled, int64_t rows, int64_t cols,
                Value dst, const ChunkIndices &dstIndices,
                SmallVectorImpl<Value> &tokens);

  // The wgmma kernel (sm_90a).
  Value i64c(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI64Type(), v);
  }
  /// __syncwarp() over all 32 lanes.
  void syncWarp() {
    NVVM::SyncWarpOp::create(
        b, arith::ConstantIntOp::create(b, b.getI32Type(), -1));
  }
  /// Element offset of (row, col), col a multiple of 8 (the first element of
  /// a 16-byte chunk), in a [rows, cols] tile at element offset `tileBase`
  /// in the 128-byte swizzled layout: 64-column blocks of `rows`
  /// 128-byte rows, the 16-byte chunk c of row r stored at chunk c ^ (r % 8)
  /// (CUTLASS's Swizzle<3,4,3>, wgmma's layout type 1).
  Value swizzled(Value tileBase, int64_t rows, Value row, Value col);
  /// A wgmma shared-memory matrix descriptor (PTX ISA, "Matrix Descriptor
  /// Format") of the 128-byte swizzled layout: the start address `addr`
  /// (i64 bytes) and the leading and stride byte offsets, in 16-byte units,
  /// layout type 1 in bits 62-63.
  Value descriptor(Value addr, int64_t leadingBytes, int64_t strideBytes);
  /// `desc` with its start address advanced by `bytes`.
  Value advance(Value desc, int64_t bytes) {
    return bytes == 0 ? desc : arith::AddIOp::create(b, desc, i64c(bytes >> 4));
  }
  /// The accumulator or operand registers `values` passed through an empty
  /// asm with side effects: what computes them stays before, what reads them
  /// after (CUTLASS's warpgroup_fence_operand). wgmma's registers are
  /// written asynchronously, which LLVM does not know.
  SmallVector<Value> fenceRegisters(ValueRange values);
  /// S = Q K^T of this warpgroup's 64 rows: wgmma m64n{block_kv}k16 with
  /// both operands in shared memory; the m16n8 fragments of the warp.
  SmallVector<Value> wgmmaScores(Value qDesc, Value kDesc) {
    Value acc = issueScores(qDesc, kDesc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    return scoreFragments(acc);
  }
  /// The wgmmas of S = Q K^T, committed as one group and not waited for:
  /// the accumulator struct.
  Value issueScores(Value qDesc, Value kDesc);
  /// The m16n8 fragments of a completed S accumulator.
  SmallVector<Value> scoreFragments(Value acc);
  /// acc += P V: wgmma m64n{dv}k16 with P's A fragments (4 i32 registers
  /// per k16 step) in registers and V in shared memory (MN-major, so
  /// transposed).
  void wgmmaPV(MutableArrayRef<Value> acc, ArrayRef<Value> pRegs,
               Value vDesc) {
    SmallVector<Value> out = issuePV(acc, pRegs, pvDescriptors(vDesc));
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    finishPV(acc, out);
  }
  /// The wgmmas of acc += P V, committed as one group and not waited for:
  /// the accumulator registers they write.
  /// `vDescs`: V's descriptor for each k16 step (pvDescriptors).
  SmallVector<Value> issuePV(ArrayRef<Value> acc, ArrayRef<Value> pRegs,
                             ArrayRef<Value> vDescs);
  /// The V descriptor of each k16 step of P V (16 rows of 128 bytes each).
  SmallVector<Value> pvDescriptors(Value vDesc) {
    SmallVector<Value> descs;
    for (int64_t kk = 0; kk < t.blockKV / 16; ++kk)
      descs.push_back(advance(vDesc, kk * 16 * 128));
    return descs;
  }
  /// `acc` from the registers of a completed P V group.
  void finishPV(MutableArrayRef<Value> acc, ArrayRef<Value> out);
  /// The pairs of a fragment as i32 registers (a 16-bit pair per register).
  SmallVector<Value> packed(Value frag, int64_t pairs);
  Value commit(ArrayRef<Value> tokens) {
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  }

  AttentionOp op;
  ImplicitLocOpBuilder b;
  Tiling t;
  /// The wgmma kernel (else the mma-sync one).
  bool wg;
  /// wgmma with TMA loads (else cp.async).
  bool tma;
  /// TMA with slots released through "empty" mbarriers, no block-wide
  /// barrier per step (else one `bar.sync` per step).
  bool release;
  /// release, with one more warpgroup whose first thread issues every load
  /// (the producer) and that computes nothing: no consumer warp waits for
  /// another. The producer gives its registers to the consumers
  /// (setmaxnreg).
  bool producer;
  /// producer: the consumer warpgroups' registers per thread (setmaxnreg).
  int64_t consumerRegs;
  /// TMA with barrier release or the producer, and FlashAttention-3's
  /// intra-warpgroup overlap: step j issues S_j = Q K_j^T and then
  /// P_{j-1} V_{j-1}, and computes the softmax of S_j while the P V wgmmas
  /// run.
  bool overlap;
  /// producer with two or more consumer warpgroups, which take turns at the
  /// tensor cores (FlashAttention-3's inter-warpgroup "ping-pong"): a
  /// warpgroup's turn covers the issue of its wgmmas (serial: from its
  /// P_{j-1} V_{j-1} to the issue of S_j; overlap: S_j and P_{j-1} V_{j-1})
  /// and the next warpgroup's softmax runs under them. Named barriers 1 ..
  /// (one per consumer warpgroup) pass the turn around the ring.
  bool pingpong;
  /// mma-sync: the masked kv-blocks run in the unmasked blocks' loop, the
  /// mask under a branch on the block index (uniform across the block),
  /// instead of in a second loop with its own copy of the step.
  bool branchMasked;
  /// TMA, and O's rows fit in Q's: each warp writes its normalized O rows
  /// over its own Q rows in shared memory (swizzled as the TMA layout) and
  /// stores them with TMA (else one store a lane per element pair).
  bool tmaStore;
  /// mma-sync, O's rows fit in Q's: the same through the warp's padded Q
  /// rows, then 16 bytes a lane when O is 16-byte aligned.
  bool stagedStore;
  Type elt, f32;
  /// An accumulator fragment, two rows' f32 pairs, a pair of elements.
  VectorType accType, rowType, pairType;
  int64_t d, dv, rowsPerWarp, mTiles, threads;
  Value lane, tid;
};
} // namespace

Value KernelBuilder::ldmatrix(Value smem, ValueRange indices, bool transpose) {
  auto type = VectorType::get({4, 2}, elt);
  return nvgpu::LdMatrixOp::create(b, type, smem, indices, transpose,
                                   /*numTiles=*/4);
}

Value KernelBuilder::half(Value x4, int64_t which) {
  // Row by row: vector.extract_strided_slice of a 2-D vector has no LLVM
  // lowering in the NVVM pipeline, vector.extract/insert of rows do.
  auto type = VectorType::get({2, 2}, elt);
  Value result = arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, b.getZeroAttr(elt)));
  for (int64_t r = 0; r < 2; ++r) {
    Value row =
        vector::ExtractOp::create(b, x4, ArrayRef<int64_t>{2 * which + r});
    result = vector::InsertOp::create(b, row, result, ArrayRef<int64_t>{r});
  }
  return result;
}

Value KernelBuilder::mma(Value a, Value bFrag, Value c) {
  if (elt.isF16())
    return nvgpu::MmaSyncOp::create(b, a, bFrag, c,
                                    ArrayRef<int64_t>{16, 8, 16});
  // bf16: nvvm.mma.sync on the fragments packed as i32 registers.
  SmallVector<Value> aRegs = packed(a, 4), bRegs = packed(bFrag, 2);
  SmallVector<Value> cRegs = {element(c, 0, 0), element(c, 0, 1),
                              element(c, 1, 0), element(c, 1, 1)};
  auto structType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  std::array<NVVM::MMATypes, 2> types = {NVVM::MMATypes::bf16,
                                         NVVM::MMATypes::bf16};
  std::array<NVVM::MMALayout, 2> layouts = {NVVM::MMALayout::row,
                                            NVVM::MMALayout::col};
  Value d = NVVM::MmaOp::create(b, structType, aRegs, bRegs, cRegs,
                                ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
                                std::nullopt, types, layouts);
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, d, i));
  return vector::FromElementsOp::create(b, accType, out);
}

SmallVector<Value> KernelBuilder::packed(Value frag, int64_t pairs) {
  SmallVector<Value> regs;
  for (int64_t i = 0; i < pairs; ++i) {
    Value pair = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{i});
    Value asInt = vector::BitCastOp::create(
        b, VectorType::get({1}, b.getI32Type()), pair);
    regs.push_back(element(asInt, 0));
  }
  return regs;
}

Value KernelBuilder::swizzled(Value tileBase, int64_t rows, Value row,
                              Value col) {
  Value block = divc(col, 64);
  Value chunk = divc(remc(col, 64), kChunk);
  Value swizzledChunk = arith::XOrIOp::create(b, chunk, remc(row, 8));
  return add(add(tileBase, mulc(block, rows * 64)),
             add(mulc(row, 64), mulc(swizzledChunk, kChunk)));
}

Value KernelBuilder::descriptor(Value addr, int64_t leadingBytes,
                                int64_t strideBytes) {
  uint64_t fields = (uint64_t(leadingBytes >> 4) << 16) |
                    (uint64_t(strideBytes >> 4) << 32) | (uint64_t(1) << 62);
  Value start = arith::ShRUIOp::create(b, addr, i64c(4));
  return arith::OrIOp::create(b, start, i64c(int64_t(fields)));
}

SmallVector<Value> KernelBuilder::fenceRegisters(ValueRange values) {
  std::string constraints;
  SmallVector<Type> types;
  for (Value v : values) {
    constraints += v.getType().isF32() ? "=f," : "=r,";
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < values.size(); ++i)
    constraints += std::to_string(i) + (i + 1 < values.size() ? "," : "");
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value fenced =
      LLVM::InlineAsmOp::create(b, structType, values, "", constraints,
                                /*has_side_effects=*/true,
                                /*is_align_stack=*/false,
                                LLVM::TailCallKind::None,
                                LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  SmallVector<Value> result;
  for (size_t i = 0; i < values.size(); ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, fenced, i));
  return result;
}

Value KernelBuilder::issueScores(Value qDesc, Value kDesc) {
  MLIRContext *ctx = b.getContext();
  int64_t n = t.blockKV;
  auto structType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(n / 2, f32));
  auto type = elt.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  Value acc = LLVM::PoisonOp::create(b, structType);
  NVVM::WgmmaFenceAlignedOp::create(b);
  for (int64_t kk = 0; kk < d / 16; ++kk) {
    // k16 steps walk the 128-byte rows of each 64-column block, 32 bytes a
    // step; the swizzle applies to the address bits, so the start address
    // just moves.
    int64_t block = (16 * kk) / 64, within = ((16 * kk) % 64) * 2;
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, structType, acc, advance(qDesc, block * t.blockQ * 128 + within),
        advance(kDesc, block * t.blockKV * 128 + within),
        NVVM::MMAShapeAttr::get(ctx, 64, n, 16), type, type,
        NVVM::WGMMATypes::f32,
        kk == 0 ? NVVM::WGMMAScaleOut::zero : NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
        NVVM::MMALayout::col, NVVM::MMAIntOverflowAttr());
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  return acc;
}

SmallVector<Value> KernelBuilder::scoreFragments(Value acc) {
  int64_t n = t.blockKV;
  SmallVector<Value> values;
  for (int64_t i = 0; i < n / 2; ++i)
    values.push_back(LLVM::ExtractValueOp::create(b, acc, i));
  values = fenceRegisters(values);
  SmallVector<Value> frags;
  for (int64_t j = 0; j < n / 8; ++j)
    frags.push_back(vector::FromElementsOp::create(
        b, accType, ArrayRef<Value>(values).slice(4 * j, 4)));
  return frags;
}

SmallVector<Value> KernelBuilder::issuePV(ArrayRef<Value> acc,
                                          ArrayRef<Value> pRegs,
                                          ArrayRef<Value> vDescs) {
  // nvvm.wgmma.mma_async takes A from shared memory only; the register form
  // (what FlashAttention-3 uses for P) is written as PTX here.
  int64_t n = dv, regs = n / 2;
  SmallVector<Value> values;
  for (Value frag : acc)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        values.push_back(element(frag, r, c));
  values.append(pRegs.begin(), pRegs.end());
  values = fenceRegisters(values);
  SmallVector<Value> out(values.begin(), values.begin() + regs);
  ArrayRef<Value> a = ArrayRef<Value>(values).drop_front(regs);
  NVVM::WgmmaFenceAlignedOp::create(b);
  // One asm statement for all k16 steps (one per step made LLVM's
  // CodeGenPrepare and instruction selection a fifth of the compile time,
  // docs/decisions.md, D24). Operands: the accumulators ($0 ..),
  // then each step's 4 A registers, each step's V descriptor, the scale-d
  // flag, and the accumulators again, tied to the outputs.
  int64_t steps = t.blockKV / 16;
  int64_t aBase = regs, descBase = regs + 4 * steps,
          scaleIndex = descBase + steps;
  const char *type = elt.isF16() ? "f16" : "bf16";
  std::string accList;
  for (int64_t i = 0; i < regs; ++i)
    accList += (i ? ", $" : "$") + std::to_string(i);
  std::string asmString =
      llvm::formatv("{{\n.reg .pred p;\nsetp.ne.b32 p, ${0}, 0;\n",
                    scaleIndex);
  for (int64_t kk = 0; kk < steps; ++kk)
    asmString += llvm::formatv(
        "wgmma.mma_async.sync.aligned.m64n{0}k16.f32.{1}.{1} {{{2}}, "
        "{{${3}, ${4}, ${5}, ${6}}, ${7}, p, 1, 1, 1;\n",
        n, type, accList, aBase + 4 * kk, aBase + 4 * kk + 1,
        aBase + 4 * kk + 2, aBase + 4 * kk + 3, descBase + kk);
  asmString += "}\n";
  std::string constraints;
  for (int64_t i = 0; i < regs; ++i)
    constraints += "=f,";
  for (int64_t i = 0; i < 4 * steps; ++i)
    constraints += "r,";
  for (int64_t i = 0; i < steps; ++i)
    constraints += "l,";
  constraints += "n";
  for (int64_t i = 0; i < regs; ++i)
    constraints += "," + std::to_string(i);
  auto structType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(regs, f32));
  SmallVector<Value> operands(a.take_front(4 * steps));
  operands.append(vDescs.begin(), vDescs.end());
  operands.push_back(LLVM::ConstantOp::create(b, b.getI32Type(), 1));
  operands.append(out);
  Value result =
      LLVM::InlineAsmOp::create(b, structType, operands, asmString,
                                constraints, /*has_side_effects=*/true,
                                /*is_align_stack=*/false,
                                LLVM::TailCallKind::None,
                                LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  for (int64_t i = 0; i < regs; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, result, i);
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  return out;
}

void KernelBuilder::finishPV(MutableArrayRef<Value> acc, ArrayRef<Value> out) {
  int64_t n = dv;
  SmallVector<Value> fenced = fenceRegisters(out);
  for (int64_t j = 0; j < n / 8; ++j)
    acc[j] = vector::FromElementsOp::create(
        b, accType, ArrayRef<Value>(fenced).slice(4 * j, 4));
}

Value KernelBuilder::shuffleXor(Value v, int64_t offset) {
  Value off = arith::ConstantIntOp::create(b, b.getI32Type(), offset);
  Value width = arith::ConstantIntOp::create(b, b.getI32Type(), 32);
  return gpu::ShuffleOp::create(b, v, off, width, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

void KernelBuilder::copyTile(Value src, Value batch, Value head,
                             Value rowBase, Value rowEnd, Value enabled,
                             int64_t rows, int64_t cols, Value dst,
                             const ChunkIndices &dstIndices,
                             SmallVectorImpl<Value> &tokens) {
  int64_t chunksPerRow = cols / kChunk;
  int64_t total = rows * chunksPerRow;
  int64_t perThread = llvm::divideCeil(total, threads);
  Value zero = idx(0), full = idx(kChunk);
  Value lastRow = lastIndex(rowEnd);
  for (int64_t i = 0; i < perThread; ++i) {
    Value chunk = addc(tid, i * threads);
    // A thread past the tile repeats its last chunk (same bytes, same
    // place): no divergent branch around the copy.
    if ((i + 1) * threads > total)
      chunk = minu(chunk, idx(total - 1));
    Value row = divc(chunk, chunksPerRow);
    Value col = mulc(remc(chunk, chunksPerRow), kChunk);
    Value global = add(rowBase, row);
    Value inRange = arith::AndIOp::create(
        b, enabled, cmp(arith::CmpIPredicate::ult, global, rowEnd));
    Value srcRow = minu(global, lastRow);
    Value srcElements = select(inRange, full, zero);
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, dst, dstIndices(row, col), src, ValueRange{batch, head, srcRow, col},
        b.getIndexAttr(kChunk), srcElements, b.getUnitAttr()));
  }
}

/// The kernel reads `memref` with accesses that need its address aligned to
/// `bytes`: an argument of the enclosing function gets `fa.align` (the
/// largest asked for), which the launch manifest records and the runtime
/// checks before a launch. Other buffers come from allocations, aligned
/// further than any access here.
static void requireAlignment(Value memref, int64_t bytes) {
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg)
    return;
  auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!func)
    return;
  StringRef name = FADialect::getAlignAttrName();
  if (auto old = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), name))
    bytes = std::max(bytes, old.getInt());
  func.setArgAttr(arg.getArgNumber(), name,
                  IntegerAttr::get(IntegerType::get(memref.getContext(), 64),
                                   bytes));
}

void KernelBuilder::build(int64_t sharedBytes) {
  MLIRContext *ctx = b.getContext();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  // cp.async copies 16-byte chunks of Q, K and V (TMA: their tensor maps,
  // which the runtime checks itself).
  if (!tma)
    for (Value operand : {q, k, v})
      requireAlignment(operand, kChunk * 2);
  Value o = op.getOutput(), lse = op.getLseInit();
  int64_t group = op.getGroupSize();
  bool causal = op.getCausal();
  double scale = op.getScaleValue();
  double scaleLog2 = scale * M_LOG2E;

  // Static sizes are constants from the start: the launch's grid must fold
  // to constants for the manifest, and the pipeline does not canonicalize
  // after this pass (the kernel's thousands of ops made that the slowest
  // step of the compile).
  auto dim = [&](Value memref, int64_t i) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    if (!type.isDynamicDim(i))
      return idx(type.getDimSize(i));
    return memref::DimOp::create(b, memref, i);
  };
  Value batchSize = dim(q, 0);
  Value nq = dim(q, 2);
  Value nk = dim(k, 2);
  Value one = idx(1);
  Value numQBlocks =
      op.getQueryType().isDynamicDim(2)
          ? Value(arith::CeilDivUIOp::create(b, nq, idx(t.blockQ)))
          : idx(llvm::divideCeil(op.getQueryType().getDimSize(2), t.blockQ));
  Value smem = arith::ConstantIntOp::create(b, b.getI32Type(), sharedBytes);
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  // TMA: one tensor map per operand, built on the host (the manifest
  // describes it, the runtime encodes it with cuTensorMapEncodeTiled): the
  // 4-d tensor, boxes of [1, 1, rows, 64] (64 columns: the 128-byte
  // swizzle span), swizzled as the wgmma layout, zero-filled out of bounds.
  auto boxType = [&](int64_t rows) {
    return MemRefType::get({1, 1, rows, 64}, elt, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  auto tensorMap = [&](Value memref, int64_t rows) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    Value unranked = memref::CastOp::create(
        b, UnrankedMemRefType::get(elt, type.getMemorySpace()), memref);
    auto mapType = nvgpu::TensorMapDescriptorType::get(
        ctx, boxType(rows), nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
        nvgpu::TensorMapL2PromoKind::L2PROMO_128B,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
    return nvgpu::TmaCreateDescriptorOp::create(
        b, mapType, unranked,
        ValueRange{idx(1), idx(1), idx(rows), idx(64)});
  };
  Value qMap, kMap, vMap, oMap;
  if (tma) {
    qMap = tensorMap(q, t.blockQ);
    kMap = tensorMap(k, t.blockKV);
    vMap = tensorMap(v, t.blockKV);
  }
  // tmaStore: boxes of one warp's rows.
  if (tmaStore)
    oMap = tensorMap(o, rowsPerWarp);
  auto launch = gpu::LaunchOp::create(
      b, numQBlocks, idx(op.getNumQueryHeads()), batchSize,
      idx(threads + (producer ? 128 : 0)),
      one, one, smem);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&body);

  Value qBlock = launch.getBlockIds().x;
  // Causal: the last q-blocks see the most keys; launch them first so that
  // the short ones fill the last wave (blocks start in blockIdx.x order).
  if (op.getCausal())
    qBlock = arith::SubIOp::create(
        b, arith::SubIOp::create(b, launch.getGridSize().x, qBlock), idx(1));
  Value head = launch.getBlockIds().y;
  Value batch = launch.getBlockIds().z;
  tid = launch.getThreadIds().x;
  lane = remc(tid, 32);
  Value warp = divc(tid, 32);
  Value kvHead = divc(head, group);
  Value qBase = mulc(qBlock, t.blockQ);

  // Shared memory: Q, then the K slots, then the V slots (the cost model's
  // MmaSync layout).
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
  Value sQ, sK, sV;
  // Where the copies of a tile go: mma-sync, [slot, row, col] of the padded
  // tiles; wgmma, the swizzled element offset in one flat view.
  ChunkIndices qIndices;
  std::function<ChunkIndices(Value)> kIndices, vIndices;
  // wgmma: the aligned base's shared address, and the element offsets of
  // the K and V tiles of a slot.
  Value sharedBase, pad;
  std::function<Value(Value)> kOffset, vOffset;
  if (!wg) {
    int64_t ldQ = d + kPad, ldK = d + kPad, ldV = dv + kPad;
    auto qType = MemRefType::get({t.blockQ, ldQ}, elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    auto kType = MemRefType::get({t.stages, t.blockKV, ldK}, elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    auto vType = MemRefType::get({t.stages, t.blockKV, ldV}, elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    int64_t qBytes = t.blockQ * ldQ * 2,
            kBytes = t.stages * t.blockKV * ldK * 2;
    sQ = memref::ViewOp::create(b, qType, base, idx(0), ValueRange{});
    sK = memref::ViewOp::create(b, kType, base, idx(qBytes), ValueRange{});
    sV = memref::ViewOp::create(b, vType, base, idx(qBytes + kBytes),
                                ValueRange{});
    qIndices = [](Value row, Value col) -> SmallVector<Value> {
      return {row, col};
    };
    kIndices = [](Value slot) -> ChunkIndices {
      return [slot](Value row, Value col) -> SmallVector<Value> {
        return {slot, row, col};
      };
    };
    vIndices = kIndices;
  } else {
    // The dynamic shared memory's base rounded up to the swizzle atom (the
    // swizzle is a function of the address bits): the launch allocates
    // kWgmmaSwizzleAtomBytes extra for it.
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
    pad = remc(arith::SubIOp::create(
                         b, idx(kWgmmaSwizzleAtomBytes),
                         remc(address, kWgmmaSwizzleAtomBytes)),
                     kWgmmaSwizzleAtomBytes);
    int64_t elements = (sharedBytes - kWgmmaSwizzleAtomBytes) / 2;
    auto flatType = MemRefType::get({ShapedType::kDynamic}, elt,
                                    MemRefLayoutAttrInterface(), workgroup);
    Value flat =
        memref::ViewOp::create(b, flatType, base, pad, ValueRange{idx(elements)});
    sQ = sK = sV = flat;
    sharedBase = arith::IndexCastOp::create(b, b.getI64Type(), add(address, pad));
    int64_t qElements = t.blockQ * d, kElements = t.blockKV * d,
            vElements = t.blockKV * dv;
    kOffset = [&, qElements, kElements](Value slot) {
      return addc(mulc(slot, kElements), qElements);
    };
    vOffset = [&, qElements, kElements, vElements](Value slot) {
      return addc(mulc(slot, vElements), qElements + t.stages * kElements);
    };
    qIndices = [this](Value row, Value col) -> SmallVector<Value> {
      return {swizzled(idx(0), t.blockQ, row, col)};
    };
    // The K or V tile of a slot, at the element offset `offsetOf` gives.
    auto slotIndices = [this](std::function<Value(Value)> offsetOf) {
      return [this, offsetOf](Value slot) -> ChunkIndices {
        Value offset = offsetOf(slot);
        return [this, offset](Value row, Value col) -> SmallVector<Value> {
          return {swizzled(offset, t.blockKV, row, col)};
        };
      };
    };
    kIndices = slotIndices(kOffset);
    vIndices = slotIndices(vOffset);
  }

  // The kv-blocks this q-block visits: all, or (causal) those whose first
  // key some row of the block sees: key j is visible to row i iff
  // j <= i + Nk - Nq.
  Value numKV = arith::CeilDivUIOp::create(b, nk, idx(t.blockKV));
  Value kvEnd = numKV;
  Value diagonal = arith::SubIOp::create(b, nk, nq); // Nk - Nq (signed)
  if (causal) {
    Value lastRow =
        arith::SubIOp::create(b, arith::MinSIOp::create(b, addc(qBase, t.blockQ), nq), one);
    Value lastKey = add(lastRow, diagonal);
    Value blocks = addc(arith::FloorDivSIOp::create(b, lastKey, idx(t.blockKV)), 1);
    blocks = arith::MaxSIOp::create(b, blocks, idx(0));
    kvEnd = arith::MinSIOp::create(b, blocks, numKV);
  }

  // TMA: mbarrier `slot` for the K/V slots, mbarrier `stages` for Q, each
  // completing a phase when its one arrival (thread 0's, with the expected
  // bytes) and the bytes have landed. Thread 0 issues every load.
  Value bars, leader;
  auto ifThen = [&](Value condition, const std::function<void()> &then) {
    auto ifOp = scf::IfOp::create(b, condition, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    then();
  };
  // Loads the [rows, cols] tile at (batch, headIndex, row) of the tensor
  // `map` describes into the swizzled tile at element offset `tileBase`:
  // one TMA box per 64-column block, completing on mbarrier `barId`.
  auto tmaTile = [&](Value map, Value tileBase, int64_t rows, int64_t cols,
                     Value row, Value headIndex, Value barId) {
    for (int64_t block = 0; block < cols / 64; ++block) {
      Value bytes = add(pad, mulc(addc(tileBase, block * rows * 64), 2));
      Value dst = memref::ViewOp::create(b, boxType(rows), base, bytes,
                                         ValueRange{});
      // Coordinates innermost first (the PTX order): column, row, head,
      // batch.
      nvgpu::TmaAsyncLoadOp::create(
          b, dst, bars, map, ValueRange{idx(64 * block), row, headIndex, batch},
          barId, /*multicastMask=*/Value(), /*predicate=*/Value());
    }
  };
  // Waits for the phase of parity `parity` of mbarrier `barId`.
  auto tryWait = [&](Value barId, Value parity) {
    Value ticks = idx(10000000);
    nvgpu::MBarrierTryWaitParityOp::create(
        b, bars, arith::IndexCastOp::create(b, b.getI1Type(), parity), ticks,
        barId);
  };
  // The same for a whole warp. Without a barrier per step the warp is
  // reconverged first (__syncwarp): one of its lanes may come from issuing
  // loads or arriving alone, the wait's PTX loop branches with `bra.uni`,
  // and the wgmmas after it are `.aligned`.
  auto waitFor = [&](Value barId, Value parity) {
    if (release) // with a barrier per step, the warps are together anyway
      syncWarp();
    tryWait(barId, parity);
  };
  // The "empty" mbarriers follow (release): one per slot, or (overlap) one
  // per K slot and then one per V slot.
  int64_t emptyBase = t.stages + 1 + (overlap ? t.stages : 0);
  int64_t emptyBars = release ? (overlap ? 2 : 1) * t.stages : 0;
  if (tma) {
    bars = nvgpu::MBarrierCreateOp::create(
        b, nvgpu::MBarrierGroupType::get(ctx, workgroup,
                                         emptyBase + emptyBars));
    // The producer warpgroup's first thread, or thread 0.
    leader = cmp(arith::CmpIPredicate::eq, tid, idx(producer ? threads : 0));
    ifThen(leader, [&] {
      // The "full" mbarriers (K/V or K, Q, V): the leader's one arrival.
      for (int64_t i = 0; i < emptyBase; ++i)
        nvgpu::MBarrierInitOp::create(b, bars, idx(1), idx(i),
                                      /*predicate=*/Value());
      // The "empty" mbarriers: one arrival per warp done with the slot.
      for (int64_t i = 0; i < emptyBars; ++i)
        nvgpu::MBarrierInitOp::create(b, bars, idx(t.warps),
                                      idx(emptyBase + i),
                                      /*predicate=*/Value());
      NVVM::FenceMbarrierInitOp::create(b);
      for (Value map : {qMap, kMap, vMap, oMap})
        if (map)
          nvgpu::TmaPrefetchOp::create(b, map, /*predicate=*/Value());
    });
  }

  // Prologue: Q, then blocks 0 .. stages-2, one cp.async group (or one
  // mbarrier phase) each.
  Value lastGroup;
  if (tma) {
    ifThen(leader, [&] {
      nvgpu::MBarrierArriveExpectTxOp::create(
          b, bars, idx(t.blockQ * d * 2), idx(t.stages), /*predicate=*/Value());
      tmaTile(qMap, idx(0), t.blockQ, d, qBase, head, idx(t.stages));
    });
  } else {
    SmallVector<Value> tokens;
    Value always = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
    copyTile(q, batch, head, qBase, nq, always, t.blockQ, d, sQ, qIndices,
             tokens);
    lastGroup = commit(tokens);
  }
  // TMA: thread 0 loads kv-block `block`'s K and/or V tiles into `slot`,
  // completing on mbarrier `barId`. Blocks past the last visible one are
  // never loaded (nor waited for).
  auto tmaKV = [&](Value block, Value slot, Value barId, bool withK,
                   bool withV) {
    Value issue = arith::AndIOp::create(
        b, leader, cmp(arith::CmpIPredicate::slt, block, kvEnd));
    ifThen(issue, [&] {
      int64_t cols = (withK ? d : 0) + (withV ? dv : 0);
      nvgpu::MBarrierArriveExpectTxOp::create(
          b, bars, idx(t.blockKV * cols * 2), barId, /*predicate=*/Value());
      Value row = mulc(block, t.blockKV);
      if (withK)
        tmaTile(kMap, kOffset(slot), t.blockKV, d, row, kvHead, barId);
      if (withV)
        tmaTile(vMap, vOffset(slot), t.blockKV, dv, row, kvHead, barId);
    });
  };
  // overlap: V tiles complete on mbarriers stages + 1 + slot, apart from K.
  auto vBar = [&](Value slot) { return addc(slot, t.stages + 1); };
  // release: the empty mbarrier of a slot (overlap: of a K slot, and of a
  // V slot).
  auto emptyBar = [&](Value slot) { return addc(slot, emptyBase); };
  auto vEmptyBar = [&](Value slot) {
    return addc(slot, emptyBase + t.stages);
  };
  // The warp is done with a slot (its wgmmas waited for): its first lane
  // arrives on the slot's empty mbarrier.
  auto arriveEmpty = [&](Value barId) {
    ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(0)), [&] {
      nvgpu::MBarrierArriveOp::create(b, nvgpu::MBarrierTokenType::get(ctx),
                                      bars, barId);
    });
  };
  auto loadKV = [&](Value block, Value slot) -> Value {
    if (tma) {
      tmaKV(block, slot, slot, /*withK=*/true, /*withV=*/true);
      return Value();
    }
    SmallVector<Value> kvTokens;
    Value rowBase = mulc(block, t.blockKV);
    Value enabled = cmp(arith::CmpIPredicate::slt, block, kvEnd);
    copyTile(k, batch, kvHead, rowBase, nk, enabled, t.blockKV, d, sK,
             kIndices(slot), kvTokens);
    copyTile(v, batch, kvHead, rowBase, nk, enabled, t.blockKV, dv, sV,
             vIndices(slot), kvTokens);
    return commit(kvTokens);
  };
  // With empty mbarriers every slot is filled here: each step refills its
  // own slot once every warp is done with it. overlap: K runs one block
  // ahead of V (step j reads K_j and V_{j-1}); with the producer, every
  // K and V slot is filled here.
  for (int64_t s = 0; !overlap && s + 1 < t.stages + (release ? 1 : 0); ++s)
    lastGroup = loadKV(idx(s), idx(s));
  for (int64_t s = 0; overlap && s < t.stages; ++s)
    tmaKV(idx(s), idx(s), idx(s), /*withK=*/true, /*withV=*/false);
  for (int64_t s = 0; overlap && s + 1 < t.stages + (producer ? 1 : 0); ++s)
    tmaKV(idx(s), idx(s), vBar(idx(s)), /*withK=*/false, /*withV=*/true);
  // TMA: every thread waits on the mbarriers after their initialization;
  // the leader issues the prologue's loads first, so that they are in
  // flight during the barrier (docs/decisions.md, D34).
  if (tma)
    gpu::BarrierOp::create(b);

  // Loop state: O fragments [mTiles][dv / 8], row max and row sum [mTiles]
  // (raw, unscaled scores; each lane's partial sum over its columns).
  int64_t nTilesS = t.blockKV / 8, nTilesO = dv / 8;
  SmallVector<Value> init;
  for (int64_t i = 0; i < mTiles * nTilesO; ++i)
    init.push_back(zeroAcc());
  float negInf = -std::numeric_limits<float>::infinity();
  Value negInfRow = arith::ConstantOp::create(
      b, DenseElementsAttr::get(rowType, b.getF32FloatAttr(negInf)));
  Value zeroRow = arith::ConstantOp::create(
      b, DenseElementsAttr::get(rowType, b.getF32FloatAttr(0.0f)));
  for (int64_t i = 0; i < mTiles; ++i)
    init.push_back(negInfRow);
  for (int64_t i = 0; i < mTiles; ++i)
    init.push_back(zeroRow);

  Value warpRow = mulc(warp, rowsPerWarp);
  // wgmma: this warpgroup's 64 rows of Q (K-major: 8-row groups 1 KiB
  // apart).
  Value qDesc;
  if (wg) {
    Value rows = arith::IndexCastOp::create(
        b, b.getI64Type(), mulc(divc(tid, 128), 64 * 128));
    qDesc = descriptor(arith::AddIOp::create(b, sharedBase, rows),
                       /*leadingBytes=*/16, /*strideBytes=*/1024);
  }
  // pingpong: named barrier 1 + i is consumer warpgroup i's turn; it waits
  // there (bar.sync of its 128 threads) for the previous warpgroup's 128
  // arrivals (bar.arrive), and arrives on the next one's. The ids are
  // warp-uniform, so each warp passes the barrier as a whole.
  // The last warpgroup keeps its turn after the tile's last kv-block
  // (passTurnUnlessLast), so every barrier gets as many arrivals as waits.
  int64_t consumerGroups = t.warps / 4;
  std::function<void()> waitTurn, passTurn, takeFirstTurn;
  std::function<void(Value)> passTurnUnlessLast;
  Value wgIndex;
  if (pingpong) {
    wgIndex = divc(tid, 128);
    auto i32 = [&](Value v) {
      return arith::IndexCastOp::create(b, b.getI32Type(), v);
    };
    Value pair = arith::ConstantIntOp::create(b, b.getI32Type(), 256);
    Value mine = i32(addc(wgIndex, 1));
    Value next = i32(addc(remc(addc(wgIndex, 1), consumerGroups), 1));
    waitTurn = [&, mine, pair] {
      NVVM::BarrierOp::create(b, TypeRange{}, mine, pair,
                              /*reductionOp=*/{}, /*reductionPredicate=*/Value());
    };
    passTurn = [&, next, pair] {
      NVVM::BarrierArriveOp::create(b, next, pair);
    };
    // Warpgroup 0's own arrival on its barrier: its first wait returns.
    takeFirstTurn = [&, mine, pair] {
      ifThen(cmp(arith::CmpIPredicate::eq, wgIndex, idx(0)),
             [&] { NVVM::BarrierArriveOp::create(b, mine, pair); });
    };
    passTurnUnlessLast = [&](Value block) {
      ifThen(arith::OrIOp::create(
                 b,
                 cmp(arith::CmpIPredicate::ne, wgIndex,
                     idx(consumerGroups - 1)),
                 cmp(arith::CmpIPredicate::ne, block,
                     arith::SubIOp::create(b, kvEnd, one))),
             [&] { passTurn(); });
    };
  }
  Value negInfF = f32c(negInf), zeroF = f32c(0.0), c = f32c(scaleLog2);
  // The mask operand at (row, col) of this (batch, head): broadcast
  // dimensions read index 0, rows and keys clamped into range (the scores
  // out of range are dropped anyway). Biases come back as f32, keep-masks
  // as i1.
  Value mask = op.getMask();
  Value invScale = f32c(1.0 / scale);
  std::function<Value(Value, Value)> maskValue;
  if (mask) {
    auto maskType = cast<MemRefType>(mask.getType());
    Value lastRow = lastIndex(nq), lastCol = lastIndex(nk);
    maskValue = [&, maskType, lastRow, lastCol](Value row, Value col) {
      auto pick = [&](int64_t dim, Value index) -> Value {
        return maskType.getDimSize(dim) == 1 ? idx(0) : index;
      };
      Value v = memref::LoadOp::create(
          b, mask,
          ValueRange{pick(0, batch), pick(1, head),
                     pick(2, minu(row, lastRow)), pick(3, minu(col, lastCol))});
      if (v.getType().isInteger(1) || v.getType().isF32())
        return v;
      return Value(arith::ExtFOp::create(b, f32, v));
    };
  }

  // Keys past Nk, and (causal) keys right of a row's diagonal, in the
  // scores `s` of kv-block j.
  auto maskScores = [&](ArrayRef<Value> s, Value j) {
    SmallVector<Value> maskedS;
    Value colBase =
        add(mulc(j, t.blockKV), mulc(remc(lane, 4), 2));
    Value rowBase = add(add(qBase, warpRow), divc(lane, 4));
    for (int64_t mi = 0; mi < mTiles; ++mi) {
      for (int64_t nj = 0; nj < nTilesS; ++nj) {
        SmallVector<Value> elems;
        Value frag = s[mi * nTilesS + nj];
        for (int64_t r = 0; r < 2; ++r) {
          Value row = addc(rowBase, 16 * mi + 8 * r);
          Value limit = add(row, diagonal);
          for (int64_t cc = 0; cc < 2; ++cc) {
            Value col = addc(colBase, 8 * nj + cc);
            Value keep = cmp(arith::CmpIPredicate::slt, col, nk);
            if (causal)
              keep = arith::AndIOp::create(
                  b, keep, cmp(arith::CmpIPredicate::sle, col, limit));
            Value score = element(frag, r, cc);
            if (maskValue) {
              Value m = maskValue(row, col);
              if (m.getType().isInteger(1))
                keep = arith::AndIOp::create(b, keep, m);
              else // bias / scale: the scores here are unscaled
                score = math::FmaOp::create(b, m, invScale, score);
            }
            elems.push_back(select(keep, score, negInfF));
          }
        }
        maskedS.push_back(vector::FromElementsOp::create(b, accType, elems));
      }
    }
    return maskedS;
  };

  // The online softmax of the scores `s` (two rows per lane per m-tile)
  // against the running max and sum: P's fragments, the new max and sum
  // rows and each m-tile's rescale factor of O, applied to `acc` unless
  // it is empty.
  struct Softmax {
    SmallVector<SmallVector<Value>> pFrags;
    SmallVector<Value> maxRows, sums, scales;
  };
  auto softmax = [&](ArrayRef<Value> s, ArrayRef<Value> rowMax,
                     ArrayRef<Value> rowSum,
                     MutableArrayRef<Value> acc) -> Softmax {
    SmallVector<Value> newMax, newSum, scales;
    SmallVector<SmallVector<Value>> pFrags(mTiles);
    for (int64_t mi = 0; mi < mTiles; ++mi) {
      SmallVector<Value> alphas, mUse;
      for (int64_t r = 0; r < 2; ++r) {
        Value m = element(s[mi * nTilesS], r, 0);
        for (int64_t nj = 0; nj < nTilesS; ++nj)
          for (int64_t cc = 0; cc < 2; ++cc)
            if (nj || cc)
              m = arith::MaximumFOp::create(b, m,
                                            element(s[mi * nTilesS + nj], r, cc));
        m = arith::MaximumFOp::create(b, m, shuffleXor(m, 1));
        m = arith::MaximumFOp::create(b, m, shuffleXor(m, 2));
        Value old = element(rowMax[mi], r);
        Value mNew = arith::MaximumFOp::create(b, old, m);
        newMax.push_back(mNew);
        // A row with nothing visible yet keeps max -inf: subtract 0 instead
        // (exp2(-inf) = 0 for its scores, never inf - inf).
        Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mNew,
                                            negInfF);
        Value used = select(isInf, zeroF, mNew);
        mUse.push_back(used);
        alphas.push_back(exp2(arith::MulFOp::create(
            b, arith::SubFOp::create(b, old, used), c)));
      }
      SmallVector<Value> partial = {zeroF, zeroF};
      for (int64_t nj = 0; nj < nTilesS; ++nj) {
        SmallVector<Value> elems;
        for (int64_t r = 0; r < 2; ++r) {
          Value negMc = arith::NegFOp::create(
              b, arith::MulFOp::create(b, mUse[r], c));
          for (int64_t cc = 0; cc < 2; ++cc) {
            Value x = element(s[mi * nTilesS + nj], r, cc);
            Value p = exp2(math::FmaOp::create(b, x, c, negMc));
            partial[r] = arith::AddFOp::create(b, partial[r], p);
            elems.push_back(p);
          }
        }
        pFrags[mi].push_back(
            vector::FromElementsOp::create(b, accType, elems));
      }
      SmallVector<Value> sums;
      for (int64_t r = 0; r < 2; ++r)
        sums.push_back(arith::AddFOp::create(
            b, arith::MulFOp::create(b, element(rowSum[mi], r), alphas[r]),
            partial[r]));
      newSum.push_back(vector::FromElementsOp::create(b, rowType, sums));
      Value scaleAcc = vector::FromElementsOp::create(
          b, accType, ValueRange{alphas[0], alphas[0], alphas[1], alphas[1]});
      scales.push_back(scaleAcc);
      for (int64_t dn = 0; !acc.empty() && dn < nTilesO; ++dn) {
        Value &a = acc[mi * nTilesO + dn];
        a = arith::MulFOp::create(b, a, scaleAcc);
      }
    }
    SmallVector<Value> newMaxRows;
    for (int64_t mi = 0; mi < mTiles; ++mi)
      newMaxRows.push_back(vector::FromElementsOp::create(
          b, rowType, ValueRange{newMax[2 * mi], newMax[2 * mi + 1]}));
    return {pFrags, newMaxRows, newSum, scales};
  };

  // P's A fragments of k16 step kk (one per m-tile), converted in
  // registers.
  auto aType = VectorType::get({4, 2}, elt);
  auto aFragments = [&](ArrayRef<SmallVector<Value>> pFrags, int64_t kk) {
    SmallVector<Value> aFrag;
    for (int64_t mi = 0; mi < mTiles; ++mi) {
      SmallVector<Value> regs;
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t r = 0; r < 2; ++r) {
          Value row = vector::ExtractOp::create(
              b, pFrags[mi][2 * kk + h], ArrayRef<int64_t>{r});
          Value narrow = arith::TruncFOp::create(b, pairType, row);
          regs.push_back(element(narrow, 0));
          regs.push_back(element(narrow, 1));
        }
      aFrag.push_back(vector::FromElementsOp::create(b, aType, regs));
    }
    return aFrag;
  };

  auto sharedAddress = [&](Value elementOffset) -> Value {
    return arith::AddIOp::create(
        b, sharedBase,
        arith::IndexCastOp::create(b, b.getI64Type(), mulc(elementOffset, 2)));
  };
  // wgmma descriptors of a slot's tiles. K [block_kv, d] is K-major for the
  // B operand of Q K^T; V [block_kv, dv] is MN-major for the B operand of
  // P V: 64-column blocks block_kv rows apart, 8-row groups 1 KiB apart.
  auto kDescriptor = [&](Value slot) {
    return descriptor(sharedAddress(kOffset(slot)), /*leadingBytes=*/16,
                      /*strideBytes=*/1024);
  };
  auto vDescriptor = [&](Value slot) {
    return descriptor(sharedAddress(vOffset(slot)),
                      /*leadingBytes=*/t.blockKV * 128, /*strideBytes=*/1024);
  };
  // P's registers for the A operand of the P V wgmma.
  auto pRegisters = [&](ArrayRef<SmallVector<Value>> pFrags) {
    SmallVector<Value> pRegs;
    for (int64_t kk = 0; kk < t.blockKV / 16; ++kk)
      pRegs.append(packed(aFragments(pFrags, kk)[0], 4));
    return pRegs;
  };

  // An scf.for over kv-blocks [lb, ub) carrying `loopInit`, the builder
  // moved into its body (the caller's guard restores it).
  auto openLoop = [&](Value lb, Value ub, ValueRange loopInit) {
    auto loop = scf::ForOp::create(b, lb, ub, one, loopInit);
    b.setInsertionPointToStart(loop.getBody());
    return loop;
  };

  // One kv-block step; `masked` adds the key masks (the blocks past the
  // last full block, and causal blocks crossing a row's diagonal), with
  // `maskFrom` only to blocks j >= maskFrom, under a branch.
  auto buildLoop = [&](Value lb, Value ub, ValueRange loopInit, bool masked,
                       Value maskFrom = Value()) -> scf::ForOp {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp loop = openLoop(lb, ub, loopInit);
    Value j = loop.getInductionVar();
    ValueRange state = loop.getRegionIterArgs();
    SmallVector<Value> acc(state.begin(), state.begin() + mTiles * nTilesO);
    SmallVector<Value> rowMax(state.begin() + mTiles * nTilesO,
                              state.begin() + mTiles * nTilesO + mTiles);
    SmallVector<Value> rowSum(state.begin() + mTiles * nTilesO + mTiles,
                              state.end());

    // Issue block j + stages - 1 into the slot block j - 1 used, and wait
    // for block j. wgmma reads shared memory through the async proxy: each
    // thread's completed copies are made visible to it
    // (fence.proxy.async) before the barrier. That fence is a memory
    // barrier (MEMBAR.ALL.CTA in SASS) that waits for the thread's copies
    // still in flight, so with 2 or more stages the next block's copies
    // are issued after it and after the barrier, which also frees the slot
    // (every thread is past the previous step): waiting for block j then
    // leaves stages - 2 groups in flight, and the step needs no closing
    // barrier. The mma-sync kernel does the same for the one barrier.
    Value ahead = addc(j, t.stages - 1);
    bool issueAfterBarrier = t.stages >= 2;
    // TMA: the wait is on block j's mbarrier, whose phase parity flips each
    // time the slot is refilled; TMA writes and wgmma reads are both in the
    // async proxy, and the mbarrier's phase orders them: no proxy fence.
    if (tma) {
      if (!release && !issueAfterBarrier)
        loadKV(ahead, remc(ahead, t.stages));
      waitFor(remc(j, t.stages), remc(divc(j, t.stages), 2));
    } else if (!issueAfterBarrier) {
      Value group = loadKV(ahead, remc(ahead, t.stages));
      nvgpu::DeviceAsyncWaitOp::create(b, group,
                                       b.getI32IntegerAttr(t.stages - 1));
    } else {
      nvgpu::DeviceAsyncWaitOp::create(b, lastGroup,
                                       b.getI32IntegerAttr(t.stages - 2));
    }
    if (wg && !tma)
      NVVM::FenceProxyOp::create(
          b, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
          NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    if (!release)
      gpu::BarrierOp::create(b);
    if (!release && issueAfterBarrier)
      loadKV(ahead, remc(ahead, t.stages));
    Value slot = remc(j, t.stages);

    // S = Q K^T.
    SmallVector<Value> s(mTiles * nTilesS);
    Value laneRow16 = remc(lane, 16), laneHalf = divc(lane, 16);
    Value laneRow8 = remc(lane, 8), laneQuarter = remc(divc(lane, 8), 2);
    if (pingpong) {
      // The turn passes once S_j is issued: the next warpgroup's wgmmas
      // queue behind it while this one computes the softmax.
      Value scores = issueScores(qDesc, kDescriptor(slot));
      passTurn();
      NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
      s = scoreFragments(scores);
    } else if (wg) {
      s = wgmmaScores(qDesc, kDescriptor(slot));
    } else {
      for (Value &x : s)
        x = zeroAcc();
      for (int64_t kk = 0; kk < d / 16; ++kk) {
        SmallVector<Value> aFrag;
        for (int64_t mi = 0; mi < mTiles; ++mi)
          aFrag.push_back(ldmatrix(
              sQ, {add(addc(warpRow, 16 * mi), laneRow16),
                   addc(mulc(laneHalf, 8), 16 * kk)},
              /*transpose=*/false));
        for (int64_t np = 0; np < nTilesS / 2; ++np) {
          Value x4 = ldmatrix(
              sK, {slot, add(addc(mulc(laneHalf, 8), 16 * np), laneRow8),
                   addc(mulc(laneQuarter, 8), 16 * kk)},
              /*transpose=*/false);
          mmaTilePair(x4, aFrag, s, nTilesS, np);
        }
      }
    }

    // maskFrom: blocks j >= maskFrom take the mask, the others skip it.
    if (masked && maskFrom) {
      SmallVector<Type> types(s.size(), accType);
      auto branch = scf::IfOp::create(
          b, types, cmp(arith::CmpIPredicate::sge, j, maskFrom),
          /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard ifGuard(b);
        b.setInsertionPointToStart(&branch.getThenRegion().front());
        scf::YieldOp::create(b, maskScores(s, j));
        b.setInsertionPointToStart(&branch.getElseRegion().front());
        scf::YieldOp::create(b, s);
      }
      s.assign(branch.getResults().begin(), branch.getResults().end());
    } else if (masked) {
      s = maskScores(s, j);
    }

    // Online softmax per row.
    auto [pFrags, newMaxRows, newSum, scales] =
        softmax(s, rowMax, rowSum, acc);

    // O += P V, P converted in registers into A fragments.
    SmallVector<Value> pRegs;
    if (wg)
      pRegs = pRegisters(pFrags);
    for (int64_t kk = 0; !wg && kk < t.blockKV / 16; ++kk) {
      SmallVector<Value> aFrag = aFragments(pFrags, kk);
      for (int64_t np = 0; np < nTilesO / 2; ++np) {
        Value x4 = ldmatrix(
            sV, {slot, add(addc(mulc(laneQuarter, 8), 16 * kk), laneRow8),
                 addc(mulc(laneHalf, 8), 16 * np)},
            /*transpose=*/true);
        mmaTilePair(x4, aFrag, acc, nTilesO, np);
      }
    }
    if (pingpong)
      waitTurn();
    if (wg)
      wgmmaPV(acc, pRegs, vDescriptor(slot));
    // The slot is refilled by the next iteration's copies: a barrier first,
    // unless they are issued after the next step's barrier anyway (every
    // thread is then past this step, its wgmmas waited for).
    if (!release && !issueAfterBarrier)
      gpu::BarrierOp::create(b);
    // TMA: the warp is done with the slot (its wgmmas waited for): its first
    // lane arrives on the slot's empty mbarrier; thread 0 waits there for
    // every warp (CUTLASS's consumer release / producer acquire) and refills
    // the slot with block j + stages. Only warp 0 waits; no block-wide
    // barrier.
    if (release) {
      Value slotIndex = remc(j, t.stages);
      Value emptyId = emptyBar(slotIndex);
      arriveEmpty(emptyId);
      Value next = addc(j, t.stages);
      Value refill = arith::AndIOp::create(
          b, leader, cmp(arith::CmpIPredicate::slt, next, kvEnd));
      if (!producer)
        ifThen(refill, [&] {
          tryWait(emptyId, remc(divc(j, t.stages), 2));
          loadKV(next, slotIndex);
        });
    }
    SmallVector<Value> yields(acc);
    yields.append(newMaxRows);
    yields.append(newSum);
    scf::YieldOp::create(b, yields);
    return loop;
  };
  // overlap: the step of kv-block j >= 1, after block 0's scores and
  // softmax. The loop state is the serial loop's plus P_{j-1}'s registers.
  // Step j frees K slot (j - 1) % stages (S_{j-1} was waited for) and V
  // slot (j - 2) % stages (P_{j-2} V_{j-2} too) once every warpgroup is
  // past the barrier, and thread 0 refills them with K_{j+stages-1} and
  // V_{j+stages-2}. With the producer each warp releases K slot j % stages
  // once S_j is done and V slot (j - 1) % stages once P_{j-1} V_{j-1} is,
  // on their empty mbarriers, and the producer refills them.
  auto buildOverlapLoop = [&](Value lb, Value ub, ValueRange loopInit,
                              bool masked) -> scf::ForOp {
    OpBuilder::InsertionGuard guard(b);
    scf::ForOp loop = openLoop(lb, ub, loopInit);
    Value j = loop.getInductionVar();
    ValueRange state = loop.getRegionIterArgs();
    SmallVector<Value> acc(state.begin(), state.begin() + nTilesO);
    Value rowMax = state[nTilesO], rowSum = state[nTilesO + 1];
    SmallVector<Value> pRegs(state.begin() + nTilesO + 2, state.end());
    if (!producer) {
      gpu::BarrierOp::create(b);
      Value kAhead = addc(j, t.stages - 1), vAhead = addc(j, t.stages - 2);
      Value kSlot = remc(kAhead, t.stages), vSlot = remc(vAhead, t.stages);
      tmaKV(kAhead, kSlot, kSlot, /*withK=*/true, /*withV=*/false);
      tmaKV(vAhead, vSlot, vBar(vSlot), /*withK=*/false, /*withV=*/true);
    }
    // S_j, then P_{j-1} V_{j-1}: two wgmma groups; the first is waited for,
    // the softmax runs while the second is in flight.
    Value prev = arith::SubIOp::create(b, j, one);
    Value prevSlot = remc(prev, t.stages);
    SmallVector<Value> vDescs = pvDescriptors(vDescriptor(prevSlot));
    Value kSlot = remc(j, t.stages);
    Value kDesc = kDescriptor(kSlot);
    waitFor(kSlot, remc(divc(j, t.stages), 2));
    // pingpong: this warpgroup's turn covers the issue of S_j and
    // P_{j-1} V_{j-1} (block 0's S was the first turn).
    if (pingpong)
      waitTurn();
    Value scores = issueScores(qDesc, kDesc);
    waitFor(vBar(prevSlot), remc(divc(prev, t.stages), 2));
    SmallVector<Value> out = issuePV(acc, pRegs, vDescs);
    if (pingpong)
      passTurnUnlessLast(j);
    NVVM::WgmmaWaitGroupSyncOp::create(b, 1);
    if (producer)
      arriveEmpty(emptyBar(kSlot));
    SmallVector<Value> sj = scoreFragments(scores);
    if (masked)
      sj = maskScores(sj, j);
    Softmax step = softmax(sj, rowMax, rowSum, {});
    // The wait for P V starts a basic block: ptxas schedules within one and
    // would move the wait up to the first exponentials (the softmax would
    // then not overlap the wgmmas); it keeps the block order. The branch
    // before it is never taken (blockIdx.x < gridDim.x); its condition
    // reads the row sums, so LLVM keeps every exponential before it instead
    // of sinking them to their uses after the wait, through a warp vote: a
    // divergent branch there makes ptxas serialize the wgmmas. The branch
    // runs a `nanosleep 0` that ptxas cannot drop; a `trap` there made
    // ptxas allocate the producer kernel's consumers within the kernel's
    // .maxnreg instead of their setmaxnreg budget (1,280 bytes of spills).
    Value sums = step.sums[0];
    Value unordered = NVVM::VoteSyncOp::create(
        b, b.getI1Type(), arith::ConstantIntOp::create(b, b.getI32Type(), -1),
        arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, element(sums, 0),
                              element(sums, 1)),
        NVVM::VoteSyncKind::any);
    ifThen(arith::AndIOp::create(
               b, cmp(arith::CmpIPredicate::uge, launch.getBlockIds().x,
                      launch.getGridSize().x),
               unordered),
           [&] {
             LLVM::InlineAsmOp::create(b, TypeRange{}, ValueRange{},
                                       "nanosleep.u32 0;", "",
                                       /*has_side_effects=*/true,
                                       /*is_align_stack=*/false,
                                       LLVM::TailCallKind::None,
                                       LLVM::AsmDialectAttr(), ArrayAttr());
           });
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    if (producer)
      arriveEmpty(vEmptyBar(prevSlot));
    // P_j's 16-bit registers only after P V: they take P_{j-1}'s registers,
    // which the wgmmas still read.
    SmallVector<Value> nextP = pRegisters(step.pFrags);
    SmallVector<Value> yields;
    finishPV(acc, out);
    for (Value &a : acc)
      yields.push_back(arith::MulFOp::create(b, a, step.scales[0]));
    yields.append(step.maxRows);
    yields.append(step.sums);
    yields.append(nextP);
    scf::YieldOp::create(b, yields);
    return loop;
  };

  // The blocks before `maskStart` need no mask (FlashAttention-2's split):
  // j < maskStart iff block j ends within Nk and (causal) its last key is
  // visible to the q-block's first row: (j + 1) * block_kv - 1 <= qBase +
  // Nk - Nq.
  Value maskStart = arith::DivUIOp::create(b, nk, idx(t.blockKV));
  if (causal) {
    Value firstRowEnd = addc(add(qBase, diagonal), 1);
    Value causalStart =
        arith::FloorDivSIOp::create(b, firstRowEnd, idx(t.blockKV));
    maskStart = arith::MinSIOp::create(b, maskStart, causalStart);
  }
  maskStart = arith::MaxSIOp::create(
      b, arith::MinSIOp::create(b, maskStart, kvEnd), idx(0));
  // A loop that static sizes leave empty is not built (non-causal with Nk a
  // multiple of block_kv has no masked block; Nk < block_kv no full one):
  // half the kernel, half the compile time.
  std::optional<int64_t> staticNk;
  if (!op.getKeyType().isDynamicDim(2))
    staticNk = op.getKeyType().getDimSize(2);
  // A mask operand applies to every block: one masked loop.
  if (mask)
    maskStart = idx(0);
  bool needFull = !mask && (causal || !staticNk || *staticNk >= t.blockKV);
  bool needMasked =
      mask || causal || !staticNk || *staticNk % t.blockKV != 0;
  // The producer warpgroup refills each slot with block j once every
  // consumer warp has released block j - stages from it; the consumer warps
  // run the rest of the kernel. The block starts with the register file
  // over its threads each (ptxas allocates at most that); the producer keeps
  // 24 and the consumers share the rest (FlashAttention-3's split).
  if (producer) {
    auto split = scf::IfOp::create(
        b, cmp(arith::CmpIPredicate::ult, tid, idx(threads)),
        /*withElseRegion=*/true);
    b.setInsertionPointToStart(&split.getThenRegion().front());
    NVVM::SetMaxRegisterOp::create(
        b, b.getI32IntegerAttr(consumerRegs),
        NVVM::SetMaxRegisterActionAttr::get(
            ctx, NVVM::SetMaxRegisterAction::increase));
    b.setInsertionPointToStart(&split.getElseRegion().front());
    NVVM::SetMaxRegisterOp::create(
        b, b.getI32IntegerAttr(kProducerRegisters),
        NVVM::SetMaxRegisterActionAttr::get(
            ctx, NVVM::SetMaxRegisterAction::decrease));
    ifThen(leader, [&] {
      auto refills = scf::ForOp::create(b, idx(t.stages), kvEnd, one);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(refills.getBody());
      Value block = refills.getInductionVar();
      Value slot = remc(block, t.stages);
      Value parity = remc(addc(divc(block, t.stages), -1), 2);
      tryWait(emptyBar(slot), parity);
      if (!overlap) {
        loadKV(block, slot);
        return;
      }
      // overlap: K and V slots are freed and refilled apart.
      tmaKV(block, slot, slot, /*withK=*/true, /*withV=*/false);
      tryWait(vEmptyBar(slot), parity);
      tmaKV(block, slot, vBar(slot), /*withK=*/false, /*withV=*/true);
    });
    b.setInsertionPoint(split.getThenRegion().front().getTerminator());
  }
  if (tma)
    waitFor(idx(t.stages), idx(0)); // Q
  // pingpong (serial): warpgroup 0 takes the first turn (its own arrivals
  // complete its barrier), the others wait for theirs.
  if (pingpong && !overlap) {
    takeFirstTurn();
    waitTurn();
  }
  SmallVector<Value> results(init);
  if (overlap) {
    // Block 0 (when the q-block sees any): its scores and softmax, with the
    // masks (whether it needs them or not); its P V is the next step's.
    Value any = cmp(arith::CmpIPredicate::sgt, kvEnd, idx(0));
    SmallVector<Value> pZero(
        t.blockKV / 4,
        arith::ConstantIntOp::create(b, b.getI32Type(), 0).getResult());
    SmallVector<Value> state(init);
    state.append(pZero);
    auto first = scf::IfOp::create(b, ValueRange(state).getTypes(), any,
                                   /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&first.getThenRegion().front());
      waitFor(idx(0), idx(0));
      // pingpong: block 0's S is a turn too (warpgroup 0 holds the first),
      // so the warpgroups' first softmaxes do not coincide.
      if (pingpong)
        ifThen(cmp(arith::CmpIPredicate::ne, wgIndex, idx(0)),
               [&] { waitTurn(); });
      Value scores0 = issueScores(qDesc, kDescriptor(idx(0)));
      if (pingpong)
        passTurnUnlessLast(idx(0));
      NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
      SmallVector<Value> s0 = maskScores(scoreFragments(scores0), idx(0));
      if (producer)
        arriveEmpty(emptyBar(idx(0)));
      Softmax step = softmax(s0, init[nTilesO], init[nTilesO + 1], {});
      SmallVector<Value> yields(init.begin(), init.begin() + nTilesO);
      yields.append(step.maxRows);
      yields.append(step.sums);
      yields.append(pRegisters(step.pFrags));
      scf::YieldOp::create(b, yields);
      b.setInsertionPointToStart(&first.getElseRegion().front());
      scf::YieldOp::create(b, state);
    }
    state.assign(first.getResults().begin(), first.getResults().end());
    Value split = arith::MaxSIOp::create(b, maskStart, one);
    if (needFull) {
      scf::ForOp full = buildOverlapLoop(one, needMasked ? split : kvEnd,
                                         state, /*masked=*/false);
      state.assign(full.getResults().begin(), full.getResults().end());
    }
    if (needMasked) {
      scf::ForOp masked = buildOverlapLoop(needFull ? split : one, kvEnd,
                                           state, /*masked=*/true);
      state.assign(masked.getResults().begin(), masked.getResults().end());
    }
    // The last block's P V.
    SmallVector<Value> acc(state.begin(), state.begin() + nTilesO);
    auto last = scf::IfOp::create(b, ValueRange(acc).getTypes(), any,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&last.getThenRegion().front());
      Value lastBlock = arith::SubIOp::create(b, kvEnd, one);
      Value lastSlot = remc(lastBlock, t.stages);
      // One stage: the steps loaded V up to the one before; the slot is free
      // once every warpgroup is past its last P V.
      if (t.stages == 1 && !producer) {
        gpu::BarrierOp::create(b);
        tmaKV(lastBlock, lastSlot, vBar(lastSlot), /*withK=*/false,
              /*withV=*/true);
      }
      waitFor(vBar(lastSlot), remc(divc(lastBlock, t.stages), 2));
      SmallVector<Value> sum(acc);
      wgmmaPV(sum, ArrayRef<Value>(state).drop_front(nTilesO + 2),
              vDescriptor(lastSlot));
      scf::YieldOp::create(b, sum);
      b.setInsertionPointToStart(&last.getElseRegion().front());
      scf::YieldOp::create(b, acc);
    }
    results.assign(last.getResults().begin(), last.getResults().end());
    results.push_back(state[nTilesO]);
    results.push_back(state[nTilesO + 1]);
  }
  if (branchMasked && needFull && needMasked) {
    scf::ForOp both = buildLoop(idx(0), kvEnd, results, /*masked=*/true,
                                /*maskFrom=*/maskStart);
    results.assign(both.getResults().begin(), both.getResults().end());
    needFull = needMasked = false;
  }
  if (!overlap && needFull) {
    scf::ForOp full = buildLoop(idx(0), needMasked ? maskStart : kvEnd,
                                results, /*masked=*/false);
    results.assign(full.getResults().begin(), full.getResults().end());
  }
  if (!overlap && needMasked) {
    scf::ForOp masked = buildLoop(needFull ? maskStart : idx(0), kvEnd,
                                  results, /*masked=*/true);
    results.assign(masked.getResults().begin(), masked.getResults().end());
  }
  // pingpong: the last turn passes on, except from the last warpgroup,
  // whose next (warpgroup 0) waits for no further turn: every barrier gets
  // as many arrivals as waits.
  if (pingpong && !overlap)
    ifThen(cmp(arith::CmpIPredicate::ne, wgIndex, idx(consumerGroups - 1)),
           [&] { passTurn(); });
  // No copy may be in flight when the block exits (TMA: every load issued
  // was waited for).
  if (!tma)
    nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));

  // Epilogue: O / l (0 for a row with nothing visible), logsumexp. O's
  // rows go to global memory one of three ways:
  // * tmaStore: over this warp's Q rows in shared memory (the warpgroup's
  //   wgmmas, which read them, are all done), then through TMA, which drops
  //   the rows past Nq;
  // * stagedStore (mma-sync), when O is 16-byte aligned: over this warp's Q
  //   rows (only this warp's ldmatrix read them), then 16 bytes a lane,
  //   rows < Nq;
  // * else one store a lane per element pair, rows < Nq.
  Value tileRowBase = add(warpRow, divc(lane, 4));
  Value rowBase = add(qBase, tileRowBase);
  Value colBase = mulc(remc(lane, 4), 2);
  Value quadLeader = cmp(arith::CmpIPredicate::eq, remc(lane, 4), idx(0));
  // Row (mi, r) of the lane: its quad's sum, whether it is empty, 1 / sum.
  SmallVector<Value> sums, empties, inverses;
  for (int64_t mi = 0; mi < mTiles; ++mi) {
    Value sumRow = results[mTiles * nTilesO + mTiles + mi];
    for (int64_t r = 0; r < 2; ++r) {
      Value l = element(sumRow, r);
      l = arith::AddFOp::create(b, l, shuffleXor(l, 1));
      l = arith::AddFOp::create(b, l, shuffleXor(l, 2));
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, l, zeroF);
      sums.push_back(l);
      empties.push_back(empty);
      inverses.push_back(
          select(empty, zeroF, arith::DivFOp::create(b, f32c(1.0), l)));
    }
  }
  // The lane's pair of row (mi, r), columns colBase + 8 dn, normalized.
  auto normalized = [&](int64_t mi, int64_t r, int64_t dn) -> Value {
    Value frag = results[mi * nTilesO + dn];
    Value pair = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{r});
    Value scaled = arith::MulFOp::create(
        b, pair,
        vector::BroadcastOp::create(b, rowType, inverses[mi * 2 + r]));
    return arith::TruncFOp::create(b, pairType, scaled);
  };
  // Runs `body(mi, r, row)` for the lane's rows below Nq.
  auto forRowsInBounds =
      [&](const std::function<void(int64_t, int64_t, Value)> &body) {
        for (int64_t mi = 0; mi < mTiles; ++mi)
          for (int64_t r = 0; r < 2; ++r) {
            Value row = addc(rowBase, 16 * mi + 8 * r);
            ifThen(cmp(arith::CmpIPredicate::ult, row, nq),
                   [&] { body(mi, r, row); });
          }
      };
  auto storePairsToGlobal = [&] {
    forRowsInBounds([&](int64_t mi, int64_t r, Value row) {
      for (int64_t dn = 0; dn < nTilesO; ++dn)
        vector::StoreOp::create(b, normalized(mi, r, dn), o,
                                ValueRange{batch, head, row,
                                           addc(colBase, 8 * dn)});
    });
  };
  // Each pair over the warp's Q rows in shared memory, 4-byte aligned (a
  // pair never crosses a 16-byte chunk) and free of bank conflicts (padded
  // rows; swizzled ones, whose chunks move by row % 8).
  auto storePairsToShared = [&] {
    for (int64_t mi = 0; mi < mTiles; ++mi)
      for (int64_t r = 0; r < 2; ++r) {
        Value tileRow = addc(tileRowBase, 16 * mi + 8 * r);
        for (int64_t dn = 0; dn < nTilesO; ++dn) {
          SmallVector<Value> at =
              wg ? SmallVector<Value>{add(swizzled(idx(0), t.blockQ, tileRow,
                                                   idx(8 * dn)),
                                          colBase)}
                 : SmallVector<Value>{tileRow, addc(colBase, 8 * dn)};
          vector::StoreOp::create(b, normalized(mi, r, dn), sQ, at,
                                  /*nontemporal=*/false, llvm::Align(4));
        }
      }
  };
  if (tmaStore) {
    storePairsToShared();
    // The warp's shared-memory writes, made visible to the async proxy, then
    // its first lane's stores of the warp's rows, one box per 64 columns.
    // The block may exit only once TMA has read them.
    NVVM::FenceProxyOp::create(
        b, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    syncWarp();
    ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(0)), [&] {
      for (int64_t block = 0; block < dv / 64; ++block) {
        Value offset = add(idx(block * t.blockQ * 64), mulc(warpRow, 64));
        Value bytes = add(pad, mulc(offset, 2));
        Value src = memref::ViewOp::create(b, boxType(rowsPerWarp), base,
                                           bytes, ValueRange{});
        nvgpu::TmaAsyncStoreOp::create(
            b, src, oMap,
            ValueRange{idx(64 * block), add(qBase, warpRow), head, batch},
            /*predicate=*/Value());
      }
      NVVM::CpAsyncBulkCommitGroupOp::create(b);
      NVVM::CpAsyncBulkWaitGroupOp::create(b, b.getI32IntegerAttr(0),
                                           b.getUnitAttr());
    });
  } else if (stagedStore) {
    // O's rows are dv * 2 bytes (a multiple of 16): 16-byte stores need its
    // base 16-byte aligned, checked here (warp-uniform).
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, o);
    Value aligned = cmp(arith::CmpIPredicate::eq, remc(address, 16), idx(0));
    auto ifAligned = scf::IfOp::create(b, aligned, /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifAligned.getThenRegion().front());
      storePairsToShared();
      syncWarp();
      int64_t chunksPerRow = dv / kChunk;
      auto chunkType = VectorType::get({kChunk}, elt);
      for (int64_t i = 0; i < rowsPerWarp * chunksPerRow / 32; ++i) {
        Value chunk = addc(lane, 32 * i);
        Value tileRow = add(warpRow, divc(chunk, chunksPerRow));
        Value col = mulc(remc(chunk, chunksPerRow), kChunk);
        Value row = add(qBase, tileRow);
        Value data = vector::LoadOp::create(
            b, chunkType, sQ, ValueRange{tileRow, col}, /*nontemporal=*/false,
            llvm::Align(16));
        ifThen(cmp(arith::CmpIPredicate::ult, row, nq), [&] {
          vector::StoreOp::create(b, data, o,
                                  ValueRange{batch, head, row, col},
                                  /*nontemporal=*/false, llvm::Align(16));
        });
      }
      b.setInsertionPointToStart(&ifAligned.getElseRegion().front());
      storePairsToGlobal();
    }
  } else {
    storePairsToGlobal();
  }
  if (lse) {
    forRowsInBounds([&](int64_t mi, int64_t r, Value row) {
      ifThen(quadLeader, [&] {
        Value m = element(results[mTiles * nTilesO + mi], r);
        Value value = arith::AddFOp::create(
            b, arith::MulFOp::create(b, m, f32c(scale)),
            math::LogOp::create(b, sums[mi * 2 + r]));
        value = select(empties[mi * 2 + r], negInfF, value);
        memref::StoreOp::create(b, value, lse, ValueRange{batch, head, row});
      });
    });
  }
}

namespace {
struct ConvertFAToNVGPUPass
    : public fa::impl::ConvertFAToNVGPUPassBase<ConvertFAToNVGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) {
      if (isNVGPUKernel(getKernelKind(op, KernelKind::Simt)))
        ops.push_back(op);
    });
    for (AttentionOp op : ops) {
      if (failed(convert(op)))
        return signalPassFailure();
      op->erase();
    }
  }

  LogicalResult convert(AttentionOp op) {
    if (!isa<MemRefType>(op.getQuery().getType()))
      return op.emitOpError(
          "expected the bufferized op (memref operands); run one-shot "
          "bufferization before convert-fa-to-nvgpu");
    for (Value operand : op->getOperands()) {
      auto type = cast<MemRefType>(operand.getType());
      if (!type.getLayout().isIdentity())
        return op.emitOpError("expected identity-layout memrefs (one-shot "
                              "bufferization with "
                              "function-boundary-type-conversion="
                              "identity-layout-map), got ")
               << type;
    }
    TilingAttr tilingAttr = op.getTilingAttr();
    if (!tilingAttr)
      return op.emitOpError("has no #fa.tiling; run fa-select-tiling first");
    TargetAttr targetAttr = lookupTarget(op);
    if (!targetAttr)
      return op.emitOpError("needs a #fa.target on the enclosing module; run "
                            "fa-set-target first");
    TargetInfo target = getTargetInfo(targetAttr);
    KernelSchedule schedule = getKernelSchedule(op.getScheduleAttr());
    KernelKind kind = schedule.kernel;
    StringRef name = stringifyKernelKind(kind);
    if (std::optional<std::string> why =
            nvgpuKernelUnsupportedReason(op, target, kind))
      return op.emitOpError("cannot use the ") << name << " kernel: " << *why;
    Tiling tiling = getTiling(tilingAttr);
    if (kind == KernelKind::MmaSync && !fitsMmaSyncShape(tiling))
      return op.emitOpError("tiling ")
             << tilingAttr
             << " does not fit the mma-sync kernel: block_q must be a "
                "multiple of 16 * warps and block_kv a multiple of 16";
    if (kind == KernelKind::Wgmma && !fitsWgmmaShape(tiling))
      return op.emitOpError("tiling ")
             << tilingAttr
             << " does not fit the wgmma kernel: block_q must be 16 * warps "
                "(64 rows per warpgroup of 4 warps) and block_kv a multiple "
                "of 16 up to 256";
    AttentionProblem problem = getAttentionProblem(op);
    if (std::optional<std::string> why =
            scheduleUnsupportedReason(schedule, tiling, problem, target))
      return op.emitOpError("schedule ")
             << op.getScheduleAttr() << " cannot be built: " << *why;
    int64_t bytes = sramBytes(tiling, problem, kind);
    if (bytes > target.sramPerBlock)
      return op.emitOpError("tiling ")
             << tilingAttr << " needs " << bytes
             << " bytes of shared memory per block but the target ("
             << target.arch << ") allows " << target.sramPerBlock;
    // The wgmma kernel's mbarriers are static shared memory (TMA), or not
    // needed (cp.async).
    if (kind == KernelKind::Wgmma)
      bytes -= wgmmaBarrierBytes(tiling.stages);
    KernelBuilder(op, tiling, schedule).build(bytes);
    return success();
  }
};
} // namespace
