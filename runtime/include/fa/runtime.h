/*===- runtime.h - flashattn-mlir kernel runtime, C API -----------*- C -*-===*\
|*                                                                            *|
|* Part of flashattn-mlir.                                                    *|
|*                                                                            *|
|*===----------------------------------------------------------------------===*|
|*                                                                            *|
|* Loads what `fa-compile` writes (a kernel manifest, PTX and/or a cubin) and *|
|* launches it through the CUDA driver API. No MLIR dependency; plain C so    *|
|* that Python's ctypes can call it. Every function that can fail returns 0  *|
|* on success (or a non-null pointer) and otherwise records a message naming *|
|* the failing CUDA call and its error, read with faRtGetLastError().        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FA_RUNTIME_H
#define FA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded manifest: the CUDA module, its kernels and scratch buffers.
typedef struct FaRtModule FaRtModule;

/// The calling thread's last error message ("" when the last call succeeded).
const char *faRtGetLastError(void);

/// Initializes the driver and makes device `ordinal`'s primary context
/// current on the calling thread. The primary context is the one the CUDA
/// runtime (and PyTorch) use, so device pointers are shared with them. A
/// thread without a current context gets this one in every call below.
/// Calls may come again and from several threads at once (they are
/// serialized); a failed one leaves no context for such threads.
int faRtInit(int ordinal);

/// The name of the current device (e.g. "NVIDIA H100 80GB HBM3"), or NULL.
const char *faRtDeviceName(void);

/// Reads the manifest at `manifestPath` and loads the object it names, from
/// the manifest's folder: the cubin when `preferCubin` is non-zero and the
/// manifest has one, else the PTX (compiled by the driver's JIT). One set
/// of the manifest's scratch buffers is allocated here, for the first
/// stream that launches the module (see faRtLaunch). Returns NULL on
/// failure.
FaRtModule *faRtLoad(const char *manifestPath, int preferCubin);

/// Frees every stream's scratch buffers and unloads the module. Accepts
/// NULL. Not while another thread launches `module` (the module is freed).
/// A CUDA graph that captured launches of the module must not be replayed
/// afterwards.
void faRtUnload(FaRtModule *module);

/// "cubin" or "ptx": what faRtLoad loaded.
const char *faRtLoadedFormat(const FaRtModule *module);

/// Number of buffers the caller passes to faRtLaunch (the function's
/// memref arguments), and the size in bytes of argument `index` (-1 when
/// out of range).
int faRtNumArguments(const FaRtModule *module);
int64_t faRtArgumentBytes(const FaRtModule *module, int index);

/// Number of kernels launched by faRtLaunch and the name of kernel `index`.
int faRtNumKernels(const FaRtModule *module);
const char *faRtKernelName(const FaRtModule *module, int index);

/// Launches every kernel of the manifest in order on `stream` (NULL: the
/// legacy default stream), binding argument i to `devicePtrs[i]`. Returns
/// once the launches are queued; call faRtSynchronize to wait. With the
/// environment variable FA_RT_SYNC_EACH=1 it synchronizes after every kernel
/// and names the one that faulted. A kernel's TMA tensor maps (manifest
/// parameters of type "tensormap") are encoded over the bound buffers with
/// cuTensorMapEncodeTiled, which needs 16-byte-aligned addresses (an error
/// naming the buffer otherwise), and copied to device memory on `stream`
/// once per distinct set of maps and stream; a launch whose maps' buffers
/// have addresses seen before on that stream reuses that copy without
/// encoding. Threads may launch one module concurrently (a lock per module
/// guards its tensor maps and scratch buffers).
///
/// Scratch buffers are per stream: the first stream to launch the module
/// takes the set faRtLoad allocated, and every other stream gets its own
/// at its first launch (cuMemAlloc), which its later launches reuse, so
/// launches on two streams may run at the same time. Streams are told
/// apart by handle (NULL and CU_STREAM_LEGACY are one stream;
/// CU_STREAM_PER_THREAD is a stream per thread): a handle that the driver
/// gives a new stream after cuStreamDestroy keeps the old stream's set, so
/// let a stream's launches finish before destroying it. A stream's first
/// launch inside a CUDA graph capture allocates its set during the capture,
/// in the relaxed capture mode; where even that fails, the error says to
/// launch the module once on the stream before capturing it.
int faRtLaunch(FaRtModule *module, const uint64_t *devicePtrs, int numPtrs,
               void *stream);

/// faRtLaunch with the arguments in the caller's layout (D128; docs/GPU.md,
/// "Caller strides"): `strides` is NULL (every argument dense, as
/// faRtLaunch) or holds one entry per argument, NULL for the argument's
/// dense strides or a pointer to its strides in elements, one per
/// dimension of its manifest shape, outermost first. Only an argument whose
/// manifest entry says "caller_strides" takes them: its tensor maps are
/// encoded with them and its `stride_of` kernel parameters pass them. A
/// size-1 dimension's stride is ignored. An error naming the argument, and
/// no launch, for strides given to another argument, an innermost stride
/// other than 1, a stride below 1, strides with which one of its tensor
/// maps cannot be encoded (a byte stride not a multiple of 16 or not below
/// 2^40), or overlapping strides of an argument the kernels write (a
/// manifest result). The memory the strides reach is the caller's to
/// provide. Tensor maps are cached by address and strides.
int faRtLaunchStrided(FaRtModule *module, const uint64_t *devicePtrs,
                      const int64_t *const *strides, int numPtrs, void *stream);

/// Waits for all work of the current context (cuCtxSynchronize).
int faRtSynchronize(void);

/// Device memory for callers without a framework.
uint64_t faRtAlloc(size_t bytes);
int faRtFree(uint64_t devicePtr);
int faRtCopyToDevice(uint64_t dst, const void *src, size_t bytes);
int faRtCopyFromDevice(void *dst, uint64_t src, size_t bytes);
int faRtMemsetD8(uint64_t dst, unsigned char value, size_t bytes);

#ifdef __cplusplus
} // extern "C"
#endif

#endif // FA_RUNTIME_H
