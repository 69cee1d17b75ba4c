//===- MmaSyncMath.cpp - S = Q K^T and O += P V on mma.sync ---------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// The mma.sync product part (MmaSyncProducts) and the forward's S = Q K^T,
// O += P V on it: m16n8k16 with operands from ldmatrix of the padded tiles
// (V transposed by ldmatrix.trans): nvgpu.mma.sync for f16, nvvm.mma.sync for
// bf16 (MLIR 22's nvgpu.mma.sync cannot deduce bf16 PTX types). Fragment
// conventions (PTX ISA, mma.m16n8k16): lane l holds, of an m16n8 f32
// accumulator, rows l/4 and l/4 + 8 (vector<2x2xf32> row 0 and 1) and
// columns 2(l%4), 2(l%4) + 1.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

//===----------------------------------------------------------------------===//
// MmaSyncProducts
//===----------------------------------------------------------------------===//

Value MmaSyncProducts::ldmatrix(Value smem, ValueRange indices,
                                bool transpose) {
  auto type = VectorType::get({4, 2}, elt);
  return nvgpu::LdMatrixOp::create(e.b, type, smem, indices, transpose,
                                   /*numTiles=*/4);
}

Value MmaSyncProducts::half(Value x4, int64_t which) {
  // Row by row: vector.extract_strided_slice of a 2-D vector has no LLVM
  // lowering in the NVVM pipeline, vector.extract/insert of rows do.
  auto type = VectorType::get({2, 2}, elt);
  Value result = arith::ConstantOp::create(
      e.b, DenseElementsAttr::get(type, e.b.getZeroAttr(elt)));
  for (int64_t r = 0; r < 2; ++r) {
    Value row =
        vector::ExtractOp::create(e.b, x4, ArrayRef<int64_t>{2 * which + r});
    result = vector::InsertOp::create(e.b, row, result, ArrayRef<int64_t>{r});
  }
  return result;
}

Value MmaSyncProducts::zero() {
  auto accType = VectorType::get({2, 2}, e.b.getF32Type());
  return arith::ConstantOp::create(
      e.b, DenseElementsAttr::get(accType, e.b.getF32FloatAttr(0.0f)));
}

Value MmaSyncProducts::mma(Value a, Value bFrag, Value c) {
  ImplicitLocOpBuilder &b = e.b;
  if (elt.isF16())
    return nvgpu::MmaSyncOp::create(b, a, bFrag, c,
                                    ArrayRef<int64_t>{16, 8, 16});
  // bf16: nvvm.mma.sync on the fragments packed as i32 registers.
  SmallVector<Value> aRegs = packedPairs(e, a, 4),
                     bRegs = packedPairs(e, bFrag, 2);
  SmallVector<Value> cRegs = {e.element(c, 0, 0), e.element(c, 0, 1),
                              e.element(c, 1, 0), e.element(c, 1, 1)};
  Type f32 = b.getF32Type();
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
  return vector::FromElementsOp::create(b, VectorType::get({2, 2}, f32), out);
}

//===----------------------------------------------------------------------===//
// MmaSyncMath
//===----------------------------------------------------------------------===//

void MmaSyncMath::mmaTilePair(Value x4, ArrayRef<Value> aFrag,
                              MutableArrayRef<Value> accs, int64_t nTiles,
                              int64_t np) {
  for (int64_t h = 0; h < 2; ++h) {
    Value bFrag = ops.half(x4, h);
    for (int64_t mi = 0; mi < k.mTiles; ++mi) {
      Value &acc = accs[mi * nTiles + 2 * np + h];
      acc = ops.mma(aFrag[mi], bFrag, acc);
    }
  }
}

SmallVector<Value>
MmaSyncMath::scores(Value slot, const std::function<void()> &afterIssue) {
  SmallVector<Value> s(k.mTiles * k.nTilesS);
  laneRow16 = k.remc(k.lane, 16);
  laneHalf = k.divc(k.lane, 16);
  laneRow8 = k.remc(k.lane, 8);
  laneQuarter = k.remc(k.divc(k.lane, 8), 2);
  for (Value &x : s)
    x = ops.zero();
  for (int64_t kk = 0; kk < k.d / 16; ++kk) {
    SmallVector<Value> aFrag;
    for (int64_t mi = 0; mi < k.mTiles; ++mi)
      aFrag.push_back(ops.ldmatrix(
          tiles.sQ, {k.add(k.addc(k.warpRow, 16 * mi), laneRow16),
                     k.addc(k.mulc(laneHalf, 8), 16 * kk)},
          /*transpose=*/false));
    for (int64_t np = 0; np < k.nTilesS / 2; ++np) {
      Value x4 = ops.ldmatrix(
          tiles.sK,
          {slot, k.add(k.addc(k.mulc(laneHalf, 8), 16 * np), laneRow8),
           k.addc(k.mulc(laneQuarter, 8), 16 * kk)},
          /*transpose=*/false);
      mmaTilePair(x4, aFrag, s, k.nTilesS, np);
    }
  }
  if (afterIssue)
    afterIssue();
  return s;
}

void MmaSyncMath::accumulatePV(MutableArrayRef<Value> acc,
                               ArrayRef<SmallVector<Value>> pFrags, Value slot,
                               const std::function<void()> &beforeIssue) {
  if (beforeIssue)
    beforeIssue();
  for (int64_t kk = 0; kk < k.t.blockKV / 16; ++kk) {
    SmallVector<Value> aFrag = pAFragments(k, pFrags, kk);
    for (int64_t np = 0; np < k.nTilesO / 2; ++np) {
      Value x4 = ops.ldmatrix(
          tiles.sV,
          {slot, k.add(k.addc(k.mulc(laneQuarter, 8), 16 * kk), laneRow8),
           k.addc(k.mulc(laneHalf, 8), 16 * np)},
          /*transpose=*/true);
      mmaTilePair(x4, aFrag, acc, k.nTilesO, np);
    }
  }
}
