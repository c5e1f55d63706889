#!/usr/bin/env bash
# Parameter-averaging overhead: reward-model training of a ~10M-parameter byte-level GPT-2 (d=256, 12 layers) on
# local[2] with 2 workers, at averaging frequency 1, 5 and 20. For each round, the workers' own fitting time is
# measured in the same run as the round's wall time; the rest (broadcast, treeAggregate, scheduling, driver
# averaging) is the overhead. Round 1 (model load, JIT warm-up) is left out of the averages.
# Usage: bench/param-avg.sh. Needs the jar: mvn -B -q -DskipTests package
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/param-avg"
rm -rf "$out" && mkdir -p "$out"
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
workers=2; batch=4; rounds=4

for f in 1 5 20; do
  python3 - "$((workers * batch * f * rounds))" "$out/pairs-f$f.jsonl" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(n)
words = "apple river stone cloud maple tiger lemon piano ocean comet".split()
with open(path, "w") as f:
    for i in range(n):
        w = " ".join(rng.choice(words) for _ in range(6))
        f.write(json.dumps({"prompt": f"Question {i}: how was the {w}?", "chosen": f"{w} :)", "rejected": f"{w} :("}) + "\n")
PY
  as ingest --format trl --input "$out/pairs-f$f.jsonl" --dataset bench_pairs --dt "2026-01-$(printf %02d "$f")" \
     --test-fraction 0 --warehouse "$out/wh"
done
as init-model --family gpt2 --d-model 256 --layers 12 --heads 8 --max-positions 256 --output "$out/base"
grep "parameters" "$out/log.txt"
for f in 1 5 20; do
  as train-rm --pairs bench_pairs --dt "2026-01-$(printf %02d "$f")" --base-model "$out/base" --output "$out/run-f$f" \
     --run-id "frequency-$f" --workers "$workers" --batch-size-per-worker "$batch" --averaging-frequency "$f" \
     --epochs 1 --checkpoint-every 0 --learning-rate 1e-4 --max-length 128 --warehouse "$out/wh"
done
"$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT run_id, count(*) AS rounds, round(avg(seconds), 2) AS round_s, round(avg(worker_seconds), 2) AS worker_fit_s,
          round(avg(overhead_fraction), 3) AS overhead_fraction, round(avg(examples_per_second), 1) AS pairs_per_s,
          round(avg(tokens_per_second), 0) AS tokens_per_s
   FROM training_metrics WHERE round > 1 GROUP BY run_id ORDER BY run_id" 2>/dev/null
echo "goal: overhead_fraction <= 0.05 at averaging frequency 5"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; master ${ALIGNSPARK_MASTER:-local[*]}"
