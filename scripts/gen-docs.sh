#!/usr/bin/env bash
# Regenerates the TableGen reference pages in docs/FA/ from the .td files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
ninja -C "${BUILD_DIR:-build}" mlir-doc >/dev/null
mkdir -p docs/FA
cp "${BUILD_DIR:-build}"/docs/FA/*.md docs/FA/
ls docs/FA
