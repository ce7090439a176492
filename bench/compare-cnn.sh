#!/bin/sh
# Trains the LeNet-5-like network on MNIST (batch 64, SGD with momentum
# 0.9, lr 0.01) with backprop-cli and with PyTorch at 1 and at 2 threads,
# in one run on this machine, and prints them beside backprop's floor
# (its im2col lowering and matrix products alone) and the ratio against
# PyTorch's best setting. Each figure is the best of 3 epochs.
#   bench/compare-cnn.sh [BACKPROP_CLI [DATA_DIR]]
set -eu
cli=${1:-build/app/backprop-cli}
data=${2:-../shared/datasets}
here=$(dirname "$0")
epochs=3
net=conv:6:5,relu,maxpool:2,conv:16:5,relu,maxpool:2,dense:120,relu,dense:84,relu,dense:10

best_epoch () {
  awk '/^epoch / { for (i = 1; i < NF; i++) if ($i == "samples_per_second" && $(i + 1) > best) best = $(i + 1) }
       END { print best + 0 }'
}

echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(not set)}; load: $(uptime | sed 's/.*load/load/')"
echo "== backprop-cli bench --net $net (best of $epochs epochs)"
ours=$("$cli" bench --data-dir "$data" --net "$net" --epochs $epochs)
echo "$ours"

torch=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import torch" 2>/dev/null; then torch=$p; break; fi
done
rate_torch1=0
rate_torch2=0
if [ -n "$torch" ]; then
  for threads in 1 2; do
    echo "== PyTorch (bench/torch_cnn.py, $threads thread(s), best of $epochs epochs)"
    pt=$("$torch" "$here/torch_cnn.py" --data-dir "$data" --epochs $epochs --threads $threads)
    echo "$pt"
    eval "rate_torch$threads=$(echo "$pt" | best_epoch)"
  done
else
  echo "== PyTorch is not installed (Debian: apt-get install python3-torch); only our figures above."
fi

rate_ours=$(echo "$ours" | awk '/^train_samples_per_second/ {print $2}')
rate_floor=$(echo "$ours" | awk '/^gemm_floor_samples_per_second/ {print $2}')
echo "== summary (load: $(uptime | sed 's/.*load average: //'))"
awk -v o="$rate_ours" -v f="$rate_floor" -v t1="$rate_torch1" -v t2="$rate_torch2" 'BEGIN {
  printf "backprop %.0f samples/s; floor (lowering and products) %.0f samples/s; backprop / floor = %.2f\n", o, f, o / f;
  if (t1 > 0) {
    best = t1; which = 1;
    if (t2 > t1) { best = t2; which = 2; }
    printf "PyTorch %.0f samples/s with 1 thread, %.0f with 2; backprop / PyTorch at its best (%d) = %.2fx (target >= 2x)\n",
           t1, t2, which, o / best;
  }
}'
