"""Kernel: one compiled attention, its artifacts, saving and loading them in
fa-compile's layout (NAME.ptx, NAME.cubin, NAME.ptxas.log, NAME.json) plus
NAME.config.json, the configuration that attention() matches."""

import json
import math
import os
import re

from ._config import default_name, make_config, parse_tiling, semantic_key
from ._stages import STAGES, stage_mlir


class Kernel:
    """A compiled fa.attention.

    Attributes: `config` (what it computes: shapes, dtype, causal, scale,
    mask, lse, target, options; None when loaded from files that do not say),
    `ptx` (str), `cubin` (bytes or None), `manifest` (dict, docs/GPU.md),
    `tiling` (the chosen #fa.tiling as a dict), `explain` (the cost model's
    remarks), `ptxas_log`, `name`, `path` (its manifest once saved or
    loaded). `mlir(stage)` returns the IR at a stage (needs the compiler).
    """

    def __init__(self, config, ptx, cubin, manifest, tiling=None, explain="",
                 ptxas_log="", source=None, final_mlir=None, name=None,
                 path=None):
        self.config = config
        self.ptx = ptx.decode() if isinstance(ptx, bytes) else ptx
        self.cubin = cubin
        self.manifest = manifest
        self.tiling = tiling
        self.explain = explain
        self.ptxas_log = ptxas_log
        self.name = name or (default_name(config) if config else "kernel")
        self.path = path
        self._source = source
        self._final = final_mlir
        self._stages = {}
        self._loaded = {}  # device ordinal -> runtime module handle

    def __repr__(self):
        c = self.config or {}
        return (f"Kernel({self.name!r}, dtype={c.get('dtype')}, q={c.get('q_shape')}, "
                f"k={c.get('k_shape')}, causal={c.get('causal')}, tiling={self.tiling})")

    @property
    def source(self):
        """The input MLIR."""
        return self._source

    def mlir(self, stage="input"):
        """The module after `stage`: 'input' (the generated fa.attention),
        'target' (fa-set-target), 'tiled' (fa-select-tiling and
        fa-tile-attention), 'bufferized', 'gpu' (convert-fa-to-gpu), 'final'
        (fa-to-ptx-pipeline's output: host code and the gpu.binary)."""
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
        name = name or self.name
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


_ARG = re.compile(r"%(\w+): tensor<([0-9x]+)x(\w+)>")


def _config_from_mlir(text, manifest):
    """The configuration of an fa-compile input (bench/correctness/gpu_cases.py
    emits `@attention(%q, %k, %v, %o)`), or None when it is not that form."""
    if text.count("fa.attention") != 1 or "mask(" in text:
        return None
    args = {m.group(1): ([int(d) for d in m.group(2).split("x")], m.group(3))
            for m in _ARG.finditer(text.split("{")[0])}
    if not all(a in args for a in ("q", "k", "v")):
        return None
    attrs = text.split("outs(", 1)[1]
    causal = re.search(r"\{[^}]*\bcausal\b", attrs) is not None
    scale = re.search(r"scale = ([0-9.eE+-]+)", attrs)
    q, k, v = args["q"][0], args["k"][0], args["v"][0]
    return make_config(q, k, v, args["q"][1], causal,
                       float(scale.group(1)) if scale else 1.0 / math.sqrt(q[3]),
                       lse=len(manifest.get("results", [])) == 2,
                       target=manifest.get("arch", "h100"))


def load(path):
    """Loads a kernel saved by Kernel.save or written by fa-compile: `path`
    is NAME.json or the prefix NAME. The configuration comes from
    NAME.config.json, else from NAME.mlir (fa-compile's input, when next to
    it), else it is None and attention() will not pick the kernel."""
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
    config, tiling, explain, source, log = None, None, "", None, ""
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
    elif source is not None:
        config = _config_from_mlir(source, manifest)
        tiling = parse_tiling(source)
    return Kernel(config, ptx, cubin, manifest, tiling, explain, log, source,
                  name=os.path.basename(base), path=base + ".json")


_registry = {}  # semantic_key -> Kernel, for attention()


def register(kernel):
    """Makes attention() use `kernel` for its configuration."""
    if kernel.config is None:
        raise ValueError(f"kernel {kernel.name} has no configuration (no "
                         "NAME.config.json or NAME.mlir next to it)")
    _registry[semantic_key(kernel.config)] = kernel


def load_dir(directory):
    """Loads and registers every kernel manifest in `directory`; returns the
    kernels (those without a configuration are skipped)."""
    kernels = []
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
