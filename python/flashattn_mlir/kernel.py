"""Kernel: one compiled attention, its artifacts, saving and loading them in
fa-compile's layout (NAME.ptx, NAME.cubin, NAME.ptxas.log, NAME.json) plus
NAME.config.json, the configuration that attention() matches."""

import json
import math
import os
import weakref

from . import _capi, _checks
from ._capi import CompileError
from ._config import default_name, make_config, semantic_key
from ._stages import STAGES, stage_mlir


class Kernel:
    """A compiled fa.attention.

    Attributes: `config` (what it computes: shapes, dtype, causal, scale,
    mask, lse, target, options; None when loaded from files that do not say),
    `ptx` (str), `cubin` (bytes or None), `manifest` (dict, docs/GPU.md),
    `tiling` (the chosen #fa.tiling as a dict), `schedule` and
    `shared_memory` (properties, below), `explain` (the cost model's
    remarks), `ptxas_log`, `name`, `path` (its manifest once saved or
    loaded). `mlir(stage)` returns the IR at a stage (needs the compiler).
    """

    def __init__(self, config, ptx, cubin, manifest, tiling=None, explain="",
                 ptxas_log="", source=None, final_mlir=None, name=None,
                 path=None, schedule=None, shared_memory=None):
        for arg, value, types in (
                ("config", config, (dict, type(None))), ("ptx", ptx, (str, bytes)),
                ("cubin", cubin, (bytes, type(None))), ("manifest", manifest, (dict,)),
                ("tiling", tiling, (dict, type(None))), ("explain", explain, (str,)),
                ("ptxas_log", ptxas_log, (str,)), ("source", source, (str, type(None))),
                ("final_mlir", final_mlir, (str, type(None))),
                ("schedule", schedule, (dict, type(None))),
                ("shared_memory", shared_memory, (dict, type(None)))):
            if not isinstance(value, types):
                raise TypeError(f"Kernel's {arg} must be "
                                f"{' or '.join(t.__name__ for t in types)}, got {value!r}")
        if name is not None:
            _checks.file_name("name", name)
        self.config = config
        self.ptx = ptx.decode() if isinstance(ptx, bytes) else ptx
        self.cubin = cubin
        self.manifest = manifest
        self.tiling = tiling
        self._schedule = schedule
        self._shared_memory = shared_memory
        self.explain = explain
        self.ptxas_log = ptxas_log
        self.name = name or (default_name(config) if config else "kernel")
        self.path = path
        self._source = source
        self._final = final_mlir
        self._stages = {}
        self._loaded = {}  # device ordinal -> runtime module handle
        # What the torch custom op's schema carries for attention()'s
        # kernel= (a str; autograd.py), set here, outside any tracing.
        self.token = f"{self.name}@{id(self):x}"
        by_token[self.token] = self
        self._alignment = None  # runtime.alignment_needs(), from the manifest
        self._caller_strides = None  # runtime.caller_strides(), likewise

    def __repr__(self):
        c = self.config or {}
        return (f"Kernel({self.name!r}, dtype={c.get('dtype')}, q={c.get('q_shape')}, "
                f"k={c.get('k_shape')}, causal={c.get('causal')}, tiling={self.tiling})")

    @property
    def schedule(self):
        """The #fa.schedule fa-select-tiling decided, as a dict: `kernel`
        (simt, mma-sync, wgmma), `loads`, `release`, `step`, `pingpong`,
        `masked_steps`, `epilogue`, `walk` (dense, or compacted: a block
        mask's live blocks listed; spelled as the pipeline's options spell
        them), `consumer_regs` and `min_blocks` (the mma-sync kernel's
        resident blocks ptxas fits its registers to, `.minnctapersm`; 0
        without); a backward kernel's #fa.backward_schedule:
        `kernel`, `dq`, `deterministic`, `walk`, `in_flight` (none, dk) and
        `epilogue` (direct, tma-store: how dK and dV are stored) and
        `persistent` (off, on: one block per SM walking the tiles),
        `dq_pass` (step-start, after-scores: where ordered dQ passes a
        step's turn), `gqa` (loop, split: a block per query head of a GQA
        group), `dq_convert` (kernel, fused: the main kernel's last block
        at a q-block converts its dQ), `dq_reduce` (warp, warpgroup: one
        thread a warpgroup adds the ring's dQ boxes of 64 rows) and
        `launch_chunk` (an int: the (batch, head) pairs the grid launches
        longest first together; 1: a pair's kv-blocks one after another).
        None for the naive kernel and for a kernel loaded without it."""
        return self._schedule

    @property
    def shared_memory(self):
        """{"bytes": the shared memory one thread block of the kernel needs
        (the cost model's number for its tiling), "budget": the target's
        sram_per_block}, or None (the naive kernel, a kernel loaded without
        it)."""
        return self._shared_memory

    @property
    def source(self):
        """The input MLIR."""
        return self._source

    def mlir(self, stage="input"):
        """The module after `stage`: 'input' (the generated fa.attention),
        'target' (fa-set-target), 'tiled' (fa-select-tiling and
        fa-tile-attention), 'bufferized', 'gpu' (convert-fa-to-gpu), 'final'
        (fa-to-ptx-pipeline's output: host code and the gpu.binary)."""
        _checks.text("stage", stage)
        if stage == "final" and self._final is not None:
            return self._final
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
        if self._source is None:
            raise ValueError(f"kernel {self.name} was loaded without its input MLIR")
        if stage not in self._stages:
            self._stages[stage] = stage_mlir(self.config, self._source, stage)
        return self._stages[stage]

    def save(self, directory, name=None):
        """Writes the kernel as fa-compile does (NAME.ptx, NAME.cubin,
        NAME.ptxas.log, NAME.json) plus NAME.mlir (the input) and
        NAME.config.json; returns the manifest's path."""
        directory = _checks.path("directory", directory)
        name = self.name if name is None else _checks.file_name("name", name)
        os.makedirs(directory, exist_ok=True)
        base = os.path.join(directory, name)
        manifest = dict(self.manifest)
        files = {"ptx": name + ".ptx"}
        with open(base + ".ptx", "w") as f:
            f.write(self.ptx)
        if self.cubin is not None:
            with open(base + ".cubin", "wb") as f:
                f.write(self.cubin)
            files["cubin"] = name + ".cubin"
        if self.ptxas_log:
            with open(base + ".ptxas.log", "w") as f:
                f.write(self.ptxas_log)
        manifest["files"] = files
        if self._source:
            with open(base + ".mlir", "w") as f:
                f.write(self._source)
        with open(base + ".config.json", "w") as f:
            json.dump({"config": self.config, "tiling": self.tiling,
                       "schedule": self.schedule,
                       "shared_memory": self.shared_memory,
                       "explain": self.explain}, f, indent=2, sort_keys=True)
            f.write("\n")
        # Written last: a manifest means the kernel is complete.
        tmp = base + ".json.tmp"
        with open(tmp, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, base + ".json")
        self.manifest = manifest
        self.name, self.path = name, base + ".json"
        return self.path


def _from_mlir(text, manifest):
    """The configuration, tiling and schedule of an fa-compile input with
    one fa.attention (bench/correctness/gpu_cases.py writes them), read from
    the op through the C API; Nones without the compiler or for another
    input."""
    if not _capi.compiler_available():
        return None, None, None
    c = _capi.compiler()
    try:
        module = c.parse(text)
    except CompileError:
        return None, None, None
    try:
        op = c.attention_operands(module)
    finally:
        c.destroy(module)
    if op is None:
        return None, None, None
    (q, dtype), (k, _), (v, _) = op["q"], op["k"], op["v"]
    mask, mask_shape = None, None
    if op["mask"]:
        mask_shape, mask_type = op["mask"]
        mask = "bool" if mask_type == "i1" else "bias"
    try:
        config = make_config(q, k, v, dtype, op["causal"],
                             op["scale"] if op["scale"] is not None
                             else 1.0 / math.sqrt(q[-1]),
                             mask, mask_shape, op["lse"],
                             target=manifest.get("arch", "h100"),
                             window=op["window"], block_mask=op["block_mask"],
                             mask_pattern=op["mask_pattern"])
    except (TypeError, ValueError):  # dynamic sizes, another element type
        return None, None, None
    return config, op["tiling"], op["schedule"]


def load(path):
    """Loads a kernel saved by Kernel.save or written by fa-compile: `path`
    is NAME.json or the prefix NAME. The configuration comes from
    NAME.config.json, else from NAME.mlir (fa-compile's input, when next to
    it, read by the compiler where it is available), else it is None and
    attention() will not pick the kernel."""
    path = _checks.path("path", path)
    base = path[:-5] if path.endswith(".json") else path
    with open(base + ".json") as f:
        manifest = json.load(f)
    if manifest.get("format") != "fa-kernel-manifest":
        raise ValueError(f"{base}.json is not a kernel manifest")
    directory = os.path.dirname(base)
    files = manifest.get("files", {})
    with open(os.path.join(directory, files["ptx"])) as f:
        ptx = f.read()
    cubin = None
    if "cubin" in files and os.path.exists(os.path.join(directory, files["cubin"])):
        with open(os.path.join(directory, files["cubin"]), "rb") as f:
            cubin = f.read()
    config, tiling, schedule, shared_memory = None, None, None, None
    explain, source, log = "", None, ""
    if os.path.exists(base + ".mlir"):
        with open(base + ".mlir") as f:
            source = f.read()
    if os.path.exists(base + ".ptxas.log"):
        with open(base + ".ptxas.log") as f:
            log = f.read()
    if os.path.exists(base + ".config.json"):
        with open(base + ".config.json") as f:
            side = json.load(f)
        config, tiling, explain = side["config"], side.get("tiling"), side.get("explain", "")
        schedule, shared_memory = side.get("schedule"), side.get("shared_memory")
    elif source is not None:
        config, tiling, schedule = _from_mlir(source, manifest)
    return Kernel(config, ptx, cubin, manifest, tiling, explain, log, source,
                  name=os.path.basename(base), path=base + ".json",
                  schedule=schedule, shared_memory=shared_memory)


by_token = weakref.WeakValueDictionary()  # Kernel.token -> Kernel
_registry = {}  # semantic_key -> Kernel, for attention()
# attention()'s launch plans for torch tensors (autograd.py), keyed on what
# a call's checks depend on; they hold the kernel found for that key, so a
# kernel registered later (which may replace one) forgets them all.
plans = {}


def register(kernel):
    """Makes attention() use `kernel` for its configuration."""
    if not isinstance(kernel, Kernel):
        raise TypeError(f"kernel must be a Kernel (compile(), load()), got {kernel!r}")
    if kernel.config is None:
        raise ValueError(f"kernel {kernel.name} has no configuration (no "
                         "NAME.config.json or NAME.mlir next to it)")
    _registry[semantic_key(kernel.config)] = kernel
    plans.clear()


def load_dir(directory):
    """Loads and registers every kernel manifest in `directory`; returns the
    kernels (those without a configuration are skipped)."""
    kernels = []
    directory = _checks.path("directory", directory)
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(".json") or entry.endswith(".config.json"):
            continue
        path = os.path.join(directory, entry)
        try:
            with open(path) as f:
                if json.load(f).get("format") != "fa-kernel-manifest":
                    continue
        except (ValueError, OSError):
            continue
        kernel = load(path)
        if kernel.config is not None:
            register(kernel)
            kernels.append(kernel)
    return kernels


def registered():
    return list(_registry.values())
