#!/usr/bin/env bash
# Ingest throughput against plain Spark on the same file, in the same run:
#   alignspark ingest (parse, validate, quarantine, dedup, shard by prompt_id, dt partition)
#   vs. spark.read.json(file).write.parquet(...) through Spark SQL (schema inference included, as a user would run it).
# Usage: bench/ingest.sh [pairs, default 500000]. Builds the jar first when it is missing (a fresh clone).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$root/spark-jobs/target/alignspark.jar" ]] || (cd "$root" && mvn -q -B -ntp -DskipTests package)
pairs="${1:-500000}"
out="$root/bench/out/ingest"
rm -rf "$out" && mkdir -p "$out"
input="$out/trl-$pairs.jsonl"

python3 - "$pairs" "$input" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
words = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega river mountain cloud number answer question reason because therefore").split()
def text(k): return " ".join(rng.choice(words) for _ in range(k))
with open(path, "w") as f:
    for i in range(n):
        row = {"prompt": f"Question {i // 4}: " + text(12), "chosen": text(rng.randint(20, 60)),
               "rejected": text(rng.randint(20, 60))}
        if i % 3 == 0:
            row["margin"] = round(rng.random() * 3, 2)
        f.write(json.dumps(row) + "\n")
PY
size=$(du -h "$input" | cut -f1)
echo "input: $pairs TRL pairs, $size"

run() {  # prints wall seconds of a command
  local start end
  start=$(date +%s.%N)
  "$@" > "$out/last.log" 2>&1 || { cat "$out/last.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

plain=$(run "$root/bin/alignspark" sql --warehouse "$out/plain-wh" \
  "CREATE TEMPORARY VIEW raw USING json OPTIONS (path '$input')" \
  "INSERT OVERWRITE DIRECTORY '$out/plain-parquet' USING parquet SELECT * FROM raw")
ours=$(run "$root/bin/alignspark" ingest --format trl --input "$input" --dataset bench_pairs --dt 2026-01-01 \
  --warehouse "$out/wh")
grep -E "rows_(in|out)|duplicates|rows_quarantined" "$out/last.log" | sed 's/^/  ingest /'

printf "plain Spark read.json -> write.parquet: %6.1f s  %8.0f pairs/s\n" "$plain" "$(echo "$pairs / $plain" | bc -l)"
printf "alignspark ingest:                     %6.1f s  %8.0f pairs/s\n" "$ours" "$(echo "$pairs / $ours" | bc -l)"
printf "throughput ratio (ingest / plain Spark): %.2f   (goal >= 0.70)\n" "$(echo "$plain / $ours" | bc -l)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; master ${ALIGNSPARK_MASTER:-local[*]}; wall time of each whole command (JVM start included)"
