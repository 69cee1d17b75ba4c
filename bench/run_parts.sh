#!/usr/bin/env bash
# Runs on the device machine: several staged checks and benchmarks in one
# call, each under its own time cap, stopping before END seconds, with the
# long fuzzing run (scripts/fuzz-bundle.sh's bundle) on the other CPUs
# beside them; then packs everything for the trip back.
#
#   CALL=N END=S bash PACK/run_parts.sh        (PACK: a folder of staged ones)
#
# PACK/parts.txt: one part a line, "NAME CAP_S DIR COMMAND...", DIR relative
# to PACK, e.g.
#   bqt 170 bqt bash run.sh --only _bqt --rounds 2
#   train 120 train bash run_train.sh
# Each part runs in PACK/DIR with OUT (and PART_OUT) set to its own folder
# under $OUT/callN/NAME, its output in NAME/log.txt; a part that would start
# with under 20 s left is skipped. With PACK/fuzz/run.sh (the fuzz bundle)
# the fuzzing runs from the start until END - FUZZ_MARGIN (80) s on CPUS
# (4-15) with JOBS (12) workers, from PACK/corpus-in.tar.xz when present;
# NOFUZZ=1 leaves it out.
#
# A device call brings back at most 8 files, two folders down: at the end
# $OUT holds summary-callN.txt, corpus-callN.tar.xz (the fuzzing's learned
# corpus, the next run's CORPUS_IN) and results-callN.tar.xz (everything
# else), never the parts' files one by one.
set -uo pipefail
PACK=$(cd "$(dirname "$0")" && pwd)
T0=$(date +%s)
END=${END:-540}
CALL=${CALL:-0}
OUT=${OUT:?set OUT (the device call sets it)}
RES=$OUT/call$CALL
mkdir -p "$RES"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader \
  > "$RES/gpu.txt" 2>&1
cat "$RES/gpu.txt"
FUZZ_PID=""
if [ -f "$PACK/fuzz/run.sh" ] && [ -z "${NOFUZZ:-}" ]; then
  CIN=""
  [ -f "$PACK/corpus-in.tar.xz" ] && CIN=$PACK/corpus-in.tar.xz
  FUZZ_SECONDS=$(( END - ${FUZZ_MARGIN:-80} ))
  ( cd "$PACK/fuzz" && OUT="$RES/fuzz" JOBS=${JOBS:-12} CPUS=${CPUS:-4-15} \
      SECONDS_=$FUZZ_SECONDS CORPUS_IN=$CIN RECHECK=1 \
      bash run.sh > "$RES/fuzz.log" 2>&1 ) &
  FUZZ_PID=$!
  echo "=== fuzz started ($FUZZ_SECONDS s)" | tee -a "$RES/summary.txt"
fi
while read -r name cap dir cmd; do
  [ -z "$name" ] && continue
  case "$name" in \#*) continue ;; esac
  now=$(( $(date +%s) - T0 ))
  left=$(( END - now ))
  if [ "$left" -lt 20 ]; then
    echo "=== $name skipped (at ${now}s)" | tee -a "$RES/summary.txt"
    continue
  fi
  [ "$cap" -gt "$left" ] && cap=$left
  echo "=== $name (at ${now}s, cap $cap)" | tee -a "$RES/summary.txt"
  mkdir -p "$RES/$name"
  ( cd "$PACK/$dir" && OUT="$RES/$name" PART_OUT="$RES/$name" \
      timeout -k 5 "$cap" bash -c "$cmd" ) > "$RES/$name/log.txt" 2>&1
  echo "=== $name rc=$? after $(( $(date +%s) - T0 ))s" | tee -a "$RES/summary.txt"
  tail -5 "$RES/$name/log.txt"
done < "$PACK/parts.txt"
if [ -n "$FUZZ_PID" ]; then
  wait "$FUZZ_PID"
  echo "=== fuzz rc=$? after $(( $(date +%s) - T0 ))s" | tee -a "$RES/summary.txt"
  cat "$RES/fuzz/summary.txt" 2>/dev/null
fi
cd "$OUT"
cp "$RES/summary.txt" "summary-call$CALL.txt" 2>/dev/null
[ -f "$RES/fuzz/corpus.tar.xz" ] && mv "$RES/fuzz/corpus.tar.xz" "corpus-call$CALL.tar.xz"
tar cJf "results-call$CALL.tar.xz" "call$CALL" && rm -rf "call$CALL"
ls -la "$OUT"
