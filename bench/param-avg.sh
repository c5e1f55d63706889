#!/usr/bin/env bash
# Parameter averaging: overhead and convergence of reward-model training of a ~10M-parameter byte-level GPT-2
# (d=256, 12 layers) on local[2], 2 workers x 4 pairs a minibatch, for --averaging dl4j, --averaging outer (the
# default: float32 parameters back) and --averaging outer --outer-wire bf16 (bfloat16 changes back) at averaging
# frequency 1, 5 and 20, all on the same pairs (one epoch), plus one worker with the same global batch (8).
#  - overhead: for each round the workers' own fitting time is measured in the same run as the round's wall time; the
#    rest (broadcast, treeAggregate, scheduling, the driver's averaging, and waiting for the slowest worker) is the
#    overhead; wait_for_slowest_s is the slowest worker's fitting minus the mean, overhead_beyond_slowest the overhead
#    without it (1 - slowest worker's fitting / round). Round 1 (model load, JIT warm-up) is left out of the averages.
#  - loss vs examples: each run's training loss (mean over the rounds' pairs) in each quarter of the epoch's pairs;
#    every run sees the same pairs, so a column compares the runs after the same number of examples.
# Usage: bench/param-avg.sh [from a fresh clone: it builds the jar with maven, -am, nothing installed]
# Environment: PAIRS (default 640: 4 rounds at frequency 20), OUTER_ARGS (default "--outer-lr 1 --outer-momentum 0",
# plain local SGD; DiLoCo: "--outer-lr 0.7 --outer-momentum 0.9"), MAVEN_ARGS (e.g. -o), SKIP_BUILD=1.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/param-avg"
pairs="${PAIRS:-640}"
outer_args="${OUTER_ARGS:---outer-lr 1 --outer-momentum 0}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q ${MAVEN_ARGS:-} -pl spark-jobs -am -DskipTests package)
fi
rm -rf "$out" && mkdir -p "$out"
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
dt=2026-01-01

python3 - "$pairs" "$out/pairs.jsonl" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(n)
words = "apple river stone cloud maple tiger lemon piano ocean comet".split()
with open(path, "w") as f:
    for i in range(n):
        w = " ".join(rng.choice(words) for _ in range(6))
        f.write(json.dumps({"prompt": f"Question {i}: how was the {w}?", "chosen": f"{w} :)", "rejected": f"{w} :("}) + "\n")
PY
as ingest --format trl --input "$out/pairs.jsonl" --dataset bench_pairs --dt "$dt" --test-fraction 0 --warehouse "$out/wh"
as init-model --family gpt2 --d-model 256 --layers 12 --heads 8 --max-positions 256 --output "$out/base"
grep "parameters" "$out/log.txt"
train() {   # run-id, workers, batch, frequency, averaging options...
  local run="$1" workers="$2" batch="$3" f="$4"; shift 4
  as train-rm --pairs bench_pairs --dt "$dt" --base-model "$out/base" --output "$out/$run" --run-id "$run" \
     --workers "$workers" --batch-size-per-worker "$batch" --averaging-frequency "$f" --epochs 1 --checkpoint-every 0 \
     --learning-rate 1e-4 --max-length 128 --warehouse "$out/wh" "$@"
}
for f in 1 5 20; do
  train "dl4j-f$(printf %02d "$f")" 2 4 "$f" --averaging dl4j
  # shellcheck disable=SC2086
  train "outer-f$(printf %02d "$f")" 2 4 "$f" --averaging outer $outer_args
  # shellcheck disable=SC2086
  train "outer-bf16-f$(printf %02d "$f")" 2 4 "$f" --averaging outer --outer-wire bf16 $outer_args
done
train one-worker 1 8 20 --averaging dl4j

echo "== overhead (2 workers; round 1 left out) =="
"$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT run_id, count(*) AS rounds, round(avg(seconds), 2) AS round_s, round(avg(worker_seconds), 2) AS worker_fit_s,
          round(avg(overhead_fraction), 3) AS overhead_fraction,
          round(avg(metrics['timing/slowest_worker_seconds'] - worker_seconds), 2) AS wait_for_slowest_s,
          round(avg(1 - metrics['timing/slowest_worker_seconds'] / seconds), 3) AS overhead_beyond_slowest,
          round(avg(metrics['averaging/bytes_moved']) / 1e6, 1) AS mb_per_round,
          round(avg(examples_per_second), 1) AS pairs_per_s, round(avg(tokens_per_second), 0) AS tokens_per_s
   FROM training_metrics WHERE round > 1 AND run_id != 'one-worker' GROUP BY run_id ORDER BY run_id" 2>/dev/null
echo "== training loss by quarter of the $pairs pairs seen (mean over the rounds ending in it) =="
"$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT run_id, round(sum(IF(q = 1, loss * examples, 0)) / sum(IF(q = 1, examples, 0)), 4) AS q1,
          round(sum(IF(q = 2, loss * examples, 0)) / sum(IF(q = 2, examples, 0)), 4) AS q2,
          round(sum(IF(q = 3, loss * examples, 0)) / sum(IF(q = 3, examples, 0)), 4) AS q3,
          round(sum(IF(q = 4, loss * examples, 0)) / sum(IF(q = 4, examples, 0)), 4) AS q4
   FROM (SELECT run_id, loss, examples,
                least(4, ceil(4 * sum(examples) OVER (PARTITION BY run_id ORDER BY round) / $pairs)) AS q
         FROM training_metrics)
   GROUP BY run_id ORDER BY run_id" 2>/dev/null
echo "goal: overhead_fraction <= 0.05 at averaging frequency 5 (outer-f05: the default)"
echo "outer: $outer_args"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; master ${ALIGNSPARK_MASTER:-local[*]}"
