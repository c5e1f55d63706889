#!/usr/bin/env bash
# FLR scoring throughput: all 120 follow-ups of a response batched behind its conversation (one forward pass)
# against one follow-up per forward pass, same scorer, same responses, same run. Scorer: a byte-level GPT-2
# (d = 128, 4 layers) with random weights; responses: the demo world's candidates (16 questions x 8 answers).
# Usage: bench/flr.sh. Needs the jar: mvn -B -q -DskipTests package
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out/flr"
rm -rf "$out" && mkdir -p "$out"
as() { "$root/bin/alignspark" "$@" >> "$out/log.txt" 2>&1 || { tail -40 "$out/log.txt"; exit 1; }; }
dt=2026-01-01
as demo-data --dt "$dt" --k 8 --dialogues 0 --pairs 0 --warehouse "$out/wh"
as init-model --family gpt2 --d-model 128 --layers 4 --heads 4 --max-positions 512 --output "$out/scorer"
responses=$((16 * 8))
timed() {  # wall seconds of one flr-score run
  local start end
  start=$(date +%s.%N)
  as flr-score --responses demo_candidates --dt "$dt" --scorer "$out/scorer" --output "$1" --follow-up-batch "$2" --warehouse "$out/wh"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
batched=$(timed flr_batched 0)
single=$(timed flr_single 1)
printf "follow-ups batched behind the conversation: %6.1f s  %6.2f responses/s\n" "$batched" "$(echo "$responses / $batched" | bc -l)"
printf "one follow-up per forward pass:             %6.1f s  %6.2f responses/s\n" "$single" "$(echo "$responses / $single" | bc -l)"
printf "speed-up of batching: %.2fx   (%d responses x 120 follow-ups; wall time of each command, JVM start included)\n" \
  "$(echo "$single / $batched" | bc -l)" "$responses"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; master ${ALIGNSPARK_MASTER:-local[*]}"
