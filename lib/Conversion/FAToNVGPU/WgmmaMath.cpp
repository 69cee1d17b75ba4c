//===- WgmmaMath.cpp - S = Q K^T and O += P V on wgmma (sm_90a) -----------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// A warpgroup owns 64 query rows. S = Q K^T is nvvm.wgmma.mma_async with
// both operands in shared memory (128-byte swizzled, read through matrix
// descriptors); O += P V is wgmma with P in registers, written as PTX
// (MLIR 22's NVVM op takes A from shared memory only). Each product is
// issued as one commit group and waited for separately, so that the main
// loop can run the softmax while one is in flight.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

Value mlir::fa::nvgpu_kernel::wgmmaDescriptor(Emitter &e, Value addr,
                                              int64_t leadingBytes,
                                              int64_t strideBytes) {
  // PTX ISA, "Matrix Descriptor Format": the start address and the leading
  // and stride byte offsets in 16-byte units, layout type 1 (128-byte
  // swizzle) in bits 62-63.
  uint64_t fields = (uint64_t(leadingBytes >> 4) << 16) |
                    (uint64_t(strideBytes >> 4) << 32) | (uint64_t(1) << 62);
  Value start = arith::ShRUIOp::create(e.b, addr, e.i64c(4));
  return arith::OrIOp::create(e.b, start, e.i64c(int64_t(fields)));
}

Value mlir::fa::nvgpu_kernel::advanceDescriptor(Emitter &e, Value desc,
                                                int64_t bytes) {
  return bytes == 0 ? desc
                    : arith::AddIOp::create(e.b, desc, e.i64c(bytes >> 4));
}

Value WgmmaMath::descriptor(Value addr, int64_t leadingBytes,
                            int64_t strideBytes) {
  return wgmmaDescriptor(k, addr, leadingBytes, strideBytes);
}

Value WgmmaMath::advance(Value desc, int64_t bytes) {
  return advanceDescriptor(k, desc, bytes);
}

Value mlir::fa::nvgpu_kernel::issueSharedWgmma(
    Emitter &e, Type elt, int64_t n, int64_t steps,
    llvm::function_ref<std::pair<Value, Value>(int64_t)> descriptors,
    NVVM::MMALayout layoutA, NVVM::MMALayout layoutB) {
  ImplicitLocOpBuilder &b = e.b;
  MLIRContext *ctx = b.getContext();
  auto structType = LLVM::LLVMStructType::getLiteral(
      ctx, SmallVector<Type>(n / 2, b.getF32Type()));
  auto type = elt.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  Value acc = LLVM::PoisonOp::create(b, structType);
  NVVM::WgmmaFenceAlignedOp::create(b);
  for (int64_t kk = 0; kk < steps; ++kk) {
    auto [aDesc, bDesc] = descriptors(kk);
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, structType, acc, aDesc, bDesc,
        NVVM::MMAShapeAttr::get(ctx, 64, n, 16), type, type,
        NVVM::WGMMATypes::f32,
        kk == 0 ? NVVM::WGMMAScaleOut::zero : NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, layoutA, layoutB,
        NVVM::MMAIntOverflowAttr());
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  return acc;
}

void WgmmaMath::setUpQDescriptor() {
  const SharedRegion &q = tiles.getLayout().q;
  Value rows = arith::IndexCastOp::create(
      k.b, k.b.getI64Type(),
      k.mulc(k.divc(k.tid, kWarpgroupThreads),
             kWarpgroupRows * kWgmmaSwizzleRowBytes));
  Value qBase = q.offset == 0 ? tiles.sharedBase
                              : tiles.sharedAddress(
                                    k.idx(q.offset / q.elementBytes));
  qDesc = descriptor(arith::AddIOp::create(k.b, qBase, rows),
                     kKMajorLeadingBytes,
                     /*strideBytes=*/kWgmmaSwizzleAtomBytes);
}

Value WgmmaMath::kDescriptor(Value slot) {
  // K [block_kv, d] is K-major for the B operand of Q K^T.
  return descriptor(tiles.sharedAddress(tiles.kOffset(slot)),
                    kKMajorLeadingBytes,
                    /*strideBytes=*/kWgmmaSwizzleAtomBytes);
}

Value WgmmaMath::vDescriptor(Value slot) {
  // V [block_kv, dv] is MN-major for the B operand of P V: 64-column blocks
  // block_kv rows apart, 8-row groups one swizzle atom apart.
  const SharedRegion &v = tiles.getLayout().v;
  return descriptor(tiles.sharedAddress(tiles.vOffset(slot)),
                    /*leadingBytes=*/v.pitchedElements() * v.elementBytes,
                    /*strideBytes=*/kWgmmaSwizzleAtomBytes);
}

Value WgmmaMath::issueScores(Value kDesc) {
  const SharedLayout &layout = tiles.getLayout();
  int64_t columns = tiles.swizzleColumns(), e = tiles.elementBytes();
  int64_t qBlockBytes = layout.q.pitchedElements() * e,
          kBlockBytes = layout.k.pitchedElements() * e;
  // k16 steps walk the 128-byte rows of each 64-column block, 32 bytes a
  // step; the swizzle applies to the address bits, so the start address
  // just moves.
  auto descriptors = [&](int64_t kk) -> std::pair<Value, Value> {
    int64_t block = (16 * kk) / columns, within = ((16 * kk) % columns) * e;
    Value q = advance(qDesc, block * qBlockBytes + within);
    return {q, advance(kDesc, block * kBlockBytes + within)};
  };
  return issueSharedWgmma(k, k.elt, k.t.blockKV, k.d / 16, descriptors,
                          NVVM::MMALayout::row, NVVM::MMALayout::col);
}

SmallVector<Value> WgmmaMath::scoreFragments(Value acc) {
  int64_t n = k.t.blockKV;
  SmallVector<Value> values;
  for (int64_t i = 0; i < n / 2; ++i)
    values.push_back(LLVM::ExtractValueOp::create(k.b, acc, i));
  values = k.fenceRegisters(values);
  SmallVector<Value> frags;
  for (int64_t j = 0; j < n / 8; ++j)
    frags.push_back(vector::FromElementsOp::create(
        k.b, k.accType, ArrayRef<Value>(values).slice(4 * j, 4)));
  return frags;
}

SmallVector<Value>
WgmmaMath::scores(Value slot, const std::function<void()> &afterIssue) {
  Value acc = issueScores(kDescriptor(slot));
  if (afterIssue)
    afterIssue();
  NVVM::WgmmaWaitGroupSyncOp::create(k.b, 0);
  return scoreFragments(acc);
}

SmallVector<Value> WgmmaMath::pvDescriptors(Value vDesc) {
  // 16 rows of 128 bytes a k16 step.
  SmallVector<Value> descs;
  for (int64_t kk = 0; kk < k.t.blockKV / 16; ++kk)
    descs.push_back(advance(vDesc, kk * 16 * kWgmmaSwizzleRowBytes));
  return descs;
}

/// The PTX of the register-A wgmmas (P V): one asm statement for all k16
/// steps (one per
/// step made LLVM's CodeGenPrepare and instruction selection a fifth of the
/// compile time; docs/decisions.md, D24). Operands: the accumulators
/// ($0 ..), then each step's 4 A registers, each step's V descriptor, the
/// scale-d flag, and the accumulators again, tied to the outputs.
static std::string pvAsm(int64_t n, int64_t steps, const char *type,
                         std::string &constraints) {
  int64_t regs = n / 2;
  int64_t aBase = regs, descBase = regs + 4 * steps,
          scaleIndex = descBase + steps;
  std::string accList;
  for (int64_t i = 0; i < regs; ++i)
    accList += (i ? ", $" : "$") + std::to_string(i);
  std::string asmString = llvm::formatv(
      "{{\n.reg .pred p;\nsetp.ne.b32 p, ${0}, 0;\n", scaleIndex);
  for (int64_t kk = 0; kk < steps; ++kk)
    asmString += llvm::formatv(
        "wgmma.mma_async.sync.aligned.m64n{0}k16.f32.{1}.{1} {{{2}}, "
        "{{${3}, ${4}, ${5}, ${6}}, ${7}, p, 1, 1, 1;\n",
        n, type, accList, aBase + 4 * kk, aBase + 4 * kk + 1,
        aBase + 4 * kk + 2, aBase + 4 * kk + 3, descBase + kk);
  asmString += "}\n";
  for (int64_t i = 0; i < regs; ++i)
    constraints += "=f,";
  for (int64_t i = 0; i < 4 * steps; ++i)
    constraints += "r,";
  for (int64_t i = 0; i < steps; ++i)
    constraints += "l,";
  constraints += "n";
  for (int64_t i = 0; i < regs; ++i)
    constraints += "," + std::to_string(i);
  return asmString;
}

SmallVector<Value> mlir::fa::nvgpu_kernel::issueRegisterAWgmma(
    Emitter &e, Type elt, ArrayRef<Value> acc, ArrayRef<Value> aRegs,
    ArrayRef<Value> bDescs, int64_t n) {
  ImplicitLocOpBuilder &b = e.b;
  int64_t regs = n / 2, steps = bDescs.size();
  NVVM::WgmmaFenceAlignedOp::create(b);
  std::string constraints;
  std::string asmString =
      pvAsm(n, steps, elt.isF16() ? "f16" : "bf16", constraints);
  auto structType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(regs, b.getF32Type()));
  SmallVector<Value> operands(aRegs.take_front(4 * steps));
  operands.append(bDescs.begin(), bDescs.end());
  operands.push_back(LLVM::ConstantOp::create(b, b.getI32Type(), 1));
  operands.append(acc.begin(), acc.end());
  Value result =
      LLVM::InlineAsmOp::create(b, structType, operands, asmString,
                                constraints, /*has_side_effects=*/true,
                                /*is_align_stack=*/false,
                                LLVM::TailCallKind::None,
                                LLVM::AsmDialectAttr(), ArrayAttr())
          .getRes();
  SmallVector<Value> out(regs);
  for (int64_t i = 0; i < regs; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, result, i);
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  return out;
}

SmallVector<Value> WgmmaMath::issuePV(ArrayRef<Value> acc,
                                      ArrayRef<Value> pRegs,
                                      ArrayRef<Value> vDescs) {
  int64_t regs = k.dv / 2;
  SmallVector<Value> values;
  for (Value frag : acc)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t c = 0; c < 2; ++c)
        values.push_back(k.element(frag, r, c));
  values.append(pRegs.begin(), pRegs.end());
  values = k.fenceRegisters(values);
  ArrayRef<Value> fenced(values);
  return issueRegisterAWgmma(k, k.elt, fenced.take_front(regs),
                             fenced.drop_front(regs), vDescs, k.dv);
}

void WgmmaMath::finishPV(MutableArrayRef<Value> acc, ArrayRef<Value> out) {
  SmallVector<Value> fenced = k.fenceRegisters(out);
  for (int64_t j = 0; j < k.dv / 8; ++j)
    acc[j] = vector::FromElementsOp::create(
        k.b, k.accType, ArrayRef<Value>(fenced).slice(4 * j, 4));
}

void WgmmaMath::wgmmaPV(MutableArrayRef<Value> acc, ArrayRef<Value> pRegs,
                        Value vDesc) {
  SmallVector<Value> out = issuePV(acc, pRegs, pvDescriptors(vDesc));
  NVVM::WgmmaWaitGroupSyncOp::create(k.b, 0);
  finishPV(acc, out);
}

SmallVector<Value>
WgmmaMath::pRegisters(ArrayRef<SmallVector<Value>> pFrags) {
  SmallVector<Value> pRegs;
  for (int64_t kk = 0; kk < k.t.blockKV / 16; ++kk)
    pRegs.append(packedPairs(k, pAFragments(k, pFrags, kk)[0], 4));
  return pRegs;
}

void WgmmaMath::accumulatePV(MutableArrayRef<Value> acc,
                             ArrayRef<SmallVector<Value>> pFrags, Value slot,
                             const std::function<void()> &beforeIssue) {
  SmallVector<Value> pRegs = pRegisters(pFrags);
  if (beforeIssue)
    beforeIssue();
  wgmmaPV(acc, pRegs, vDescriptor(slot));
}
