#!/usr/bin/env bash
# ViT-S/14 with 4 registers at 224 px, batch 8, on the CPU: gocx next to PyTorch (Debian's python3-torch),
# same machine, same threads, alternating runs so that background load hits both.
#   bench/vit_cpu_vs_torch.sh            (ROUNDS=2 THREADS=2 BATCH=8 SIZE=224 by default)
# Debian's torch calls the system libblas.so.3, which may be the reference BLAS; like cpu_vs_openblas.sh
# it is pointed at OpenBLAS (libopenblas0-pthread) through LD_LIBRARY_PATH, with OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE unset so that OpenBLAS picks its kernels for this CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2} THREADS=${THREADS:-2} BATCH=${BATCH:-8} SIZE=${SIZE:-224}
go build -o /tmp/gocx-vitbench ./bench/cmd/vitbench
echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  GOMAXPROCS=$THREADS /tmp/gocx-vitbench --device cpu --batch "$BATCH" --size "$SIZE" --reps 3
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 bench/vit_torch.py --device cpu --threads "$THREADS" --batch "$BATCH" --size "$SIZE" --reps 3
done
