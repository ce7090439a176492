#!/bin/sh
# Trains the MNIST MLP (dense:128,relu,dense:64,relu,dense:10, batch 64,
# plain SGD, one epoch) with backprop-cli and with the numpy reference in
# one run on this machine, and prints both beside the GEMM-only floor.
#   bench/compare.sh BACKPROP_CLI DATA_DIR
set -eu
cli=${1:-build/app/backprop-cli}
data=${2:-../shared/datasets}
here=$(dirname "$0")

echo "== backprop-cli bench"
ours=$("$cli" bench --data-dir "$data" --epochs 2)
echo "$ours"
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import numpy" 2>/dev/null; then python=$p; break; fi
done
if [ -z "$python" ]; then
  echo "numpy is not installed (Debian: apt-get install python3-numpy); only our figures above." >&2
  exit 0
fi
echo "== numpy (bench/numpy_mlp.py, SGD, 2 epochs; the second is reported)"
py=$("$python" "$here/numpy_mlp.py" --data-dir "$data" --optimizer sgd --epochs 2)
echo "$py"

rate_ours=$(echo "$ours" | awk '/^train_samples_per_second/ {print $2}')
rate_floor=$(echo "$ours" | awk '/^gemm_floor_samples_per_second/ {print $2}')
rate_numpy=$(echo "$py" | awk '/^epoch 2/ {print $6}')
echo "== summary"
awk -v o="$rate_ours" -v f="$rate_floor" -v n="$rate_numpy" 'BEGIN {
  printf "backprop %.0f samples/s, numpy %.0f samples/s, GEMM floor %.0f samples/s\n", o, n, f;
  printf "backprop / numpy = %.2fx (target >= 1.7x); backprop / GEMM floor = %.2f (target >= 0.85)\n", o / n, o / f;
}'
