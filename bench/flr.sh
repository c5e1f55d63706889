#!/usr/bin/env bash
# FLR scoring throughput; every ratio is measured in the same run on the same responses and scorer.
#  demo: the demo world's candidates (16 questions x 8 answers, short conversations) with the 120 bundled follow-ups:
#     --scoring prefix-cache (the conversation computed once, its keys/values shared by all follow-ups) against
#     --scoring batched (all follow-ups in one pass, each behind a copy of the conversation), and batched against one
#     follow-up per forward pass;
#  realistic: conversations of ~256 tokens (HH-RLHF-like lengths, generated), 120 follow-ups of ~12 tokens
#     (REALISTIC_RESPONSES responses, default 64, so the session start and the write are not most of a job): prefix-cache against batched;
#  overhead: flr-score on Spark (local[2]) against the same scoring in one JVM without Spark on 2 threads
#     (FlrScoringBaseline, with bin/alignspark's memory settings), i.e. Spark's overhead, on 16 x OVERHEAD_K
#     responses (default 32: a few minutes each, so the session's start and the Parquet write are not most of it).
#     The job's time is job_runs' started_at..finished_at (session start, scoring, Parquet write); the baseline's
#     includes its model load. JVM start-up is left out of both.
# demo and realistic report each job's job_runs time (session start, scoring, write; JVM start left out).
# Scorer: a byte-level GPT-2 (d = 128, 4 layers) with random weights, so one byte is one token.
# Usage: bench/flr.sh [all|demo|realistic|overhead]   (default all; overhead: OVERHEAD_RUNS alternating runs of each
# side, default 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/flr"
rm -rf "$out" && mkdir -p "$out"
export ALIGNSPARK_MASTER="${ALIGNSPARK_MASTER:-local[2]}"
mode="${1:-all}"
# -am: a fresh clone has no installed common / preference-data artifacts; the reactor resolves them to their builds.
(cd "$root" && mvn -q -B -DskipTests package && mvn -q -B -pl spark-jobs -am test-compile dependency:build-classpath \
   -Dmdep.outputFile="$out/classpath.txt" -Dmdep.includeScope=test)
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
dt=2026-01-01
as demo-data --dt "$dt" --k 8 --dialogues 0 --pairs 0 --arithmetic-traces 0 --warehouse "$out/wh"
as init-model --family gpt2 --d-model 128 --layers 4 --heads 4 --max-positions 512 --output "$out/scorer"
job_seconds() {  # job_runs' started_at..finished_at of the run that wrote table $1
  "$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
    "SELECT unix_millis(finished_at) - unix_millis(started_at) FROM job_runs WHERE table_name = '$1'" 2>/dev/null \
    | awk -F'|' 'NR==4 {gsub(/ /, "", $2); print $2 / 1000}'
}
score() {  # table responses scoring follow-up-batch [flr-score options...]: seconds of one flr-score run
  local table="$1" responses="$2" scoring="$3" batch="$4"
  shift 4
  as flr-score --responses "$responses" --dt "$dt" --scorer "$out/scorer" --output "$table" --scoring "$scoring" \
    --follow-up-batch "$batch" --warehouse "$out/wh" "$@"
  job_seconds "$table"
}
same_scores() {  # max |FLR difference| between two flr-score tables
  "$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
    "SELECT max(abs(a.flr - b.flr)) FROM $1 a JOIN $2 b USING (response_id)" 2>/dev/null | awk -F'|' 'NR==4 {gsub(/ /, "", $2); print $2}'
}
if [[ "$mode" == all || "$mode" == demo ]]; then
  responses=$((16 * 8))
  cached=$(score flr_cached demo_candidates prefix-cache 0)
  batched=$(score flr_batched demo_candidates batched 0)
  single=$(score flr_single demo_candidates batched 1)
  echo "demo world: $responses responses x 120 follow-ups; seconds of each job (session start, scoring, write)"
  printf "  prefix-cache (conversation once):           %6.1f s  %6.2f responses/s\n" "$cached" "$(echo "$responses / $cached" | bc -l)"
  printf "  batched (a copy of it per follow-up):       %6.1f s  %6.2f responses/s\n" "$batched" "$(echo "$responses / $batched" | bc -l)"
  printf "  one follow-up per forward pass:             %6.1f s  %6.2f responses/s\n" "$single" "$(echo "$responses / $single" | bc -l)"
  printf "  prefix-cache vs batched: %.2fx   batched vs one per pass: %.2fx   max |FLR difference|: %s\n" \
    "$(echo "$batched / $cached" | bc -l)" "$(echo "$single / $batched" | bc -l)" "$(same_scores flr_cached flr_batched)"
fi
if [[ "$mode" == all || "$mode" == realistic ]]; then
  # Conversations of ~256 byte tokens (a ~120-character question, a ~130-character answer, the template's role
  # tokens), 6 categories x (10 positive + 10 negative) follow-ups of 9 to 14 characters plus the end of turn.
  n="${REALISTIC_RESPONSES:-64}"
  long_text="Could you walk me through how this works in practice, what the usual mistakes are, and what you would do first if you were me? "
  answer="Start with the simplest version that works, measure it, then change one thing at a time; most mistakes come from changing several at once and guessing. "
  : > "$out/realistic.jsonl"
  for q in $(seq 1 $(( (n + 3) / 4 ))); do
    printf '{"prompt": "Question %d. %.110s", "responses": ["%.130s", "Answer two. %.119s", "Answer three. %.117s", "Answer four. %.118s"]}\n' \
      "$q" "$long_text" "$answer" "$answer" "$answer" "$answer" >> "$out/realistic.jsonl"
  done
  {
    printf '{'
    for c in 1 2 3 4 5 6; do
      [[ $c -gt 1 ]] && printf ', '
      printf '"category%d": {' "$c"
      for side in positive negative; do
        [[ $side == negative ]] && printf ', '
        printf '"%s": [' "$side"
        for j in $(seq 0 9); do
          [[ $j -gt 0 ]] && printf ', '
          phrase=$([[ $side == positive ]] && echo "Thanks, that helps a lot" || echo "No, that is not what I asked")
          printf '"%.*s"' $((9 + (j + c) % 6)) "$j $phrase"
        done
        printf ']'
      done
      printf '}'
    done
    printf '}\n'
  } > "$out/realistic-follow-ups.json"
  as ingest --format candidates --input "$out/realistic.jsonl" --dataset realistic --dt "$dt" --warehouse "$out/wh"
  responses=$(( (n + 3) / 4 * 4 ))
  cached=$(score flr_real_cached realistic prefix-cache 0 --follow-ups "$out/realistic-follow-ups.json")
  batched=$(score flr_real_batched realistic batched 0 --follow-ups "$out/realistic-follow-ups.json")
  echo "realistic: $responses conversations of ~256 tokens x 120 follow-ups of ~12 tokens; seconds of each job"
  printf "  prefix-cache (conversation once):           %6.1f s  %6.2f responses/s\n" "$cached" "$(echo "$responses / $cached" | bc -l)"
  printf "  batched (a copy of it per follow-up):       %6.1f s  %6.2f responses/s\n" "$batched" "$(echo "$responses / $batched" | bc -l)"
  printf "  prefix-cache vs batched: %.2fx   max |FLR difference|: %s\n" "$(echo "$batched / $cached" | bc -l)" \
    "$(same_scores flr_real_cached flr_real_batched)"
fi
if [[ "$mode" != all && "$mode" != overhead ]]; then
  exit 0
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
  job_times+=("$(job_seconds "flr_big_$run")")
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
