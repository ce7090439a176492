#!/bin/sh
# Trains an MNIST MLP (by default dense:128,relu,dense:64,relu,dense:10,
# batch 64, plain SGD) with backprop-cli, with the numpy reference and,
# when it is installed, with PyTorch at 1 and at 2 threads, in one run on
# this machine, and prints them beside the GEMM-only floor and the ratios
# against each peer's best setting. Each figure is the best of 3 epochs
# (the floor: the best of 3 passes), the least disturbed one on a shared
# machine.
#   bench/compare.sh [BACKPROP_CLI [DATA_DIR [BATCH [HIDDEN [OPTIMIZER]]]]]
# e.g. bench/compare.sh build/app/backprop-cli ../shared/datasets 1024
#      bench/compare.sh build/app/backprop-cli ../shared/datasets 64 256,256,256,256,256,256,256,256
set -eu
cli=${1:-build/app/backprop-cli}
data=${2:-../shared/datasets}
batch=${3:-64}
hidden=${4:-128,64}
optimizer=${5:-sgd}
here=$(dirname "$0")
epochs=3
net=$(echo "$hidden" | awk -F, '{ for (i = 1; i <= NF; i++) printf "dense:%s,relu,", $i; print "dense:10" }')

best_epoch () {
  awk '/^epoch / { for (i = 1; i < NF; i++) if ($i == "samples_per_second" && $(i + 1) > best) best = $(i + 1) }
       END { print best + 0 }'
}

# Prints the first python that can import module $1; prints nothing (and
# still succeeds, for set -e) when none can.
find_python () {
  for p in python3 /usr/bin/python3; do
    if "$p" -c "import $1" 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 0
}

# All three use OpenBLAS, whose kernels follow OPENBLAS_CORETYPE when it is
# set (this workplace's machines set it to Haswell; unset, OpenBLAS picks
# the AVX-512 Cooperlake kernels on their CPUs).
echo "== OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(not set)}; load: $(uptime | sed 's/.*load/load/')"
echo "== backprop-cli bench --net $net --batch $batch --optimizer $optimizer (best of $epochs epochs)"
ours=$("$cli" bench --data-dir "$data" --net "$net" --batch "$batch" --optimizer "$optimizer" \
       --epochs $epochs)
echo "$ours"

python=$(find_python numpy)
if [ -z "$python" ]; then
  echo "numpy is not installed (Debian: apt-get install python3-numpy); only our figures above." >&2
  exit 0
fi
echo "== numpy (bench/numpy_mlp.py, best of $epochs epochs)"
py=$("$python" "$here/numpy_mlp.py" --data-dir "$data" --optimizer "$optimizer" --epochs $epochs \
     --batch "$batch" --hidden "$hidden")
echo "$py"
rate_numpy=$(echo "$py" | best_epoch)

rate_torch1=0
rate_torch2=0
torch=$(find_python torch)
if [ -n "$torch" ]; then
  for threads in 1 2; do
    echo "== PyTorch (bench/torch_mlp.py, $threads thread(s), best of $epochs epochs)"
    pt=$("$torch" "$here/torch_mlp.py" --data-dir "$data" --optimizer "$optimizer" \
         --epochs $epochs --batch "$batch" --hidden "$hidden" --threads $threads)
    echo "$pt"
    eval "rate_torch$threads=$(echo "$pt" | best_epoch)"
  done
else
  echo "== PyTorch is not installed (Debian: apt-get install python3-torch); skipped"
fi

rate_ours=$(echo "$ours" | awk '/^train_samples_per_second/ {print $2}')
rate_floor=$(echo "$ours" | awk '/^gemm_floor_samples_per_second/ {print $2}')
echo "== summary (load: $(uptime | sed 's/.*load average: //'))"
awk -v o="$rate_ours" -v f="$rate_floor" -v n="$rate_numpy" -v t1="$rate_torch1" \
    -v t2="$rate_torch2" 'BEGIN {
  printf "backprop %.0f samples/s, numpy %.0f samples/s, GEMM floor %.0f samples/s\n", o, n, f;
  printf "backprop / numpy = %.2fx (target >= 2x); backprop / GEMM floor = %.2f (target >= 0.9)\n", o / n, o / f;
  if (t1 > 0) {
    best = t1; which = 1;
    if (t2 > t1) { best = t2; which = 2; }
    printf "PyTorch %.0f samples/s with 1 thread, %.0f with 2; backprop / PyTorch at its best (%d) = %.2fx\n",
           t1, t2, which, o / best;
  }
}'
