//===- KernelManifest.cpp - Launch description of compiled kernels --------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "FlashAttn/Target/KernelManifest.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace mlir::fa;
namespace json = llvm::json;

llvm::StringMap<KernelResources> mlir::fa::parsePtxasLog(StringRef log) {
  llvm::StringMap<KernelResources> result;
  llvm::Regex function("(Compiling entry function|Function properties for) "
                       "'?([A-Za-z0-9_$.]+)'?");
  llvm::Regex frame("([0-9]+) bytes stack frame, ([0-9]+) bytes spill "
                    "stores, ([0-9]+) bytes spill loads");
  llvm::Regex regs("Used ([0-9]+) registers");
  llvm::Regex smem("([0-9]+) bytes smem");
  std::string current;
  SmallVector<StringRef> lines;
  log.split(lines, '\n');
  auto toInt = [](StringRef s) {
    int64_t v = 0;
    (void)s.getAsInteger(10, v);
    return v;
  };
  for (StringRef line : lines) {
    SmallVector<StringRef> m;
    if (function.match(line, &m)) {
      current = m[2].str();
      continue;
    }
    if (current.empty())
      continue;
    KernelResources &r = result[current];
    if (frame.match(line, &m)) {
      r.stackFrameBytes = toInt(m[1]);
      r.spillStoreBytes = toInt(m[2]);
      r.spillLoadBytes = toInt(m[3]);
    }
    if (regs.match(line, &m))
      r.registers = toInt(m[1]);
    if (smem.match(line, &m))
      r.staticSharedBytes = toInt(m[1]);
  }
  return result;
}

FailureOr<KernelBinary> mlir::fa::getKernelBinary(ModuleOp module) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() != 1)
    return module.emitError() << "expected exactly one gpu.binary, found "
                              << binaries.size()
                              << " (run fa-to-ptx-pipeline first)";
  gpu::BinaryOp binary = binaries.front();
  if (binary.getObjects().size() != 1)
    return binary.emitError() << "expected one object in gpu.binary @"
                              << binary.getName();
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  KernelBinary result;
  result.name = binary.getName().str();
  if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget())) {
    result.chip = nvvm.getChip().str();
    result.features = nvvm.getFeatures().str();
  }
  switch (object.getFormat()) {
  case gpu::CompilationTarget::Assembly:
    result.isPTX = true;
    break;
  case gpu::CompilationTarget::Binary:
    result.isPTX = false;
    break;
  default:
    return binary.emitError()
           << "gpu.binary @" << binary.getName()
           << " holds neither PTX nor a cubin (use format=isa or format=bin)";
  }
  result.object = object.getObject().getValue().str();
  return result;
}

/// The manifest's name of an element type, or "" when the runtime cannot
/// handle it.
static std::string dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isIndex() || type.isInteger(64))
    return "i64";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(16))
    return "i16";
  if (type.isInteger(8))
    return "i8";
  // The LLVM lowering stores an i1 in a byte (its alloc size) and NVPTX
  // passes an i1 scalar as `.param .u8`.
  if (type.isInteger(1))
    return "i1";
  return "";
}

/// Bytes per element in memory: the LLVM alloc size, so 1 for i1.
static int64_t dtypeBytes(Type type) {
  if (type.isIndex())
    return 8;
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
}

/// Bytes of a statically shaped memref, or nullopt when they do not fit an
/// int64 (ShapedType::getNumElements would wrap silently).
static std::optional<int64_t> bufferBytes(MemRefType type) {
  std::optional<int64_t> bytes = dtypeBytes(type.getElementType());
  for (int64_t size : type.getShape())
    if (bytes)
      bytes = llvm::checkedMul(*bytes, size);
  return bytes;
}

namespace {
/// Reads one host function into the manifest's buffers and launches.
class ManifestBuilder {
public:
  ManifestBuilder(func::FuncOp func, StringRef binaryName,
                  const llvm::StringMap<KernelResources> &resources)
      : func(func), binaryName(binaryName), resources(resources) {}

  LogicalResult build(json::Object &manifest);

private:
  FailureOr<json::Object> describeBuffer(Value value, StringRef name,
                                         Operation *where);
  LogicalResult addParam(json::Array &params, Value operand, Operation *where);
  FailureOr<json::Object> describeLaunch(gpu::LaunchFuncOp launch);
  LogicalResult describeTensorMap(nvgpu::TmaCreateDescriptorOp op);

  func::FuncOp func;
  StringRef binaryName;
  const llvm::StringMap<KernelResources> &resources;
  llvm::DenseMap<Value, std::string> bufferNames;
  /// Unranked casts of buffers (the operands of tma.create.descriptor).
  llvm::DenseMap<Value, Value> castSources;
  /// Casts of arguments to dynamic strides (convert-fa-to-nvgpu's
  /// caller-strides) and the arguments they view.
  llvm::DenseMap<Value, Value> stridedArguments;
  /// The kernel parameter describing each tensor map.
  llvm::DenseMap<Value, json::Object> tensorMaps;
};
} // namespace

FailureOr<json::Object> ManifestBuilder::describeBuffer(Value value,
                                                        StringRef name,
                                                        Operation *where) {
  auto type = dyn_cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset = 0;
  if (!type || !type.hasStaticShape() ||
      failed(type.getStridesAndOffset(strides, offset)) || offset != 0 ||
      !type.getLayout().isIdentity())
    return where->emitError()
           << "manifest needs statically shaped memrefs with the identity "
              "layout, got "
           << value.getType();
  std::string dtype = dtypeName(type.getElementType());
  if (dtype.empty())
    return where->emitError()
           << "manifest cannot describe element type " << type.getElementType();
  std::optional<int64_t> bytes = bufferBytes(type);
  if (!bytes)
    return where->emitError() << "manifest buffer " << name << " of type "
                              << value.getType()
                              << " has more than 2^63 - 1 bytes";
  // json::Value borrows StringRefs: pass owned strings.
  json::Object buffer{{"name", name.str()},
                      {"dtype", dtype},
                      {"shape", json::Array(type.getShape())},
                      {"strides", json::Array(strides)},
                      {"bytes", *bytes}};
  if (auto space = type.getMemorySpace())
    return where->emitError() << "manifest buffers live in global memory, got "
                                 "memory space "
                              << space;
  return buffer;
}

/// Why cuTensorMapEncodeTiled would refuse a map of `shape` and `strides`
/// (in elements of `elementBytes`, outermost first), `box`, `swizzle` and
/// `interleave`, or "": its documented limits (cuda.h), which the runtime
/// checks again at load.
static std::string
unencodableReason(ArrayRef<int64_t> shape, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> box, int64_t elementBytes,
                  nvgpu::TensorMapSwizzleKind swizzle,
                  nvgpu::TensorMapInterleaveKind interleave) {
  bool interleaved =
      interleave != nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE;
  bool interleaved32 =
      interleave == nvgpu::TensorMapInterleaveKind::INTERLEAVE_32B;
  if (shape.empty() || shape.size() > 5 || (interleaved && shape.size() < 3))
    return llvm::formatv("a rank of {0} is outside {1}-5", shape.size(),
                         interleaved ? 3 : 1);
  if (interleaved32 && swizzle != nvgpu::TensorMapSwizzleKind::SWIZZLE_32B)
    return "a 32-byte interleave needs the 32-byte swizzle";
  for (auto [i, size] : llvm::enumerate(shape))
    if (size > (int64_t(1) << 32))
      return llvm::formatv("shape[{0}] = {1} is above 2^32", i, size);
  int64_t strideUnit = interleaved32 ? 32 : 16;
  for (size_t i = 0; i + 1 < strides.size(); ++i) {
    std::optional<int64_t> bytes = llvm::checkedMul(strides[i], elementBytes);
    if (!bytes || *bytes >= (int64_t(1) << 40))
      return llvm::formatv("strides[{0}] = {1} elements of {2} bytes is not "
                           "below 2^40 bytes",
                           i, strides[i], elementBytes);
    if (*bytes % strideUnit != 0)
      return llvm::formatv("strides[{0}] = {1} elements of {2} bytes is not a "
                           "multiple of {3} bytes",
                           i, strides[i], elementBytes, strideUnit);
  }
  for (int64_t size : box)
    if (size < 1 || size > 256)
      return llvm::formatv("a box size of {0} is outside 1-256", size);
  if (interleaved)
    return "";
  int64_t rowBytes = box.empty() ? 0 : box.back() * elementBytes;
  int64_t swizzleBytes = 0;
  switch (swizzle) {
  case nvgpu::TensorMapSwizzleKind::SWIZZLE_NONE:
    break;
  case nvgpu::TensorMapSwizzleKind::SWIZZLE_32B:
    swizzleBytes = 32;
    break;
  case nvgpu::TensorMapSwizzleKind::SWIZZLE_64B:
    swizzleBytes = 64;
    break;
  case nvgpu::TensorMapSwizzleKind::SWIZZLE_128B:
    swizzleBytes = 128;
    break;
  }
  if (rowBytes % 16 != 0)
    return llvm::formatv("the box's rows are {0} bytes, not a multiple of 16",
                         rowBytes);
  if (swizzleBytes && rowBytes > swizzleBytes)
    return llvm::formatv("the box's rows are {0} bytes, wider than its "
                         "{1}-byte swizzle",
                         rowBytes, swizzleBytes);
  return "";
}

// The host function's ops are checked one by one in build(): an unranked
// memref can only be an unranked memref.cast of an argument or a
// memref.alloc, and an index only a constant, so the tensor and the box of a
// tensor map are always describable here.
LogicalResult
ManifestBuilder::describeTensorMap(nvgpu::TmaCreateDescriptorOp op) {
  Value source = castSources.lookup(op.getTensor());
  assert(source && bufferNames.count(source) && "checked host op order");
  // A map over a cast to the caller's strides is the argument's: its
  // shape and dense strides, which a launch may replace.
  if (Value argument = stridedArguments.lookup(source))
    source = argument;
  auto type = cast<MemRefType>(source.getType());
  SmallVector<int64_t> strides, box;
  int64_t offset = 0;
  (void)type.getStridesAndOffset(strides, offset);
  for (Value dim : op.getBoxDimensions()) {
    APInt value;
    bool isConstant = matchPattern(dim, m_ConstantInt(&value));
    assert(isConstant && "only constants define indices on the host");
    (void)isConstant;
    box.push_back(value.getSExtValue());
  }
  nvgpu::TensorMapDescriptorType mapType = op.getTensorMap().getType();
  // A map the driver cannot encode would fail every launch (issue 27: the
  // dQ accumulator's at Nq = 2^31 - 1, D = 128, two heads, strides of
  // 2^41 bytes).
  std::string why =
      unencodableReason(type.getShape(), strides, box,
                        dtypeBytes(type.getElementType()), mapType.getSwizzle(),
                        mapType.getInterleave());
  if (!why.empty())
    return op.emitError() << "tensor map over manifest buffer "
                          << bufferNames.lookup(source) << " of type " << type
                          << " cannot be encoded by cuTensorMapEncodeTiled: "
                          << why;
  // The runtime's cuTensorMapEncodeTiled arguments, outermost dimension
  // first (the runtime reverses them); strides in elements.
  tensorMaps[op.getTensorMap()] = json::Object{
      {"type", "tensormap"},
      {"buffer", bufferNames.lookup(source)},
      {"dtype", dtypeName(type.getElementType())},
      {"shape", json::Array(type.getShape())},
      {"strides", json::Array(strides)},
      {"box", json::Array(box)},
      {"swizzle",
       nvgpu::stringifyTensorMapSwizzleKind(mapType.getSwizzle()).str()},
      {"l2promo",
       nvgpu::stringifyTensorMapL2PromoKind(mapType.getL2promo()).str()},
      {"oob", nvgpu::stringifyTensorMapOOBKind(mapType.getOob()).str()},
      {"interleave",
       nvgpu::stringifyTensorMapInterleaveKind(mapType.getInterleave())
           .str()}};
  return success();
}

LogicalResult ManifestBuilder::addParam(json::Array &params, Value operand,
                                        Operation *where) {
  if (isa<nvgpu::TensorMapDescriptorType>(operand.getType())) {
    // Only nvgpu.tma.create.descriptor makes one on the host (build()).
    auto it = tensorMaps.find(operand);
    assert(it != tensorMaps.end() && "checked host op order");
    // A pointer to the encoded map in device memory (upstream's lowering of
    // !nvgpu.tensormap.descriptor), which the runtime provides.
    params.push_back(json::Object(it->second));
    return success();
  }
  if (auto type = dyn_cast<MemRefType>(operand.getType())) {
    auto it = bufferNames.find(operand);
    if (it == bufferNames.end())
      return where->emitError()
             << "kernel operand is a memref that is neither an argument nor a "
                "memref.alloc of @"
             << func.getName();
    // The LLVM lowering of a memref: allocated and aligned pointers, offset,
    // sizes, strides (MemRefDescriptor, non-bare-pointer convention). The
    // rank says the runtime which values are the descriptor's, which it
    // checks against the buffer. Over a cast to the caller's strides
    // (build()) every stride is the launch's stride of the argument's
    // dimension: the innermost too, static 1 in the kernel's type, which
    // the runtime requires of a launch (a descriptor whose strides all come
    // from the launch is what makes the argument's `caller_strides`).
    params.push_back(json::Object{
        {"type", "ptr"}, {"buffer", it->second}, {"rank", type.getRank()}});
    params.push_back(json::Object{{"type", "ptr"}, {"buffer", it->second}});
    SmallVector<int64_t> strides;
    int64_t offset = 0;
    (void)type.getStridesAndOffset(strides, offset);
    params.push_back(json::Object{{"type", "i64"}, {"value", offset}});
    for (int64_t size : type.getShape())
      params.push_back(json::Object{{"type", "i64"}, {"value", size}});
    bool fromLaunch = stridedArguments.count(operand);
    for (auto [dim, stride] : llvm::enumerate(strides)) {
      if (fromLaunch) {
        params.push_back(json::Object{{"type", "i64"},
                                      {"stride_of", it->second},
                                      {"dim", static_cast<int64_t>(dim)}});
        continue;
      }
      if (ShapedType::isDynamic(stride))
        return where->emitError()
               << "kernel operand of type " << type
               << " has a dynamic stride but is no cast of an argument to "
                  "the caller's strides";
      params.push_back(json::Object{{"type", "i64"}, {"value", stride}});
    }
    return success();
  }

  Attribute value;
  if (!matchPattern(operand, m_Constant(&value)))
    return where->emitError()
           << "kernel operand of type " << operand.getType()
           << " is not a constant; the manifest only holds static launches";
  if (auto intAttr = dyn_cast<IntegerAttr>(value)) {
    std::string dtype = dtypeName(intAttr.getType());
    if (dtype.empty())
      return where->emitError()
             << "manifest cannot pass a scalar of type " << intAttr.getType();
    // An i1 `true` is 1, not the sign-extended -1.
    const APInt &bits = intAttr.getValue();
    int64_t scalar =
        bits.getBitWidth() == 1 ? bits.getZExtValue() : bits.getSExtValue();
    params.push_back(json::Object{{"type", dtype}, {"value", scalar}});
    return success();
  }
  if (auto floatAttr = dyn_cast<FloatAttr>(value)) {
    std::string dtype = dtypeName(floatAttr.getType());
    if (dtype.empty())
      return where->emitError()
             << "manifest cannot pass a scalar of type " << floatAttr.getType();
    SmallString<32> repr;
    floatAttr.getValue().toString(repr);
    params.push_back(json::Object{
        {"type", dtype},
        {"bits", floatAttr.getValue().bitcastToAPInt().getZExtValue()},
        {"value", std::string(repr)}});
    return success();
  }
  return where->emitError() << "unsupported constant kernel operand " << value;
}

/// The three constant sizes of a launch dimension, or failure.
static FailureOr<json::Array> constantDims(gpu::KernelDim3 dims,
                                           Operation *where, StringRef what) {
  json::Array result;
  for (Value v : {dims.x, dims.y, dims.z}) {
    APInt value;
    if (!matchPattern(v, m_ConstantInt(&value)))
      return where->emitError()
             << "launch " << what << " size is not a constant";
    result.push_back(value.getSExtValue());
  }
  return result;
}

FailureOr<json::Object>
ManifestBuilder::describeLaunch(gpu::LaunchFuncOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
      launch.hasClusterSize())
    return launch.emitError() << "manifest handles synchronous launches "
                                 "without clusters only";
  if (launch.getKernelModuleName() != binaryName)
    return launch.emitError() << "launch of @" << launch.getKernelModuleName()
                              << " but the binary is @" << binaryName;
  FailureOr<json::Array> grid =
      constantDims(launch.getGridSizeOperandValues(), launch, "grid");
  FailureOr<json::Array> block =
      constantDims(launch.getBlockSizeOperandValues(), launch, "block");
  if (failed(grid) || failed(block))
    return failure();
  int64_t sharedBytes = 0;
  if (Value dyn = launch.getDynamicSharedMemorySize()) {
    APInt value;
    if (!matchPattern(dyn, m_ConstantInt(&value)))
      return launch.emitError()
             << "dynamic shared memory size is not a constant";
    sharedBytes = value.getSExtValue();
  }
  json::Array params;
  for (Value operand : launch.getKernelOperands())
    if (failed(addParam(params, operand, launch)))
      return failure();
  StringRef name = launch.getKernelName().getValue();
  json::Object kernel{{"name", name.str()},
                      {"grid", std::move(*grid)},
                      {"block", std::move(*block)},
                      {"shared_bytes", sharedBytes},
                      {"params", std::move(params)}};
  auto it = resources.find(name);
  if (it != resources.end()) {
    const KernelResources &r = it->second;
    kernel["resources"] = json::Object{
        {"registers", r.registers},
        {"static_shared_bytes", r.staticSharedBytes},
        {"stack_frame_bytes", r.stackFrameBytes},
        {"spill_store_bytes", r.spillStoreBytes},
        {"spill_load_bytes", r.spillLoadBytes}};
  }
  return kernel;
}

/// Whether the descriptor starting at `params[at]` (a `ptr` with the rank)
/// is a memref over argument `arg` whose sizes are its shape and whose
/// stride entry d is the caller's stride of its dimension d (a `stride_of`
/// param): the kernel then indexes the buffer by the caller's strides.
static bool isCallerStridedDescriptor(const json::Array &params, size_t at,
                                      const json::Object &arg) {
  std::optional<StringRef> name = arg.getString("name");
  const json::Array *shape = arg.getArray("shape");
  std::optional<int64_t> rank = params[at].getAsObject()->getInteger("rank");
  if (!name || !shape || rank != static_cast<int64_t>(shape->size()) ||
      at + 3 + 2 * shape->size() > params.size())
    return false;
  for (size_t d = 0; d < shape->size(); ++d) {
    const json::Object *size = params[at + 3 + d].getAsObject();
    const json::Object *stride =
        params[at + 3 + shape->size() + d].getAsObject();
    if (!size || size->getInteger("value") != (*shape)[d].getAsInteger() ||
        !stride || stride->getString("stride_of") != name ||
        stride->getInteger("dim") != static_cast<int64_t>(d))
      return false;
  }
  return true;
}

// D128: rule 1 of docs/GPU.md's caller strides; see the header.
bool mlir::fa::takesCallerStrides(const json::Object &arg,
                                  const json::Array &kernels) {
  std::optional<StringRef> name = arg.getString("name");
  const json::Array *shape = arg.getArray("shape");
  const json::Array *strides = arg.getArray("strides");
  if (!name || !shape || !strides)
    return false;
  for (const json::Value &kernel : kernels) {
    const json::Object *object = kernel.getAsObject();
    const json::Array *params = object ? object->getArray("params") : nullptr;
    if (!params)
      return false;
    for (size_t i = 0; i < params->size(); ++i) {
      const json::Object *p = (*params)[i].getAsObject();
      if (!p || p->getString("buffer") != name)
        continue;
      if (p->getString("type") == "tensormap") {
        const json::Array *mapShape = p->getArray("shape");
        const json::Array *mapStrides = p->getArray("strides");
        if (!mapShape || !mapStrides || *mapShape != *shape ||
            *mapStrides != *strides)
          return false;
        continue;
      }
      if (!p->get("rank") || !isCallerStridedDescriptor(*params, i, arg))
        return false;
      // The descriptor's aligned pointer, offset, sizes and strides.
      i += 2 + 2 * shape->size();
    }
  }
  return true;
}

LogicalResult ManifestBuilder::build(json::Object &manifest) {
  if (!func.getBody().hasOneBlock())
    return func.emitError() << "manifest needs a host function of one block";
  json::Array arguments, scratch, kernels, results;
  for (BlockArgument arg : func.getArguments()) {
    std::string name = "arg" + std::to_string(arg.getArgNumber());
    FailureOr<json::Object> buffer = describeBuffer(arg, name, func);
    if (failed(buffer))
      return failure();
    (*buffer)["index"] = static_cast<int64_t>(arg.getArgNumber());
    // The kernel's alignment requirement, when it has one (fa.align, which
    // FADialect::getAlignAttrName() names and the dialect verifies).
    if (auto align =
            func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), "fa.align"))
      (*buffer)["align"] = align.getInt();
    arguments.push_back(std::move(*buffer));
    bufferNames[arg] = name;
  }
  for (Operation &op : func.getBody().front()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      std::string name = "tmp" + std::to_string(scratch.size());
      FailureOr<json::Object> buffer =
          describeBuffer(alloc.getResult(), name, alloc);
      if (failed(buffer))
        return failure();
      scratch.push_back(std::move(*buffer));
      bufferNames[alloc.getResult()] = name;
      continue;
    }
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      FailureOr<json::Object> kernel = describeLaunch(launch);
      if (failed(kernel))
        return failure();
      kernels.push_back(std::move(*kernel));
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands()) {
        auto arg = dyn_cast<BlockArgument>(v);
        if (!arg || arg.getOwner() != &func.getBody().front())
          return ret.emitError() << "manifest needs every result to be one "
                                    "of the function's arguments";
        results.push_back(bufferNames[arg]);
      }
      continue;
    }
    // A reshape of a buffer (the reference lowering's GQA view of the
    // query-head operands as [B, Hkv, G, N, .]) is that buffer: a kernel
    // operand of the view names it, with the view's sizes and strides.
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(op)) {
      auto it = bufferNames.find(op.getOperand(0));
      auto type = cast<MemRefType>(op.getResult(0).getType());
      if (it != bufferNames.end() && type.getLayout().isIdentity()) {
        bufferNames[op.getResult(0)] = it->second;
        continue;
      }
    }
    if (auto cast = dyn_cast<memref::CastOp>(op);
        cast && isa<UnrankedMemRefType>(cast.getType())) {
      castSources[cast.getResult()] = cast.getSource();
      continue;
    }
    // A cast of an argument to dynamic strides (offset 0; caller-strides)
    // is that argument: its kernel operands name it, their strides are the
    // launch's.
    if (auto view = dyn_cast<memref::CastOp>(op)) {
      auto arg = dyn_cast<BlockArgument>(view.getSource());
      auto type = cast<MemRefType>(view.getType());
      SmallVector<int64_t> strides;
      int64_t offset = 0;
      if (arg && arg.getOwner() == &func.getBody().front() &&
          type.getShape() == cast<MemRefType>(arg.getType()).getShape() &&
          succeeded(type.getStridesAndOffset(strides, offset)) &&
          offset == 0) {
        bufferNames[view.getResult()] = bufferNames.lookup(arg);
        stridedArguments[view.getResult()] = arg;
        continue;
      }
    }
    if (auto map = dyn_cast<nvgpu::TmaCreateDescriptorOp>(op)) {
      if (failed(describeTensorMap(map)))
        return failure();
      continue;
    }
    if (isa<memref::DeallocOp>(op) || matchPattern(&op, m_Constant()))
      continue;
    return op.emitError() << "host operation '" << op.getName()
                          << "' cannot be described by a kernel manifest "
                             "(only constants, memref.alloc/dealloc, "
                             "reshapes of buffers, unranked memref.cast, "
                             "memref.cast of an argument to its strides, "
                             "nvgpu.tma.create.descriptor and "
                             "gpu.launch_func are)";
  }
  for (json::Value &arg : arguments)
    if (takesCallerStrides(*arg.getAsObject(), kernels))
      (*arg.getAsObject())["caller_strides"] = true;
  manifest["function"] = func.getName().str();
  manifest["arguments"] = std::move(arguments);
  manifest["scratch"] = std::move(scratch);
  manifest["results"] = std::move(results);
  manifest["kernels"] = std::move(kernels);
  return success();
}

FailureOr<json::Object>
mlir::fa::buildKernelManifest(ModuleOp module, StringRef funcName,
                              const llvm::StringMap<std::string> &files,
                              const llvm::StringMap<KernelResources> &resources) {
  func::FuncOp func;
  if (!funcName.empty()) {
    func = module.lookupSymbol<func::FuncOp>(funcName);
    if (!func)
      return module.emitError() << "no function @" << funcName;
  } else {
    for (auto candidate : module.getOps<func::FuncOp>()) {
      if (!candidate.isPublic() || candidate.isExternal())
        continue;
      if (func)
        return module.emitError() << "several public functions; name the one "
                                     "to describe";
      func = candidate;
    }
    if (!func)
      return module.emitError() << "no public function to describe";
  }
  FailureOr<KernelBinary> binary = getKernelBinary(module);
  if (failed(binary))
    return failure();

  json::Object manifest{{"format", "fa-kernel-manifest"},
                        {"version", 1},
                        {"arch", binary->chip},
                        {"features", binary->features}};
  json::Object fileObject;
  for (const auto &entry : files)
    fileObject[entry.getKey()] = entry.getValue();
  manifest["files"] = std::move(fileObject);
  ManifestBuilder builder(func, binary->name, resources);
  if (failed(builder.build(manifest)))
    return failure();
  return manifest;
}
