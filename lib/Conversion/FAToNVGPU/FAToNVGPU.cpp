//===- FAToNVGPU.cpp - fa.attention on buffers to an mma.sync kernel ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Generates the FlashAttention-2 forward kernel for a bufferized fa.attention
// whose `fa.kernel` is "mma-sync" (docs/GPU.md, "The mma-sync kernel"):
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
  KernelBuilder(AttentionOp op, const Tiling &tiling)
      : op(op), b(op.getLoc(), op), t(tiling) {
    elt = op.getQueryType().getElementType();
    d = op.getHeadDim();
    dv = op.getValueHeadDim();
    rowsPerWarp = t.blockQ / t.warps;
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
  Value element(Value v, int64_t i, int64_t j) {
    return vector::ExtractOp::create(b, v, ArrayRef<int64_t>{i, j});
  }
  Value element(Value v, int64_t i) {
    return vector::ExtractOp::create(b, v, ArrayRef<int64_t>{i});
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

  /// cp.async of a [rows, cols] tile of `src` (rows `rowBase`.. of head
  /// (`batch`, `head`)) into `dst` (at `dstPrefix`), zero-filling rows at or
  /// past `rowEnd` and every row when `enabled` is false.
  void copyTile(Value src, Value batch, Value head, Value rowBase,
                Value rowEnd, Value enabled, int64_t rows, int64_t cols,
                Value dst, ValueRange dstPrefix,
                SmallVectorImpl<Value> &tokens);
  Value commit(ArrayRef<Value> tokens) {
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  }

  AttentionOp op;
  ImplicitLocOpBuilder b;
  Tiling t;
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
  auto i32 = b.getI32Type();
  auto packed = [&](Value frag, int64_t n) {
    SmallVector<Value> regs;
    for (int64_t i = 0; i < n; ++i) {
      Value pair = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{i});
      Value asInt = vector::BitCastOp::create(
          b, VectorType::get({1}, i32), pair);
      regs.push_back(element(asInt, 0));
    }
    return regs;
  };
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

Value KernelBuilder::shuffleXor(Value v, int64_t offset) {
  Value off = arith::ConstantIntOp::create(b, b.getI32Type(), offset);
  Value width = arith::ConstantIntOp::create(b, b.getI32Type(), 32);
  return gpu::ShuffleOp::create(b, v, off, width, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

void KernelBuilder::copyTile(Value src, Value batch, Value head,
                             Value rowBase, Value rowEnd, Value enabled,
                             int64_t rows, int64_t cols, Value dst,
                             ValueRange dstPrefix,
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
    SmallVector<Value> dstIndices(dstPrefix);
    dstIndices.append({row, col});
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, dst, dstIndices, src, ValueRange{batch, head, srcRow, col},
        b.getIndexAttr(kChunk), srcElements, b.getUnitAttr()));
  }
}

void KernelBuilder::build(int64_t sharedBytes) {
  MLIRContext *ctx = b.getContext();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
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
  auto launch = gpu::LaunchOp::create(
      b, numQBlocks, idx(op.getNumQueryHeads()), batchSize, idx(threads),
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
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
  int64_t ldQ = d + kPad, ldK = d + kPad, ldV = dv + kPad;
  auto qType = MemRefType::get({t.blockQ, ldQ}, elt,
                               MemRefLayoutAttrInterface(), workgroup);
  auto kType = MemRefType::get({t.stages, t.blockKV, ldK}, elt,
                               MemRefLayoutAttrInterface(), workgroup);
  auto vType = MemRefType::get({t.stages, t.blockKV, ldV}, elt,
                               MemRefLayoutAttrInterface(), workgroup);
  int64_t qBytes = t.blockQ * ldQ * 2, kBytes = t.stages * t.blockKV * ldK * 2;
  Value sQ = memref::ViewOp::create(b, qType, base, idx(0), ValueRange{});
  Value sK = memref::ViewOp::create(b, kType, base, idx(qBytes), ValueRange{});
  Value sV = memref::ViewOp::create(b, vType, base, idx(qBytes + kBytes),
                                    ValueRange{});

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

  // Prologue: Q, then blocks 0 .. stages-2, one cp.async group each.
  Value trueV = arith::ConstantIntOp::create(b, b.getI1Type(), 1);
  SmallVector<Value> tokens;
  copyTile(q, batch, head, qBase, nq, trueV, t.blockQ, d, sQ, {}, tokens);
  Value lastGroup = commit(tokens);
  auto loadKV = [&](Value block, Value slot) {
    SmallVector<Value> kvTokens;
    Value rowBase = mulc(block, t.blockKV);
    Value enabled = cmp(arith::CmpIPredicate::slt, block, kvEnd);
    copyTile(k, batch, kvHead, rowBase, nk, enabled, t.blockKV, d, sK, slot,
             kvTokens);
    copyTile(v, batch, kvHead, rowBase, nk, enabled, t.blockKV, dv, sV, slot,
             kvTokens);
    return commit(kvTokens);
  };
  for (int64_t s = 0; s + 1 < t.stages; ++s)
    lastGroup = loadKV(idx(s), idx(s));

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

  // One kv-block step; `masked` adds the key masks (the blocks past the
  // last full block, and causal blocks crossing a row's diagonal).
  auto buildLoop = [&](Value lb, Value ub, ValueRange loopInit,
                       bool masked) -> scf::ForOp {
    auto loop = scf::ForOp::create(b, lb, ub, one, loopInit);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j = loop.getInductionVar();
    ValueRange state = loop.getRegionIterArgs();
    SmallVector<Value> acc(state.begin(), state.begin() + mTiles * nTilesO);
    SmallVector<Value> rowMax(state.begin() + mTiles * nTilesO,
                              state.begin() + mTiles * nTilesO + mTiles);
    SmallVector<Value> rowSum(state.begin() + mTiles * nTilesO + mTiles,
                              state.end());

    // Issue block j + stages - 1, then wait for block j.
    Value ahead = addc(j, t.stages - 1);
    Value group = loadKV(ahead, remc(ahead, t.stages));
    nvgpu::DeviceAsyncWaitOp::create(b, group,
                                     b.getI32IntegerAttr(t.stages - 1));
    gpu::BarrierOp::create(b);
    Value slot = remc(j, t.stages);

    // S = Q K^T.
    SmallVector<Value> s(mTiles * nTilesS);
    for (Value &x : s)
      x = zeroAcc();
    Value laneRow16 = remc(lane, 16), laneHalf = divc(lane, 16);
    Value laneRow8 = remc(lane, 8), laneQuarter = remc(divc(lane, 8), 2);
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

    // Keys past Nk, and (causal) keys right of a row's diagonal.
    if (masked) {
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
      s = maskedS;
    }

    // Online softmax per row (two rows per lane per m-tile).
    SmallVector<Value> newMax, newSum;
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
      for (int64_t dn = 0; dn < nTilesO; ++dn) {
        Value &a = acc[mi * nTilesO + dn];
        a = arith::MulFOp::create(b, a, scaleAcc);
      }
    }
    SmallVector<Value> newMaxRows;
    for (int64_t mi = 0; mi < mTiles; ++mi)
      newMaxRows.push_back(vector::FromElementsOp::create(
          b, rowType, ValueRange{newMax[2 * mi], newMax[2 * mi + 1]}));

    // O += P V, P converted in registers into A fragments.
    auto aType = VectorType::get({4, 2}, elt);
    for (int64_t kk = 0; kk < t.blockKV / 16; ++kk) {
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
      for (int64_t np = 0; np < nTilesO / 2; ++np) {
        Value x4 = ldmatrix(
            sV, {slot, add(addc(mulc(laneQuarter, 8), 16 * kk), laneRow8),
                 addc(mulc(laneHalf, 8), 16 * np)},
            /*transpose=*/true);
        mmaTilePair(x4, aFrag, acc, nTilesO, np);
      }
    }
    // The slot is refilled by the next iteration's copies.
    gpu::BarrierOp::create(b);
    SmallVector<Value> yields(acc);
    yields.append(newMaxRows);
    yields.append(newSum);
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
  SmallVector<Value> results(init);
  if (needFull) {
    scf::ForOp full = buildLoop(idx(0), needMasked ? maskStart : kvEnd,
                                results, /*masked=*/false);
    results.assign(full.getResults().begin(), full.getResults().end());
  }
  if (needMasked) {
    scf::ForOp masked = buildLoop(needFull ? maskStart : idx(0), kvEnd,
                                  results, /*masked=*/true);
    results.assign(masked.getResults().begin(), masked.getResults().end());
  }
  // No copy may be in flight when the block exits.
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));

  // Epilogue: O / l (0 for a row with nothing visible), logsumexp.

  Value rowBase = add(add(qBase, warpRow), divc(lane, 4));
  Value colBase = mulc(remc(lane, 4), 2);
  Value quadLeader = cmp(arith::CmpIPredicate::eq, remc(lane, 4), idx(0));
  for (int64_t mi = 0; mi < mTiles; ++mi) {
    Value sumRow = results[mTiles * nTilesO + mTiles + mi];
    Value maxRow = results[mTiles * nTilesO + mi];
    for (int64_t r = 0; r < 2; ++r) {
      Value l = element(sumRow, r);
      l = arith::AddFOp::create(b, l, shuffleXor(l, 1));
      l = arith::AddFOp::create(b, l, shuffleXor(l, 2));
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, l, zeroF);
      Value inv = select(empty, zeroF,
                         arith::DivFOp::create(b, f32c(1.0), l));
      Value row = addc(rowBase, 16 * mi + 8 * r);
      Value inBounds = cmp(arith::CmpIPredicate::ult, row, nq);
      auto ifRow = scf::IfOp::create(b, inBounds, /*withElse=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&ifRow.getThenRegion().front());
      for (int64_t dn = 0; dn < nTilesO; ++dn) {
        Value frag = results[mi * nTilesO + dn];
        Value pair = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{r});
        Value scaled = arith::MulFOp::create(
            b, pair, vector::BroadcastOp::create(b, rowType, inv));
        Value narrow = arith::TruncFOp::create(b, pairType, scaled);
        vector::StoreOp::create(b, narrow, o,
                                ValueRange{batch, head, row,
                                           addc(colBase, 8 * dn)});
      }
      if (lse) {
        auto ifLeader = scf::IfOp::create(b, quadLeader, /*withElse=*/false);
        b.setInsertionPointToStart(&ifLeader.getThenRegion().front());
        Value m = element(maxRow, r);
        Value value = arith::AddFOp::create(
            b, arith::MulFOp::create(b, m, f32c(scale)),
            math::LogOp::create(b, l));
        value = select(empty, negInfF, value);
        memref::StoreOp::create(b, value, lse, ValueRange{batch, head, row});
      }
    }
  }
}

namespace {
struct ConvertFAToNVGPUPass
    : public fa::impl::ConvertFAToNVGPUPassBase<ConvertFAToNVGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) {
      if (getKernelKind(op, KernelKind::Simt) == KernelKind::MmaSync)
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
    if (std::optional<std::string> why = mmaSyncUnsupportedReason(op, target))
      return op.emitOpError("cannot use the mma-sync kernel: ") << *why;
    Tiling tiling = getTiling(tilingAttr);
    if (tiling.blockQ % (16 * tiling.warps) != 0 || tiling.blockKV % 16 != 0)
      return op.emitOpError("tiling ")
             << tilingAttr
             << " does not fit the mma-sync kernel: block_q must be a "
                "multiple of 16 * warps and block_kv a multiple of 16";
    int64_t bytes =
        sramBytes(tiling, getAttentionProblem(op), KernelKind::MmaSync);
    if (bytes > target.sramPerBlock)
      return op.emitOpError("tiling ")
             << tilingAttr << " needs " << bytes
             << " bytes of shared memory per block but the target ("
             << target.arch << ") allows " << target.sramPerBlock;
    KernelBuilder(op, tiling).build(bytes);
    return success();
  }
};
} // namespace
