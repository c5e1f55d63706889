#!/usr/bin/env bash
# Forward + log-softmax and one training step of a GPT-2-small-shaped model (12 layers, d=768, 12 heads,
# vocab 50257, batch 4 × 128, random weights): alignspark's engine on ND4J and plain PyTorch, same machine,
# same run, at 1 and at 2 threads, both sides pinned to the thread count they claim and printing what each
# ended up using. Beside the whole forward and training step, the matrix products alone (Nd4j.gemm and torch.mm
# on the model's own shapes), so that the product ratio and the engine ratio are both visible.
#   bench/lm-forward.sh                        # THREAD_COUNTS="1 2" ITERATIONS=5 by default
# Needs Debian's python3-torch and libopenblas0-pthread for the PyTorch side (installed here when missing and
# apt-get can run).
set -euo pipefail
cd "$(dirname "$0")/.."
THREAD_COUNTS=${THREAD_COUNTS:-1 2}
ITERATIONS=${ITERATIONS:-5}
SHAPE=(4 128 12 768 12 50257)
mkdir -p bench/out
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q python3-torch libopenblas0-pthread >/dev/null
  else
    echo "bench/lm-forward.sh: needs Debian's python3-torch and libopenblas0-pthread (apt-get install)" >&2
    exit 1
  fi
fi
mvn -q -B -ntp -pl common test-compile dependency:build-classpath \
    -Dmdep.outputFile="$PWD/bench/out/classpath.txt" -Dmdep.includeScope=test
CP="common/target/test-classes:common/target/classes:$(cat bench/out/classpath.txt)"

echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) cores=$(nproc)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-} load=$(cut -d' ' -f1-3 /proc/loadavg)"
value() { grep "^$1=" "$2" | head -1 | cut -d= -f2- | cut -d' ' -f1; }
for t in $THREAD_COUNTS; do
  echo "== threads=$t"
  ALIGNSPARK_ENGINE_THREADS=$t OMP_NUM_THREADS=$t java -Xmx3g -cp "$CP" \
      org.alignspark.common.lm.bench.LmForwardBenchmark "${SHAPE[@]}" "$ITERATIONS" 2>/dev/null \
      | tee "bench/out/alignspark-$t.txt"
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t /usr/bin/python3 bench/lm_forward_torch.py \
      --batch "${SHAPE[0]}" --length "${SHAPE[1]}" --layers "${SHAPE[2]}" --d "${SHAPE[3]}" --heads "${SHAPE[4]}" \
      --vocab "${SHAPE[5]}" --iterations "$ITERATIONS" --threads "$t" | tee "bench/out/torch-$t.txt"
  a=bench/out/alignspark-$t.txt
  p=bench/out/torch-$t.txt
  awk -v t="$t" -v af="$(value forward_tokens_per_s $a)" -v pf="$(value torch_forward_tokens_per_s $p)" \
      -v at="$(value train_tokens_per_s $a)" -v pt="$(value torch_train_tokens_per_s $p)" \
      -v ag="$(value gemm_ceiling_gflops $a)" -v pg="$(value torch_mm_gflops $p)" \
      'BEGIN { printf "threads=%s forward_ratio_alignspark_over_torch=%.2f train_ratio_alignspark_over_torch=%.2f products_ratio_gemm_over_mm=%.2f\n", t, af / pf, at / pt, ag / pg }'
done
if [ -f bench/out/alignspark-1.txt ] && [ -f bench/out/alignspark-2.txt ]; then
  awk -v one="$(value forward_tokens_per_s bench/out/alignspark-1.txt)" -v two="$(value forward_tokens_per_s bench/out/alignspark-2.txt)" \
      -v tone="$(value train_tokens_per_s bench/out/alignspark-1.txt)" -v ttwo="$(value train_tokens_per_s bench/out/alignspark-2.txt)" \
      'BEGIN { printf "alignspark_forward_2_over_1_threads=%.2f alignspark_train_2_over_1_threads=%.2f\n", two / one, ttwo / tone }'
fi
