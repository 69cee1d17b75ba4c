#!/usr/bin/env bash
# The long fuzzing run (issue 27's 10^6 executions; docs/Reliability.md,
# "The long run"): JOBS fa-fuzz processes side by side for a wall-clock
# bound, with scripts/fuzz.sh's options, then a count of what they executed
# and found.
#
#   OUT=DIR [JOBS=12] [SECONDS_=500] [CPUS=4-15] [CORPUS_IN=DIR|FILE.tar.xz]
#     [SEED=N] [RECHECK=1] [EXTRA="libFuzzer flags"] bash fuzz-long.sh
#
# It is the bundle's run.sh (scripts/fuzz-bundle.sh), where fa-fuzz, seeds/,
# mlir.dict and upstream-bugs/ lie beside it. In a checkout, name them:
# FA_FUZZ_BIN=build-asan/bin/fa-fuzz FA_FUZZ_SEEDS=build-asan/fuzz/seeds
# FA_FUZZ_DICT=tools/fa-fuzz/mlir.dict FA_FUZZ_BUGS=tools/fa-fuzz/upstream-bugs.
#
# Each worker fuzzes its own share of the inputs (the seeds and CORPUS_IN's
# units, dealt round-robin, so the first pass over them is split, not
# repeated), under `taskset -c $CPUS` and `nice -n 19`, with its own
# -seed (SEED + worker, default SEED: the time). A worker that ends on a
# finding starts again (the next -seed) while 30 s are left. At the bound
# every worker is interrupted (SIGINT: libFuzzer prints its final stats and
# exits 72); that is the stop, not a finding.
#
# Under $OUT: logs/wNN-K.log (worker NN's K-th run), artifacts/ (crash-,
# leak-, timeout-, oom-, slow-unit- files; wNN-K- prefixed), corpus.tar.xz
# (the units the workers learned: CORPUS_IN of a later call; .tar.gz where
# xz is missing), runs.tsv (one line per worker run) and summary.txt (one
# line, key=value):
#   executions  sum over the runs of libFuzzer's final
#               stat::number_of_executed_units (a run killed without its
#               final stats counts its last #N line), seed passes included
#   seed_pass   of those, the first passes over the inputs (#N INITED)
#   crashes, leaks, ooms, timeouts   artifacts written (findings)
#   hangs       timeouts whose input runs over the timeout again when
#               re-run alone after the stop (RECHECK=0 skips the re-runs,
#               which take up to 60 s more, and leaves them unchecked:
#               still findings)
#   slow_units  inputs slower than 10 s (libFuzzer's -report_slow_units),
#               not findings
# scripts/fuzz-long-total.py adds several calls' summaries up. The exit
# status is 1 when anything was found, 2 when the binary does not start.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${FA_FUZZ_BIN:-$HERE/fa-fuzz}
SEEDS=${FA_FUZZ_SEEDS:-$HERE/seeds}
DICT=${FA_FUZZ_DICT:-$HERE/mlir.dict}
BUGS=${FA_FUZZ_BUGS:-$HERE/upstream-bugs}
: "${OUT:?OUT=DIR names where logs, artifacts and the summary go}"
JOBS=${JOBS:-12}
SECONDS_=${SECONDS_:-500}
CPUS=${CPUS:-}
SEED=${SEED:-$(date +%s)}
RECHECK=${RECHECK:-1}
TIMEOUT=60        # scripts/fuzz.sh's -timeout, -max_len, -rss_limit_mb
MAX_LEN=8192
RSS_MB=4096

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

start=$(date +%s)
deadline=$((start + SECONDS_))
mkdir -p "$OUT/logs" "$OUT/artifacts" "$OUT/corpus" "$OUT/work"
OUT=$(cd "$OUT" && pwd)
note() { echo "fuzz-long: $*" | tee -a "$OUT/notes.txt" >&2; }

# Pinning and priority: a taskset that cannot pin (some sandboxes) is left
# out rather than failing every worker.
RUN=(nice -n 19)
if [ -n "$CPUS" ]; then
  if taskset -c "$CPUS" true 2>/dev/null; then
    RUN=(taskset -c "$CPUS" nice -n 19)
  else
    note "taskset -c $CPUS fails here: workers are not pinned"
  fi
fi

# Does the binary start, and do its sanitizers work here? The inputs of
# upstream-bugs/ (each must run cleanly, as in fuzz.sh) and one seed.
preflight() {
  local inputs=("$BUGS"/*.mlir)
  [ -e "${inputs[0]}" ] || inputs=()
  "${RUN[@]}" "$BIN" -rss_limit_mb=$RSS_MB -timeout=$TIMEOUT "${inputs[@]}" \
    "$(ls "$SEEDS" | head -1 | sed "s#^#$SEEDS/#")" >"$OUT/logs/preflight.log" 2>&1
}
if ! preflight; then
  if grep -q "LeakSanitizer has encountered a fatal error" "$OUT/logs/preflight.log"; then
    # LSan stops the world with ptrace, which some sandboxes refuse.
    note "LeakSanitizer does not work here (logs/preflight.log): leaks are not checked"
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    mv "$OUT/logs/preflight.log" "$OUT/logs/preflight-lsan.log"
    preflight || { note "fa-fuzz does not run here: logs/preflight.log"; exit 2; }
  else
    note "fa-fuzz does not run here: logs/preflight.log"; exit 2
  fi
fi
# The coverage variant (scripts/fuzz-bundle.sh) has no sanitizer: nothing
# checks leaks, memory or UB there, only crashes and hangs.
if grep -q -a -m1 'ERROR: AddressSanitizer' "$BIN"; then
  sanitizers=asan+ubsan leaks_checked=yes
  case "$ASAN_OPTIONS" in *detect_leaks=0*) leaks_checked=no ;; esac
else
  sanitizers=none leaks_checked=no
fi

# Deal the inputs: the seeds, then CORPUS_IN's units (a directory, or the
# corpus tarball of an earlier call), round-robin over the workers.
inputs=$OUT/work/inputs.txt
find "$SEEDS" -type f | sort >"$inputs"
if [ -n "${CORPUS_IN:-}" ]; then
  if [ -f "$CORPUS_IN" ]; then
    mkdir -p "$OUT/work/corpus-in"
    tar xf "$CORPUS_IN" -C "$OUT/work/corpus-in"
    CORPUS_IN=$OUT/work/corpus-in
  fi
  find "$CORPUS_IN" -type f | sort >>"$inputs"
fi
for ((w = 0; w < JOBS; w++)); do mkdir -p "$OUT/work/in-$w" "$OUT/corpus/w$w"; done
n=0
while IFS= read -r f; do
  cp "$f" "$OUT/work/in-$((n % JOBS))/$(printf %06d $n)-$(basename "$f")"
  n=$((n + 1))
done <"$inputs"
note "$n inputs over $JOBS workers, ${SECONDS_} s, seed $SEED, CPUs ${CPUS:-all}, sanitizers: $sanitizers, leaks checked: $leaks_checked"

# One worker: runs of fa-fuzz until the bound; a run that ends before it
# (a finding) is followed by another with the next seed while 30 s are left.
worker() {
  local w=$1 k=0 left
  while :; do
    left=$((deadline - $(date +%s)))
    [ "$k" -eq 0 ] || [ "$left" -ge 30 ] || break
    [ "$left" -ge 1 ] || break
    local tag
    tag=$(printf 'w%02d-%d' "$w" "$k")
    "${RUN[@]}" "$BIN" "$OUT/corpus/w$w" "$OUT/work/in-$w" \
      -seed=$((SEED + 1000 * k + w)) -dict="$DICT" \
      -max_total_time="$left" -max_len=$MAX_LEN -timeout=$TIMEOUT \
      -rss_limit_mb=$RSS_MB -print_final_stats=1 \
      -artifact_prefix="$OUT/artifacts/$tag-" ${EXTRA:-} >"$OUT/logs/$tag.log" 2>&1 &
    # taskset and nice exec fa-fuzz: this is its pid.
    echo $! >"$OUT/work/pid-$w"
    wait $!
    local rc=$?
    echo "$rc" >"$OUT/logs/$tag.rc"
    [ -e "$OUT/stop" ] && break
    # 0: -max_total_time reached; 72: interrupted (the stop).
    { [ "$rc" -eq 0 ] || [ "$rc" -eq 72 ]; } && break
    # The next run leaves out the input that stopped this one (named by
    # its SHA-1), which its first pass would meet again.
    local a f
    for a in "$OUT/artifacts/$tag"-{crash,leak,timeout,oom}-*; do
      [ -e "$a" ] || continue
      for f in "$OUT/work/in-$w"/* "$OUT/corpus/w$w"/*; do
        [ -e "$f" ] && [ "$(sha1sum <"$f" | cut -c1-40)" = "${a##*-}" ] && rm -f "$f"
      done
    done
    k=$((k + 1))
  done
}
pids=()
for ((w = 0; w < JOBS; w++)); do worker "$w" & pids+=($!); done

# The wall-clock bound: libFuzzer checks -max_total_time between inputs
# only (not during its first pass, nor inside a slow input), so at the bound
# every fa-fuzz still running is interrupted.
while [ "$(date +%s)" -lt "$deadline" ]; do
  alive=0
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" -eq 1 ] || break
  sleep 2
done
touch "$OUT/stop"
# The fa-fuzz processes still running (no pgrep: it may be missing there).
fuzzers() {
  local f p
  for f in "$OUT"/work/pid-*; do
    p=$(cat "$f" 2>/dev/null) && kill -0 "$p" 2>/dev/null && echo "$p"
  done
}
for p in $(fuzzers); do kill -INT "$p" 2>/dev/null; done
for ((i = 0; i < 15; i++)); do
  [ -n "$(fuzzers)" ] || break
  sleep 1
done
for p in $(fuzzers); do kill -KILL "$p" 2>/dev/null; done
wait
seconds=$(($(date +%s) - start))

# Timeouts: does the input hang when run alone? (A stall of the machine, or
# SIGSTOP, also makes libFuzzer write one.) Each distinct input (libFuzzer
# names an artifact by its contents' SHA-1) runs once, all side by side:
# at most about TIMEOUT seconds more.
hangs=0
: >"$OUT/timeouts.tsv"
if [ "$RECHECK" = 1 ]; then
  declare -A seen=()
  for t in "$OUT"/artifacts/*timeout-*; do
    [ -e "$t" ] || continue
    sha=${t##*-}
    [ -n "${seen[$sha]:-}" ] && continue
    seen[$sha]=1
    ( t0=$(date +%s)
      "${RUN[@]}" "$BIN" -timeout=$TIMEOUT -rss_limit_mb=$RSS_MB "$t" \
        >"$OUT/logs/recheck-$sha.log" 2>&1
      echo "$? $(($(date +%s) - t0))" >"$OUT/logs/recheck-$sha.rc" ) &
  done
  wait
fi
for t in "$OUT"/artifacts/*timeout-*; do
  [ -e "$t" ] || continue
  sha=${t##*-}
  if [ ! -e "$OUT/logs/recheck-$sha.rc" ]; then
    printf '%s\tunchecked\n' "$(basename "$t")" >>"$OUT/timeouts.tsv"
  elif grep -q "ERROR: libFuzzer: timeout" "$OUT/logs/recheck-$sha.log"; then
    hangs=$((hangs + 1))
    printf '%s\tHANG (over %s s again alone)\n' "$(basename "$t")" "$TIMEOUT" >>"$OUT/timeouts.tsv"
  else
    read -r rc took <"$OUT/logs/recheck-$sha.rc"
    printf '%s\tnot reproduced (%s s alone, exit %s)\n' "$(basename "$t")" "$took" "$rc" >>"$OUT/timeouts.tsv"
  fi
done

# Per run: executions (final stats, else the last #N line), the first
# pass's (#N INITED), how it ended.
printf 'run\texecutions\tseed_pass\texit\tend\n' >"$OUT/runs.tsv"
for log in "$OUT"/logs/w*.log; do
  [ -e "$log" ] || continue
  tag=$(basename "$log" .log)
  rc=$(cat "$OUT/logs/$tag.rc" 2>/dev/null || echo killed)
  awk -v tag="$tag" -v rc="$rc" '
    /^stat::number_of_executed_units:/ { final = $2 }
    /^#[0-9]+/ { n = substr($1, 2) + 0; if (n > last) last = n;
                 if ($2 == "INITED") inited = n }
    /^Done [0-9]+ runs in/ { end = "time bound" }
    /libFuzzer: run interrupted/ { end = "stopped at the bound" }
    /ERROR: libFuzzer: timeout|ALARM: working on the last Unit/ { end = "TIMEOUT" }
    /ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error:|ERROR: libFuzzer: deadly signal/ { end = "CRASH" }
    /ERROR: LeakSanitizer/ { end = "LEAK" }
    /ERROR: libFuzzer: out-of-memory/ { end = "OOM" }
    END {
      if (final == "") { final = last + 0; if (end == "") end = "no final stats" }
      # Stopped in its first pass: all it ran was the first pass.
      if (inited == "") inited = final
      if (end == "") end = "exit " rc
      printf "%s\t%d\t%d\t%s\t%s\n", tag, final, inited, rc, end
    }' "$log" >>"$OUT/runs.tsv"
done

count() { find "$OUT/artifacts" -name "*-$1-*" | wc -l; }
executions=$(awk 'NR > 1 { s += $2 } END { print s + 0 }' "$OUT/runs.tsv")
seed_pass=$(awk 'NR > 1 { s += $3 } END { print s + 0 }' "$OUT/runs.tsv")
crashes=$(count crash) leaks=$(count leak) ooms=$(count oom) timeouts=$(count timeout)
slow=$(count slow-unit)
# A worker that died on a sanitizer report without writing a crash- file
# (it should not happen) still counts.
reported=$(grep -c -E 'CRASH|LEAK|OOM|TIMEOUT' <(cut -f5 "$OUT/runs.tsv"))
found=$((crashes + leaks + ooms + timeouts))
[ "$reported" -gt "$found" ] && crashes=$((crashes + reported - found)) && found=$reported

# What the workers learned, for CORPUS_IN of a later call.
tar cJf "$OUT/corpus.tar.xz" -C "$OUT" corpus 2>/dev/null ||
  { rm -f "$OUT/corpus.tar.xz"; tar czf "$OUT/corpus.tar.gz" -C "$OUT" corpus; }
units=$(find "$OUT/corpus" -type f | wc -l)
rm -rf "$OUT/work" "$OUT/corpus" "$OUT/stop"

line="fuzz-long: executions=$executions seed_pass=$seed_pass seconds=$seconds"
line+=" workers=$JOBS crashes=$crashes leaks=$leaks ooms=$ooms timeouts=$timeouts"
line+=" hangs=$hangs slow_units=$slow new_units=$units sanitizers=$sanitizers"
line+=" leaks_checked=$leaks_checked"
line+=" seed=$SEED inputs=$n binary=$(sha256sum "$BIN" | cut -c1-16)"
echo "$line" | tee "$OUT/summary.txt"
[ "$found" -eq 0 ] || exit 1
