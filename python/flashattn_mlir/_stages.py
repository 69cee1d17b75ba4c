"""The IR at each stage of the pipeline, for Kernel.mlir(stage): the
FlashAttention front end of fa-to-ptx-pipeline run step by step through the
C API."""

from . import _capi
from ._config import target_options

STAGES = ("input", "target", "tiled", "bufferized", "gpu", "final")
_BUFFERIZE = ("one-shot-bufferize{bufferize-function-boundaries=true "
              "function-boundary-type-conversion=identity-layout-map},"
              "canonicalize")
# The FlashAttention front end of fa-to-ptx-pipeline spelled pass by pass
# (lib/Pipelines/Pipelines.cpp), to show the IR between its steps.
_STAGE_PASSES = {
    "tiled": "fa-select-tiling{kernel=KERNEL},"
             "fa-tile-attention{tile-memory-space=0 require-tiling=true}",
    "bufferized": _BUFFERIZE,
    "gpu": "convert-fa-to-gpu,canonicalize,cse,convert-fa-to-nvgpu",
}
_NAIVE_STAGE_PASSES = {
    "tiled": "fa-select-tiling",
    "bufferized": "fa-decompose-attention," + _BUFFERIZE,
    "gpu": "func.func(convert-linalg-to-parallel-loops),canonicalize,"
           "func.func(gpu-map-parallel-loops,convert-parallel-loops-to-gpu),"
           "canonicalize,cse",
}


def stage_mlir(config, source, stage):
    """The module after `stage` (see STAGES) of the pipeline."""
    if stage == "input":
        return source
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    passes = _NAIVE_STAGE_PASSES if config["options"].get("naive") else _STAGE_PASSES
    steps = [f"fa-set-target{{{' '.join(target_options(config))}}}"]
    for name in ("tiled", "bufferized", "gpu"):
        if STAGES.index(name) > STAGES.index(stage):
            break
        steps.append(passes[name].replace(
            "KERNEL", config["options"].get("kernel", "auto")))
    c = _capi.compiler()
    module = c.parse(source)
    try:
        c.run(module, ",".join(steps))
        return c.print(module)
    finally:
        c.destroy(module)
