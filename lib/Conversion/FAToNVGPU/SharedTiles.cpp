//===- SharedTiles.cpp - Shared-memory views of Q and the K/V stages ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Q, then the `stages` K slots, then the `stages` V slots: the cost model's
// layout of the kernel kind (sramBytes). mma-sync pads every row by 16 bytes
// so that the 8 row addresses of an ldmatrix hit distinct banks; wgmma keeps
// unpadded tiles in the 128-byte swizzled layout that TMA writes and wgmma's
// descriptors read, after aligning the base to the swizzle atom.
//
//===----------------------------------------------------------------------===//

#include "KernelParts.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::fa;
using namespace mlir::fa::nvgpu_kernel;

static gpu::AddressSpaceAttr workgroupSpace(MLIRContext *ctx) {
  return gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
}

void SharedTiles::setUp() {
  ImplicitLocOpBuilder &b = k.b;
  Attribute workgroup = workgroupSpace(b.getContext());
  base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
  if (!k.wg) {
    const Tiling &t = k.t;
    int64_t ldQ = k.d + kPad, ldK = k.d + kPad, ldV = k.dv + kPad;
    auto qType = MemRefType::get({t.blockQ, ldQ}, k.elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    auto kType = MemRefType::get({t.stages, t.blockKV, ldK}, k.elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    auto vType = MemRefType::get({t.stages, t.blockKV, ldV}, k.elt,
                                 MemRefLayoutAttrInterface(), workgroup);
    int64_t qBytes = t.blockQ * ldQ * 2,
            kBytes = t.stages * t.blockKV * ldK * 2;
    sQ = memref::ViewOp::create(b, qType, base, k.idx(0), ValueRange{});
    sK = memref::ViewOp::create(b, kType, base, k.idx(qBytes), ValueRange{});
    sV = memref::ViewOp::create(b, vType, base, k.idx(qBytes + kBytes),
                                ValueRange{});
    return;
  }
  // The dynamic shared memory's base rounded up to the swizzle atom (the
  // swizzle is a function of the address bits): the launch allocates
  // kWgmmaSwizzleAtomBytes extra for it.
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
  pad = k.remc(arith::SubIOp::create(
                   b, k.idx(kWgmmaSwizzleAtomBytes),
                   k.remc(address, kWgmmaSwizzleAtomBytes)),
               kWgmmaSwizzleAtomBytes);
  int64_t elements = (sharedBytes - kWgmmaSwizzleAtomBytes) / 2;
  auto flatType = MemRefType::get({ShapedType::kDynamic}, k.elt,
                                  MemRefLayoutAttrInterface(), workgroup);
  Value flat = memref::ViewOp::create(b, flatType, base, pad,
                                      ValueRange{k.idx(elements)});
  sQ = sK = sV = flat;
  sharedBase =
      arith::IndexCastOp::create(b, b.getI64Type(), k.add(address, pad));
}

SmallVector<Value> SharedTiles::qIndices(Value row, Value col) {
  if (!k.wg)
    return {row, col};
  return {swizzled(k.idx(0), k.t.blockQ, row, col)};
}

ChunkIndices SharedTiles::kIndices(Value slot) {
  if (!k.wg)
    return [slot](Value row, Value col) -> SmallVector<Value> {
      return {slot, row, col};
    };
  Value offset = kOffset(slot);
  return [this, offset](Value row, Value col) -> SmallVector<Value> {
    return {swizzled(offset, k.t.blockKV, row, col)};
  };
}

ChunkIndices SharedTiles::vIndices(Value slot) {
  if (!k.wg)
    return [slot](Value row, Value col) -> SmallVector<Value> {
      return {slot, row, col};
    };
  Value offset = vOffset(slot);
  return [this, offset](Value row, Value col) -> SmallVector<Value> {
    return {swizzled(offset, k.t.blockKV, row, col)};
  };
}

Value SharedTiles::kOffset(Value slot) {
  int64_t qElements = k.t.blockQ * k.d, kElements = k.t.blockKV * k.d;
  return k.addc(k.mulc(slot, kElements), qElements);
}

Value SharedTiles::vOffset(Value slot) {
  int64_t qElements = k.t.blockQ * k.d, kElements = k.t.blockKV * k.d,
          vElements = k.t.blockKV * k.dv;
  return k.addc(k.mulc(slot, vElements), qElements + k.t.stages * kElements);
}

Value SharedTiles::swizzled(Value tileBase, int64_t rows, Value row,
                            Value col) {
  Value block = k.divc(col, 64);
  Value chunk = k.divc(k.remc(col, 64), kChunk);
  Value swizzledChunk = arith::XOrIOp::create(k.b, chunk, k.remc(row, 8));
  return k.add(k.add(tileBase, k.mulc(block, rows * 64)),
               k.add(k.mulc(row, 64), k.mulc(swizzledChunk, kChunk)));
}

MemRefType SharedTiles::boxType(int64_t rows) {
  return MemRefType::get({1, 1, rows, 64}, k.elt, MemRefLayoutAttrInterface(),
                         workgroupSpace(k.b.getContext()));
}

Value SharedTiles::box(int64_t rows, Value bytes) {
  return memref::ViewOp::create(k.b, boxType(rows), base, bytes,
                                ValueRange{});
}

Value SharedTiles::sharedAddress(Value elementOffset) {
  return arith::AddIOp::create(
      k.b, sharedBase,
      arith::IndexCastOp::create(k.b, k.b.getI64Type(),
                                 k.mulc(elementOffset, 2)));
}
