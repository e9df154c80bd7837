#!/usr/bin/env bash
# cpu_vs_openblas.sh: gocx's SGEMM (kernels/cpu.Gemm) against OpenBLAS's
# (numpy float32 matmul) on the ViT-S/14 GEMM shapes and 1024³, with the
# same number of threads, printed side by side with the ratio ours/OpenBLAS.
#
#   bench/cpu_vs_openblas.sh            # 2 threads, 3 interleaved rounds
#   THREADS=1 ROUNDS=5 MIN=0.5 bench/cpu_vs_openblas.sh
#   AVX2=0 bench/cpu_vs_openblas.sh     # skip the AVX2-vs-Haswell columns
#
# The two sides run alternately, round after round, and each keeps its best
# round per shape, so load from other processes hits both alike. OpenBLAS
# picks its kernel for this CPU (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
# unset for the numpy command only); the second pair of columns pins gocx to
# its AVX2 path (GOCX_CPU=avx2fma) and OpenBLAS to its Haswell (AVX2)
# kernels, so each instruction set is compared with its own kind.
#
# Needs Debian's python3-numpy and libopenblas0-pthread (numpy is pointed
# at OpenBLAS through LD_LIBRARY_PATH, whatever libblas.so.3 the system
# alternatives select).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
MIN=${MIN:-0.3}
AVX2=${AVX2:-1}
PY=/usr/bin/python3
OBDIR=/usr/lib/x86_64-linux-gnu/openblas-pthread

if [ ! -e "$OBDIR/libblas.so.3" ]; then
  echo "OpenBLAS not found in $OBDIR: apt-get install libopenblas0-pthread" >&2
  exit 1
fi
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "numpy not found for $PY: apt-get install python3-numpy" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/gocx" ./bench/cmd/cpu_vs_openblas

ours() { # ours PATH-CAP ROUND
  GOCX_CPU="$1" "$tmp/gocx" -threads "$THREADS" -min "${MIN}s" >"$tmp/gocx$1.$2" 2>>"$tmp/info"
}
openblas() { # openblas CORETYPE ROUND (empty CORETYPE: OpenBLAS's own choice)
  local pin=()
  [ -n "$1" ] && pin=(OPENBLAS_CORETYPE="$1")
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${pin[@]}" \
    OPENBLAS_NUM_THREADS="$THREADS" LD_LIBRARY_PATH="$OBDIR" \
    "$PY" bench/cpu_vs_openblas.py "$MIN" >"$tmp/ob$1.$2" 2>>"$tmp/info"
}

echo "load before: $(uptime)"
for r in $(seq "$ROUNDS"); do
  ours "" "$r"
  openblas "" "$r"
  if [ "$AVX2" = 1 ]; then
    ours avx2fma "$r"
    openblas Haswell "$r"
  fi
done
echo "load after:  $(uptime)"
sort -u "$tmp/info"

"$PY" - "$tmp" "$ROUNDS" "$AVX2" <<'PYEOF'
import sys, glob, collections
tmp, rounds, avx2 = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"

def best(prefix):
    """Best GFLOP/s per (name, layout) over the rounds of one series."""
    out, order = {}, []
    for r in range(1, rounds + 1):
        for line in open(f"{tmp}/{prefix}.{r}"):
            name, layout, m, n, k, g = line.split("\t")
            key = (name, layout, f"{m}x{n}x{k}")
            if key not in out:
                order.append(key)
            out[key] = max(out.get(key, 0.0), float(g))
    return out, order

series = [("gocx", "OpenBLAS", "gocx", "ob")]
if avx2:
    series.append(("gocx avx2fma", "OpenBLAS Haswell", "gocxavx2fma", "obHaswell"))
cols, rows = [], None
for ours, theirs, po, pt in series:
    o, order = best(po)
    t, _ = best(pt)
    rows = rows or order
    cols.append((ours, theirs, o, t))

head = f"| {'shape':<10} | {'B':<2} | {'M×N×K':<14} |"
for ours, theirs, _, _ in cols:
    head += f" {ours + ' GF/s':>17} | {theirs + ' GF/s':>21} | {'ratio':>5} |"
print()
print(head)
print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
worst = collections.defaultdict(lambda: 9.9)
for key in rows:
    line = f"| {key[0]:<10} | {key[1]:<2} | {key[2]:<14} |"
    for i, (ours, theirs, o, t) in enumerate(cols):
        ratio = o[key] / t[key]
        worst[i] = min(worst[i], ratio)
        line += f" {o[key]:>17.1f} | {t[key]:>21.1f} | {ratio:>5.2f} |"
    print(line)
print()
for i, (ours, theirs, _, _) in enumerate(cols):
    print(f"lowest ratio {ours}/{theirs}: {worst[i]:.2f}")
PYEOF
