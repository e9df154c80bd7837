"""numpy (OpenBLAS) side of bench/cpu_vs_openblas.sh.

Times float32 matmul on the same shapes and layouts as
bench/cmd/cpu_vs_openblas and prints the same tab-separated lines
(name, layout, M, N, K, GFLOP/s). "NT" is a Linear layer, y = x @ W.T with
W stored (out, in): numpy passes the transposed view to sgemm as a
transpose flag, without a copy. The output array is preallocated so that
only the GEMM is timed. The BLAS library, its kernel (core) name and its
thread count go to stderr.
"""
import ctypes
import sys
import time

import numpy as np

TOKENS = 8 * 261
SHAPES = [
    ("qkv", TOKENS, 1152, 384),
    ("proj", TOKENS, 384, 384),
    ("fc1", TOKENS, 1536, 384),
    ("fc2", TOKENS, 384, 1536),
    ("square1024", 1024, 1024, 1024),
]


def describe_blas():
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line})
    core = threads = "?"
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        ob.openblas_get_corename.restype = ctypes.c_char_p
        ob.openblas_get_config.restype = ctypes.c_char_p
        core = ob.openblas_get_corename().decode()
        threads = ob.openblas_get_num_threads()
        config = ob.openblas_get_config().decode()
    except OSError:
        config = "not OpenBLAS"
    print(f"numpy {np.__version__}: {', '.join(libs)}; {config}; core {core}; {threads} threads",
          file=sys.stderr)


def gflops(a, b, c, min_time):
    np.matmul(a, b, out=c)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_time:
        np.matmul(a, b, out=c)
        n += 1
    el = time.perf_counter() - start
    m, k = a.shape
    return 2.0 * m * b.shape[1] * k * n / el / 1e9


def main():
    min_time = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3
    np.matmul(np.ones((64, 64), np.float32), np.ones((64, 64), np.float32))  # load BLAS
    describe_blas()
    rng = np.random.default_rng(0)
    for name, m, n, k in SHAPES:
        a = rng.standard_normal((m, k), dtype=np.float32)
        c = np.empty((m, n), np.float32)
        for layout in ("NT", "NN"):
            if layout == "NT":
                b = rng.standard_normal((n, k), dtype=np.float32).T  # W stored (out, in)
            else:
                b = rng.standard_normal((k, n), dtype=np.float32)
            print(f"{name}\t{layout}\t{m}\t{n}\t{k}\t{gflops(a, b, c, min_time):.1f}", flush=True)


if __name__ == "__main__":
    main()
