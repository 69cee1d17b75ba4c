"""Staging for the GPU machines (bench/distributed/*.py stage DEST): the
package and the runtime sources next to the staged script. Imported only
by `stage`, on the build machine."""

import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def copy_tree(dest, script):
    """DEST/python/flashattn_mlir, DEST/runtime, DEST/bench/distributed/
    `script`'s file."""
    for sub in ("python/flashattn_mlir", "runtime"):
        shutil.rmtree(os.path.join(dest, sub), ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, sub), os.path.join(dest, sub),
                        ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(dest, "bench", "distributed"), exist_ok=True)
    shutil.copy(script, os.path.join(dest, "bench", "distributed"))
