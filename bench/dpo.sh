#!/usr/bin/env bash
# DPO training throughput: train-policy (sigmoid DPO, reference log-probs read from the table) by parameter averaging
# with 2 workers on the Spark master, against the baseline measured in the same run: the same DPO steps over the same
# pairs in one JVM on one thread, without Spark (common's DpoStepBenchmark). Model: a byte-level GPT-2 (d = 128,
# 4 layers) with random weights. train-policy's figures are training_metrics' per-round throughput, round 1 (model
# load, JIT warm-up) left out; the baseline leaves its first minibatch out.
# Usage: bench/dpo.sh [pairs]    (default 320; ALIGNSPARK_MASTER defaults to local[2] here)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/dpo"
rm -rf "$out" && mkdir -p "$out"
export ALIGNSPARK_MASTER="${ALIGNSPARK_MASTER:-local[2]}"
pairs="${1:-320}"; workers=2; batch=4; frequency=5
(cd "$root" && mvn -q -B -DskipTests package && mvn -q -B -pl common test-compile dependency:build-classpath \
   -Dmdep.outputFile="$out/classpath.txt" -Dmdep.includeScope=test)
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
dt=2026-01-01

python3 - "$pairs" "$out/pairs.jsonl" "$out/pairs.tsv" <<'PY'
import json, random, sys
n, jsonl, tsv = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(n)
words = "apple river stone cloud maple tiger lemon piano ocean comet".split()
with open(jsonl, "w") as j, open(tsv, "w") as t:
    for i in range(n):
        w = " ".join(rng.choice(words) for _ in range(6))
        prompt, chosen, rejected = f"Question {i}: how was the {w}?", f"{w} :)", f"{w} :("
        j.write(json.dumps({"prompt": prompt, "chosen": chosen, "rejected": rejected}) + "\n")
        t.write(f"{prompt}\t{chosen}\t{rejected}\n")
PY
as ingest --format trl --input "$out/pairs.jsonl" --dataset bench_pairs --dt "$dt" --test-fraction 0 --warehouse "$out/wh"
as init-model --family gpt2 --d-model 128 --layers 4 --heads 4 --max-positions 256 --output "$out/base"
as ref-logprobs --input bench_pairs --dt "$dt" --reference-model "$out/base" --output bench_pairs_ref --warehouse "$out/wh"
as train-dpo --input bench_pairs_ref --dt "$dt" --base-model "$out/base" --output "$out/run" --run-id dpo-bench \
   --workers "$workers" --batch-size-per-worker "$batch" --averaging-frequency "$frequency" --epochs 1 \
   --checkpoint-every 0 --learning-rate 1e-4 --max-length 256 --warehouse "$out/wh"
"$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT count(*) AS rounds, round(avg(examples_per_second), 2) AS pairs_per_s, round(avg(tokens_per_second), 0) AS tokens_per_s,
          round(avg(overhead_fraction), 3) AS overhead_fraction
   FROM training_metrics WHERE run_id = 'dpo-bench' AND round > 1" 2>/dev/null | tee "$out/spark.txt"
OMP_NUM_THREADS=1 java -Xmx3g -cp "$root/common/target/test-classes:$root/common/target/classes:$(cat "$out/classpath.txt")" \
  org.alignspark.common.policy.bench.DpoStepBenchmark "$out/base" "$out/pairs.tsv" "$batch" 2>/dev/null | tee "$out/baseline.txt"
spark_pairs=$(awk -F'|' 'NR==4 {gsub(/ /, "", $3); print $3}' "$out/spark.txt")
base_pairs=$(grep '^baseline_pairs_per_s=' "$out/baseline.txt" | cut -d= -f2)
printf "train-policy over plain single-thread DPO steps: %.2fx pairs/s (%d workers; 2.0 would be perfect scaling)\n" \
  "$(echo "$spark_pairs / $base_pairs" | bc -l)" "$workers"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); master $ALIGNSPARK_MASTER"
