#!/usr/bin/env bash
# FLR scoring throughput, two ratios measured in the same run on the same responses and scorer:
#  1. all 120 follow-ups of a response batched behind its conversation (one forward pass) against one follow-up
#     per forward pass;
#  2. flr-score on Spark (local[2]) against the same scoring in one JVM without Spark on 2 threads
#     (FlrScoringBaseline, with bin/alignspark's memory settings), i.e. Spark's overhead, on 16 x OVERHEAD_K
#     responses (default 32: a few minutes each, so the session's start and the Parquet write are not most of it).
#     The job's time is job_runs' started_at..finished_at (session start, scoring, Parquet write); the baseline's
#     includes its model load. JVM start-up is left out of both.
# Scorer: a byte-level GPT-2 (d = 128, 4 layers) with random weights; responses: the demo world's candidates
# (16 questions x 8 answers). Usage: bench/flr.sh [overhead]   (overhead: the second ratio only; OVERHEAD_RUNS
# alternating runs of each side, default 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/flr"
rm -rf "$out" && mkdir -p "$out"
export ALIGNSPARK_MASTER="${ALIGNSPARK_MASTER:-local[2]}"
(cd "$root" && mvn -q -B -DskipTests package && mvn -q -B -pl spark-jobs test-compile dependency:build-classpath \
   -Dmdep.outputFile="$out/classpath.txt" -Dmdep.includeScope=test)
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
dt=2026-01-01
as demo-data --dt "$dt" --k 8 --dialogues 0 --pairs 0 --arithmetic-traces 0 --warehouse "$out/wh"
as init-model --family gpt2 --d-model 128 --layers 4 --heads 4 --max-positions 512 --output "$out/scorer"
responses=$((16 * 8))
timed() {  # wall seconds of one flr-score run
  local start end
  start=$(date +%s.%N)
  as flr-score --responses demo_candidates --dt "$dt" --scorer "$out/scorer" --output "$1" --follow-up-batch "$2" --warehouse "$out/wh"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
if [[ "${1:-all}" != overhead ]]; then
  batched=$(timed flr_batched 0)
  single=$(timed flr_single 1)
  printf "follow-ups batched behind the conversation: %6.1f s  %6.2f responses/s\n" "$batched" "$(echo "$responses / $batched" | bc -l)"
  printf "one follow-up per forward pass:             %6.1f s  %6.2f responses/s\n" "$single" "$(echo "$responses / $single" | bc -l)"
  printf "speed-up of batching: %.2fx   (%d responses x 120 follow-ups; wall time of each command, JVM start included)\n" \
    "$(echo "$single / $batched" | bc -l)" "$responses"
fi
overhead_k="${OVERHEAD_K:-32}"
runs="${OVERHEAD_RUNS:-2}"
responses=$((16 * overhead_k))
as demo-data --dt "$dt" --prefix big --k "$overhead_k" --dialogues 0 --pairs 0 --policy-dialogues 0 --arithmetic-traces 0 \
  --warehouse "$out/wh"
# The baseline runs with bin/alignspark's memory settings (heap, JavaCPP's caps), so the two differ by Spark alone.
baseline_java=(java -Xmx"${ALIGNSPARK_DRIVER_MEMORY:-4g}" -Dorg.bytedeco.javacpp.maxbytes="${ALIGNSPARK_OFFHEAP_MEMORY:-3g}"
  -Dorg.bytedeco.javacpp.maxphysicalbytes="${ALIGNSPARK_MAX_RESIDENT_MEMORY:-8g}"
  -cp "$root/spark-jobs/target/test-classes:$root/spark-jobs/target/classes:$(cat "$out/classpath.txt")")
# Spark and the baseline alternate, OVERHEAD_RUNS times each; the ratio is of each side's fastest run, the usual
# estimate when other load on the machine can only slow a run down.
job_times=() base_times=()
for run in $(seq 1 "$runs"); do
  as flr-score --responses big_candidates --dt "$dt" --scorer "$out/scorer" --output "flr_big_$run" --warehouse "$out/wh"
  job_times+=("$("$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
    "SELECT unix_millis(finished_at) - unix_millis(started_at) FROM job_runs WHERE table_name = 'flr_big_$run'" 2>/dev/null \
    | awk -F'|' 'NR==4 {gsub(/ /, "", $2); print $2 / 1000}')")
  OMP_NUM_THREADS=1 "${baseline_java[@]}" org.alignspark.jobs.FlrScoringBaseline "$out/scorer" 7 "$overhead_k" 2 2>/dev/null \
    > "$out/baseline_$run.txt"
  base_times+=("$(grep '^baseline_seconds=' "$out/baseline_$run.txt" | cut -d= -f2)")
  printf "run %d: flr-score on Spark %6.1f s, one JVM %6.1f s\n" "$run" "${job_times[-1]}" "${base_times[-1]}"
done
tokens=$(grep '^follow_up_tokens=' "$out/baseline_1.txt" | cut -d= -f2)
job_seconds=$(printf '%s\n' "${job_times[@]}" | sort -g | head -1)
base_seconds=$(printf '%s\n' "${base_times[@]}" | sort -g | head -1)
printf "flr-score on Spark: %6.1f s  %6.2f responses/s  %8.0f follow-up tokens/s  (fastest of %d)\n" "$job_seconds" \
  "$(echo "$responses / $job_seconds" | bc -l)" "$(echo "$tokens / $job_seconds" | bc -l)" "$runs"
printf "one JVM, no Spark:  %6.1f s  %6.2f responses/s  %8.0f follow-up tokens/s  (fastest of %d)\n" "$base_seconds" \
  "$(echo "$responses / $base_seconds" | bc -l)" "$(echo "$tokens / $base_seconds" | bc -l)" "$runs"
printf "Spark overhead: %.1f%% (goal <= 10%%)\n" "$(echo "($job_seconds / $base_seconds - 1) * 100" | bc -l)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); master $ALIGNSPARK_MASTER"
