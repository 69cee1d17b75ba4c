#!/usr/bin/env bash
# Set-up, then every test: lit (dialect, passes, CPU execution) and the gtest
# unit tests, through `ninja check-fa`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ninja -C "${BUILD_DIR:-build}" check-fa
