#!/usr/bin/env bash
# A real-size model on Spark: DPO with LoRA adapters on a model of Qwen2.5-0.5B-Instruct's published architecture
# (bench/configs/qwen2.5-0.5b-instruct.json, copied from huggingface.co/Qwen/Qwen2.5-0.5B-Instruct's config.json:
# 494 M parameters, hidden 896, 24 layers, 14 heads / 2 KV heads, MLP 4864, vocabulary 151 936, tied embeddings)
# with random weights (init-model --config; no download) and the byte-level tokenizer. LoRA r = 16, alpha = 32 on
# every projection (q, k, v, o, gate, up, down), 2 workers on local[2], 2 pairs of 256 tokens (prompt + completion)
# per worker and minibatch, averaging every minibatch (dl4j mode: parameters and Adam moments travel), with
# --gradient-checkpointing (GRADIENT_CHECKPOINTING=0 runs without: every layer's activations kept).
# Prints: peak resident memory of the whole process (driver and executors: local mode is one JVM) from
# /usr/bin/time, of ref-logprobs (the reference, the base without adapters) and of train-dpo; the bytes a round
# moves (training_metrics' averaging/bytes_moved) against what full-parameter averaging of the same model would move
# by the same count (2 workers × 2 directions × parameters and two Adam moments × 4 bytes); pairs/s and tokens/s
# (round 1 left out: base load, JIT warm-up).
# Usage: bench/lora.sh [from a fresh clone: it builds the jar with maven, -am, nothing installed]
# Environment: ROUNDS (default 3), MAVEN_ARGS (e.g. -o), SKIP_BUILD=1, GRADIENT_CHECKPOINTING (default 1),
# ALIGNSPARK_OFFHEAP_MEMORY (default here 6g), ALIGNSPARK_MAX_RESIDENT_MEMORY (default here 9g: JavaCPP's cap on the
# process's resident memory, heap included, under the goal of 10 GB), ALIGNSPARK_DRIVER_MEMORY (heap, default 4g).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/lora"
rounds="${ROUNDS:-3}"; workers=2; batch=2; length=256
export ALIGNSPARK_MASTER="${ALIGNSPARK_MASTER:-local[2]}"
export ALIGNSPARK_OFFHEAP_MEMORY="${ALIGNSPARK_OFFHEAP_MEMORY:-6g}"
export ALIGNSPARK_MAX_RESIDENT_MEMORY="${ALIGNSPARK_MAX_RESIDENT_MEMORY:-9g}"
checkpointing=(); [[ "${GRADIENT_CHECKPOINTING:-1}" == 1 ]] && checkpointing=(--gradient-checkpointing)
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q ${MAVEN_ARGS:-} -pl spark-jobs -am -DskipTests package)
fi
command -v /usr/bin/time > /dev/null || { echo "bench/lora.sh needs GNU time (apt-get install time)" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"
dt=2026-01-01
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
measured() {   # name, job args...: the job under GNU time, its peak RSS and wall time kept in $out/<name>.time
  local name="$1"; shift
  /usr/bin/time -v -o "$out/$name.time" "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }
  printf "%-13s peak RSS %5.2f GiB, wall %s\n" "$name" \
    "$(awk '/Maximum resident/ {print $6 / 1048576}' "$out/$name.time")" "$(awk '/Elapsed/ {print $8}' "$out/$name.time")"
}

python3 - "$((rounds * workers * batch))" "$length" "$out/pairs.jsonl" <<'PY'
import json, random, sys
n, length, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(n)
words = "apple river stone cloud maple tiger lemon piano ocean comet".split()
def text(k):   # about k bytes of words: the byte-level tokenizer makes a token of each byte
    s = ""
    while len(s) < k:
        s += rng.choice(words) + " "
    return s[:k].strip()
with open(path, "w") as f:
    for i in range(n):
        prompt = f"Question {i}: " + text(length // 2 - 16)
        f.write(json.dumps({"prompt": prompt, "chosen": text(length // 2 - 8) + " :)", "rejected": text(length // 2 - 8) + " :("}) + "\n")
PY
as ingest --format trl --input "$out/pairs.jsonl" --dataset lora_pairs --dt "$dt" --test-fraction 0 --warehouse "$out/wh"
measured init-model init-model --config "$root/bench/configs/qwen2.5-0.5b-instruct.json" --output "$out/base"
grep "parameters" "$out/log.txt"
measured ref-logprobs ref-logprobs --input lora_pairs --dt "$dt" --reference-model "$out/base" --output lora_pairs_ref \
  --batch-size "$batch" --warehouse "$out/wh"
measured train-dpo train-dpo --input lora_pairs_ref --dt "$dt" --base-model "$out/base" --output "$out/run" --run-id lora-bench \
  --lora-r 16 --lora-alpha 32 --workers "$workers" --batch-size-per-worker "$batch" --averaging-frequency 1 --epochs 1 \
  --checkpoint-every 0 --learning-rate 1e-4 --max-length "$length" --warehouse "$out/wh" --averaging dl4j \
  "${checkpointing[@]}"
grep -h "training LoRA\|adapter parameters\|engine threads" "$out/log.txt" | head -3 || true
"$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT count(*) AS rounds, round(avg(metrics['averaging/bytes_moved']) / 1e6, 1) AS mb_per_round,
          round(avg(examples_per_second), 3) AS pairs_per_s, round(avg(tokens_per_second), 0) AS tokens_per_s,
          round(avg(seconds), 1) AS round_s, round(avg(overhead_fraction), 3) AS overhead_fraction,
          round(avg(metrics['memory/activation_bytes_per_token_layer'])) AS activation_bytes_per_token_layer
   FROM training_metrics WHERE run_id = 'lora-bench' AND round > 1" 2>/dev/null | tee "$out/rounds.txt"
moved=$("$root/bin/alignspark" sql --warehouse "$out/wh" --truncate 0 \
  "SELECT CAST(avg(metrics['averaging/bytes_moved']) AS BIGINT) AS b FROM training_metrics WHERE run_id = 'lora-bench'" 2>/dev/null \
  | awk -F'|' 'NR==4 {gsub(/ /, "", $2); print $2}')
params=$(grep -o '[0-9,]* parameters' "$out/log.txt" | head -1 | tr -d ', a-z')
full=$((workers * 2 * 3 * params * 4))
printf "bytes per round: %.1f MB moved; full-parameter averaging of the %s parameters would move %.1f MB (%d x 2 x 3 x 4 B x P): %.2f %%\n" \
  "$(echo "$moved / 1000000" | bc -l)" "$params" "$(echo "$full / 1000000" | bc -l)" "$workers" "$(echo "100 * $moved / $full" | bc -l)"
# activation bytes per block of this shape (chosen and rejected of 2 pairs: 4 x 256 tokens), every block's kept against
# checkpointed: a model of 2 and one of 4 such blocks, the difference halved (common/src/test/.../bench/ActivationMemory)
# shellcheck disable=SC2086
(cd "$root" && mvn -q -B ${MAVEN_ARGS:-} -pl common test-compile dependency:build-classpath \
   -Dmdep.outputFile="$out/classpath.txt" -Dmdep.includeScope=test)
java -Xmx2g -cp "$root/common/target/test-classes:$root/common/target/classes:$(cat "$out/classpath.txt")" \
  org.alignspark.common.lm.bench.ActivationMemory "$((2 * batch))" "$length" 896 14 2 4864 2> /dev/null | tee "$out/activations.txt"
echo "gradient checkpointing: ${GRADIENT_CHECKPOINTING:-1}; caps: off-heap $ALIGNSPARK_OFFHEAP_MEMORY, resident $ALIGNSPARK_MAX_RESIDENT_MEMORY"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); master $ALIGNSPARK_MASTER; $(date -u +%F)"
