#!/usr/bin/env bash
# Forward + log-softmax and one training step of a GPT-2-small-shaped model (12 layers, d=768, 12 heads,
# vocab 50257, batch 4 × 128, random weights): alignspark's engine on ND4J and plain PyTorch, same machine,
# same run. Prints both, the tokens/s ratio, and alignspark's GFLOP/s against Nd4j.gemm of the same shapes.
#   bench/lm-forward.sh            # THREADS=2 ITERATIONS=5 by default
# Needs Debian's python3-torch and libopenblas0-pthread (apt) for the PyTorch side.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
ITERATIONS=${ITERATIONS:-5}
SHAPE=(4 128 12 768 12 50257)
mkdir -p bench/out
mvn -q -B -pl common test-compile dependency:build-classpath \
    -Dmdep.outputFile="$PWD/bench/out/classpath.txt" -Dmdep.includeScope=test
CP="common/target/test-classes:common/target/classes:$(cat bench/out/classpath.txt)"

echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) cores=$(nproc) threads=$THREADS"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-} load=$(cut -d' ' -f1-3 /proc/loadavg)"
OMP_NUM_THREADS=$THREADS java -Xmx3g -cp "$CP" org.alignspark.common.lm.bench.LmForwardBenchmark \
    "${SHAPE[@]}" "$ITERATIONS" 2>/dev/null | tee bench/out/alignspark.txt
/usr/bin/python3 bench/lm_forward_torch.py --batch "${SHAPE[0]}" --length "${SHAPE[1]}" --layers "${SHAPE[2]}" \
    --d "${SHAPE[3]}" --heads "${SHAPE[4]}" --vocab "${SHAPE[5]}" --iterations "$ITERATIONS" \
    --threads "$THREADS" | tee bench/out/torch.txt

value() { grep "^$1=" "$2" | cut -d= -f2; }
awk -v a="$(value forward_tokens_per_s bench/out/alignspark.txt)" -v t="$(value torch_forward_tokens_per_s bench/out/torch.txt)" \
    -v at="$(value train_tokens_per_s bench/out/alignspark.txt)" -v tt="$(value torch_train_tokens_per_s bench/out/torch.txt)" \
    'BEGIN { printf "forward_ratio_alignspark_over_torch=%.2f\ntrain_ratio_alignspark_over_torch=%.2f\n", a / t, at / tt }'
