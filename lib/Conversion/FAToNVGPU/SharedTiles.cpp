//===- SharedTiles.cpp - Shared-memory views of Q and the K/V stages ------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Q, then the `stages` K slots, then the `stages` V slots, at the offsets of
// the kind's SharedLayout (the cost model's sramBytes is its total).
// mma-sync pads every row so that the 8 row addresses of an ldmatrix hit
// distinct banks; wgmma keeps unpadded tiles in the 128-byte swizzled
// layout that TMA writes and wgmma's descriptors read, after aligning the
// base to the swizzle atom.
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

Value SharedTiles::paddedView(const SharedRegion &region, bool staged) {
  // The view's shape spells the layout's buffer: its rows at the row pitch,
  // and (staged) its buffers one buffer's bytes apart.
  assert(region.bufferBytes ==
             region.pitchedElements() * region.elementBytes &&
         "a padded buffer must need no alignment padding of its own");
  SmallVector<int64_t> shape = {region.rows, region.rowPitch};
  if (staged)
    shape.insert(shape.begin(), region.count);
  auto type = MemRefType::get(shape, k.elt, MemRefLayoutAttrInterface(),
                              workgroupSpace(k.b.getContext()));
  return memref::ViewOp::create(k.b, type, base, k.idx(region.offset),
                                ValueRange{});
}

void SharedTiles::setUp() {
  ImplicitLocOpBuilder &b = k.b;
  Attribute workgroup = workgroupSpace(b.getContext());
  base = gpu::DynamicSharedMemoryOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                         MemRefLayoutAttrInterface(), workgroup));
  // The resident blocks the schedule decided travel with the shared memory
  // that limits them (outlining drops the launch's attributes);
  // fa-set-kernel-max-registers makes them the kernel's .minnctapersm.
  if (k.schedule.minBlocksPerSM > 0)
    base.getDefiningOp()->setAttr(
        FADialect::getMinBlocksPerSMAttrName(),
        b.getI32IntegerAttr(static_cast<int32_t>(k.schedule.minBlocksPerSM)));
  // The compacted walk's list of live steps and its counts (i32), at
  // `offset` bytes from the base.
  auto listView = [&](Value offset) {
    return memref::ViewOp::create(
        b,
        MemRefType::get({layout.list.rows}, b.getI32Type(),
                        MemRefLayoutAttrInterface(), workgroup),
        base, offset, ValueRange{});
  };
  if (layout.format == SharedTileFormat::Padded) {
    sQ = paddedView(layout.q, /*staged=*/false);
    sK = paddedView(layout.k, /*staged=*/true);
    sV = paddedView(layout.v, /*staged=*/true);
    if (layout.list.count > 0)
      sList = listView(k.idx(layout.list.offset));
    return;
  }
  assert(layout.format == SharedTileFormat::Swizzled128B &&
         "the tensor-core kernels' tiles are padded or swizzled");
  // The dynamic shared memory's base rounded up to the swizzle atom (the
  // swizzle is a function of the address bits): the launch allocates the
  // layout's base slack for it.
  int64_t atom = layout.alignment;
  assert(layout.baseSlackBytes >= atom && "no room to align the base");
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, base);
  pad = k.remc(arith::SubIOp::create(b, k.idx(atom), k.remc(address, atom)),
               atom);
  int64_t elements = layout.regionBytes() / elementBytes();
  auto flatType = MemRefType::get({ShapedType::kDynamic}, k.elt,
                                  MemRefLayoutAttrInterface(), workgroup);
  Value flat = memref::ViewOp::create(b, flatType, base, pad,
                                      ValueRange{k.idx(elements)});
  sQ = sK = sV = flat;
  sharedBase =
      arith::IndexCastOp::create(b, b.getI64Type(), k.add(address, pad));
  if (layout.list.count > 0)
    sList = listView(k.addc(pad, layout.list.offset));
}

SmallVector<Value> SharedTiles::qIndices(Value row, Value col) {
  if (!k.wg)
    return {row, col};
  return {swizzled(k.idx(layout.q.offset / elementBytes()), k.t.blockQ, row,
                   col)};
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

Value SharedTiles::bufferOffset(const SharedRegion &region, Value slot) {
  int64_t e = region.elementBytes;
  return k.addc(k.mulc(slot, region.bufferBytes / e), region.offset / e);
}

Value SharedTiles::kOffset(Value slot) { return bufferOffset(layout.k, slot); }

Value SharedTiles::vOffset(Value slot) { return bufferOffset(layout.v, slot); }

Value SharedTiles::swizzled(Value tileBase, int64_t rows, Value row,
                            Value col) {
  int64_t columns = swizzleColumns(), width = chunkElements();
  Value block = k.divc(col, columns);
  Value chunk = k.divc(k.remc(col, columns), width);
  Value swizzledChunk = arith::XOrIOp::create(
      k.b, chunk, k.remc(row, kWgmmaSwizzleAtomRows));
  return k.add(k.add(tileBase, k.mulc(block, rows * columns)),
               k.add(k.mulc(row, columns), k.mulc(swizzledChunk, width)));
}

MemRefType SharedTiles::boxType(int64_t rows) {
  return MemRefType::get({1, 1, rows, swizzleColumns()}, k.elt,
                         MemRefLayoutAttrInterface(),
                         workgroupSpace(k.b.getContext()));
}

Value SharedTiles::boxAt(int64_t rows, Value elementOffset) {
  Value bytes = k.add(pad, k.mulc(elementOffset, elementBytes()));
  return memref::ViewOp::create(k.b, boxType(rows), base, bytes,
                                ValueRange{});
}

Value SharedTiles::sharedAddress(Value elementOffset) {
  return arith::AddIOp::create(
      k.b, sharedBase,
      arith::IndexCastOp::create(k.b, k.b.getI64Type(),
                                 k.mulc(elementOffset, elementBytes())));
}
