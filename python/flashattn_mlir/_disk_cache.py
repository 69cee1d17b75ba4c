"""The on-disk kernel cache (docs/Training.md, "The kernel cache").

Layout: ROOT/COMPILER/NAME/NAME.{json,ptx,cubin,config.json,...}, one
folder per kernel as Kernel.save writes it. ROOT is `cache_dir=`, else
$FLASHATTN_MLIR_CACHE, else $XDG_CACHE_HOME/flashattn_mlir (default
~/.cache/flashattn_mlir); FLASHATTN_MLIR_CACHE=off turns it off. COMPILER
names what else changes a kernel for the same configuration: the compiler
library (a hash of libFlashAttn-C.so) and the ptxas that made the cubin (its
--version), so a new build or toolkit never reads an old entry. NAME is the
configuration's (default_name: shapes, dtype, causal and a hash of the whole
configuration: scale, mask, lse, target, options, tiling).

Writers build an entry in a temporary folder next to it and rename the
folder into place: a reader sees a whole entry or none, and of concurrent
writers of one entry the first rename wins (the others' folders are
removed). An entry that does not load (truncated, edited, another
configuration) is moved aside and rebuilt, with a warning.
"""

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile

from . import _capi
from ._config import config_key

log = logging.getLogger("flashattn_mlir")
_OFF = ("off", "0", "none", "false")
_identities = {}  # ptxas path or None -> COMPILER


def root(cache_dir=None):
    """The cache's root folder, or None when it is off."""
    if cache_dir is not None:
        return cache_dir
    env = os.environ.get("FLASHATTN_MLIR_CACHE")
    if env is not None and env.strip():
        return None if env.strip().lower() in _OFF else env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "flashattn_mlir")


def identity(ptxas):
    """COMPILER for kernels made with the loaded compiler library and
    `ptxas` (a path, or None: no cubin): 16 hex digits."""
    if ptxas not in _identities:
        h = hashlib.sha256()
        with open(_capi.compiler().path, "rb") as f:
            h.update(f.read())
        h.update(b"\0ptxas\0")
        if ptxas:
            try:
                h.update(subprocess.run([ptxas, "--version"], capture_output=True,
                                        timeout=60).stdout)
            except (OSError, subprocess.SubprocessError):
                h.update(ptxas.encode())
        _identities[ptxas] = h.hexdigest()[:16]
    return _identities[ptxas]


def lookup(folder, name, key, load):
    """The kernel of entry `name` in `folder` when it holds configuration
    `key`; None when there is none. A damaged entry is moved aside."""
    entry = os.path.join(folder, name)
    manifest = os.path.join(entry, name + ".json")
    if not os.path.isdir(entry):
        return None
    try:
        kernel = load(manifest)
        if kernel.config is None or config_key(kernel.config) != key:
            raise ValueError("it holds another configuration")
        return kernel
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("ignoring the damaged kernel cache entry %s (%s); compiling "
                    "it again", entry, e)
        _discard(entry)
        return None


def store(folder, name, kernel, load):
    """Writes `kernel` as entry `name` of `folder` atomically; returns the
    entry's kernel (`kernel`, now saved there, or a concurrent writer's)."""
    os.makedirs(folder, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{name}.", dir=folder)
    entry = os.path.join(folder, name)
    try:
        kernel.save(tmp, name)
        os.rename(tmp, entry)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.isdir(entry):
            raise
        # Another process wrote the entry first: use its files.
        return load(os.path.join(entry, name + ".json"))
    kernel.path = os.path.join(entry, name + ".json")
    return kernel


def _discard(entry):
    """Renames a damaged entry aside (so that a concurrent reader never sees
    it half removed) and removes it."""
    # An empty folder: rename() replaces it.
    aside = tempfile.mkdtemp(prefix=f".{os.path.basename(entry)}.damaged.",
                             dir=os.path.dirname(entry))
    try:
        os.rename(entry, aside)
    except OSError:
        return  # another process moved it first
    shutil.rmtree(aside, ignore_errors=True)
