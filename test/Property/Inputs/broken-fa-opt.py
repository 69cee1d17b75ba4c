#!/usr/bin/env python3
"""Stands in for fa-opt in property-selftest.mlir: runs the real fa-opt
(argv[1]) except that fa-check-sram-budget aborts like a crashing pass and
fa-decompose-attention fails without a diagnostic. The property test must
report both."""

import os
import sys

real, args = sys.argv[1], sys.argv[2:]
if any(a.startswith("--fa-check-sram-budget") for a in args):
    sys.stderr.write("PLEASE submit a bug report\n")
    sys.stderr.flush()
    os.abort()
if any(a.startswith("--fa-decompose-attention") for a in args):
    sys.exit(1)
os.execv(real, [real] + args)
