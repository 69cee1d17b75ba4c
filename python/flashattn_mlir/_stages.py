"""The IR at each stage of the pipeline, for Kernel.mlir(stage):
fa-to-ptx-pipeline stopped after that stage (its stop-after option), so
that the pass list lives in the pipeline alone."""

from . import _capi
from ._config import pipeline_options

STAGES = ("input", "target", "tiled", "bufferized", "gpu", "final")


def run_pipeline(config, source, stop_after="binary", explain=False):
    """Parses `source` and runs fa-to-ptx-pipeline with `config`'s options
    up to `stop_after`; returns the compiler, the module (the caller
    destroys it) and the remarks."""
    c = _capi.compiler()
    options = pipeline_options(config) + f" stop-after={stop_after}"
    if explain:
        options += " explain=true"
    module = c.parse(source)
    try:
        remarks = c.run(module, f"fa-to-ptx-pipeline{{{options}}}")
    except BaseException:
        c.destroy(module)
        raise
    return c, module, remarks


def stage_mlir(config, source, stage):
    """The module after `stage` (see STAGES) of the pipeline."""
    if stage == "input":
        return source
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    c, module, _ = run_pipeline(config, source,
                                "binary" if stage == "final" else stage)
    try:
        return c.print(module)
    finally:
        c.destroy(module)
