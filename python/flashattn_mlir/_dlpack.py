"""Reads a DLPack tensor (dlpack.h, the unversioned `dltensor` capsule that
`__dlpack__()` and torch.utils.dlpack.to_dlpack return) with ctypes: where
the data is, its device, dtype, shape and strides.

Only what attention() needs: the capsule is read, not consumed, so its
producer keeps owning the memory (and frees it with the capsule).
"""

import ctypes

# DLDeviceType
CPU, CUDA, CUDA_HOST, ROCM, CUDA_MANAGED = 1, 2, 3, 10, 13
DEVICE_NAMES = {1: "cpu", 2: "cuda", 3: "cuda_host", 4: "opencl", 7: "vulkan",
                8: "metal", 9: "vpi", 10: "rocm", 11: "rocm_host", 12: "ext_dev",
                13: "cuda_managed", 14: "oneapi", 15: "webgpu", 16: "hexagon",
                17: "maia"}
# DLDataTypeCode: (code, bits, lanes) -> attention()'s dtype names.
DTYPES = {(2, 16, 1): "f16", (2, 32, 1): "f32", (4, 16, 1): "bf16",
          (6, 8, 1): "bool"}
_CODES = {0: "int", 1: "uint", 2: "float", 3: "opaque_handle", 4: "bfloat",
          5: "complex", 6: "bool"}


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8),
                ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    # The first member of DLManagedTensor: a capsule's pointer is one.
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice),
                ("ndim", ctypes.c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_is_valid = ctypes.pythonapi.PyCapsule_IsValid
_is_valid.restype = ctypes.c_int
_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]


def is_capsule(x):
    return type(x).__name__ == "PyCapsule" and _is_valid(x, b"dltensor") == 1


def device_name(device_type, device_id):
    return f"{DEVICE_NAMES.get(device_type, f'device type {device_type}')}:{device_id}"


def dtype_name(code, bits, lanes):
    name = f"{_CODES.get(code, f'code {code} ')}{bits}"
    return name if lanes == 1 else f"{name}x{lanes}"


class View:
    """data (int, byte offset applied), device (type, id), dtype (code,
    bits, lanes), shape, strides (in elements; None: row-major)."""

    def __init__(self, capsule):
        if not _is_valid(capsule, b"dltensor"):
            raise TypeError("__dlpack__() did not return a 'dltensor' capsule "
                            "(an unversioned DLPack tensor that was not consumed)")
        t = DLTensor.from_address(_get_pointer(capsule, b"dltensor"))
        self.capsule = capsule  # keeps the DLManagedTensor alive
        self.data = (t.data or 0) + t.byte_offset
        self.device = (t.device.device_type, t.device.device_id)
        self.dtype = (t.dtype.code, t.dtype.bits, t.dtype.lanes)
        self.shape = tuple(t.shape[i] for i in range(t.ndim))
        self.strides = (None if not t.strides
                        else tuple(t.strides[i] for i in range(t.ndim)))
