"""PyTorch reference timings for gocx's GPU benchmarks, on the same card in the same script run.

GEMM in fp32 with TF32 off (cuBLAS), at the square sizes and the ViT-S/14 Linear shapes (T = 64 x 261 tokens,
B transposed as in F.linear, and the weight gradients dW = dY^T X); softmax, LayerNorm and GELU bandwidth
(forward and backward) at the ViT-S shapes; device copy bandwidth. Times are CUDA-event medians. Prints one
JSON object per line.
"""
import json
import sys

import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"


def timed(fn, reps=20, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        ts.append(a.elapsed_time(b) / 1e3)
    ts.sort()
    return ts[len(ts) // 2]


def out(**kw):
    print(json.dumps(kw), flush=True)


out(what="device", name=torch.cuda.get_device_name(), torch=torch.__version__)
for n in (1024, 2048, 4096):
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    t = timed(lambda: a @ b)
    out(what="gemm", shape=f"{n}^3", m=n, n=n, k=n, seconds=t, tflops=2 * n**3 / t / 1e12)
T = 64 * 261
for name, (n, k) in {"qkv": (1152, 384), "proj": (384, 384), "fc1": (1536, 384), "fc2": (384, 1536)}.items():
    x = torch.randn(T, k, device=dev)
    w = torch.randn(n, k, device=dev)
    t = timed(lambda: torch.nn.functional.linear(x, w))
    out(what="gemm", shape=f"vits-{name}", m=T, n=n, k=k, seconds=t, tflops=2 * T * n * k / t / 1e12)

big = torch.empty(256 * 1024 * 1024, device=dev)  # 1 GiB
dst = torch.empty_like(big)
t = timed(lambda: dst.copy_(big))
out(what="copy", bytes=2 * big.numel() * 4, seconds=t, gbs=2 * big.numel() * 4 / t / 1e9)

rows = 64 * 6 * 261
x = torch.randn(rows, 261, device=dev)
t = timed(lambda: torch.softmax(x, -1))
out(what="softmax", rows=rows, cols=261, seconds=t, gbs=2 * x.numel() * 4 / t / 1e9)
x = torch.randn(T, 384, device=dev)
ln = torch.nn.LayerNorm(384, eps=1e-6).to(dev)
with torch.no_grad():
    t = timed(lambda: ln(x))
out(what="layernorm", rows=T, cols=384, seconds=t, gbs=2 * x.numel() * 4 / t / 1e9)
x = torch.randn(T, 1536, device=dev)
t = timed(lambda: torch.nn.functional.gelu(x))
out(what="gelu", rows=T, cols=1536, seconds=t, gbs=2 * x.numel() * 4 / t / 1e9)
del x


def guarded(what, fn):
    """Runs one extra measurement; an API difference prints an error line instead of ending the script."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report and go on
        out(what=what, error=repr(e))


# The backward row kernels (aten ops without autograd, so only the kernel is timed; GB/s counts dy and the
# saved input read once and dx written once, as gocx's gpubench does) and the 518 px attention rows.
def softmax_rows():
    for rows, cols in ((64 * 6 * 261, 261), (16 * 6 * 1374, 1374)):
        x = torch.randn(rows, cols, device=dev)
        y = torch.softmax(x, -1)
        t = timed(lambda: torch.softmax(x, -1))
        out(what="softmax", rows=rows, cols=cols, seconds=t, gbs=2 * x.numel() * 4 / t / 1e9)
        dy = torch.randn_like(y)
        t = timed(lambda: torch.ops.aten._softmax_backward_data(dy, y, -1, torch.float32))
        out(what="softmax_backward", rows=rows, cols=cols, seconds=t, gbs=3 * x.numel() * 4 / t / 1e9)


def layernorm_rows():
    for cols in (384, 768):
        x = torch.randn(T, cols, device=dev)
        w = torch.randn(cols, device=dev)
        b = torch.randn(cols, device=dev)
        t = timed(lambda: torch.ops.aten.native_layer_norm(x, [cols], w, b, 1e-6))
        out(what="layernorm", rows=T, cols=cols, seconds=t, gbs=2 * x.numel() * 4 / t / 1e9)
        _, mean, rstd = torch.ops.aten.native_layer_norm(x, [cols], w, b, 1e-6)
        dy = torch.randn_like(x)
        t = timed(lambda: torch.ops.aten.native_layer_norm_backward(dy, x, [cols], mean, rstd, w, b, [True, True, True]))
        out(what="layernorm_backward", rows=T, cols=cols, seconds=t, gbs=3 * x.numel() * 4 / t / 1e9)


def gelu_backward():
    x = torch.randn(T, 1536, device=dev)
    dy = torch.randn_like(x)
    t = timed(lambda: torch.ops.aten.gelu_backward(dy, x))
    out(what="gelu_backward", rows=T, cols=1536, seconds=t, gbs=3 * x.numel() * 4 / t / 1e9)


# Weight gradients of the ViT-S Linear layers, dW = dYᵀ·X (gocx runs these as split-K TN GEMMs).
def weight_gradients():
    for name, (n, k) in {"qkv": (1152, 384), "proj": (384, 384), "fc1": (1536, 384), "fc2": (384, 1536)}.items():
        dy = torch.randn(T, n, device=dev)
        x = torch.randn(T, k, device=dev)
        t = timed(lambda: dy.t() @ x)
        out(what="gemm", shape=f"vits-{name}-dW", m=n, n=k, k=T, seconds=t, tflops=2 * T * n * k / t / 1e12)


guarded("softmax_rows", softmax_rows)
guarded("layernorm_rows", layernorm_rows)
guarded("gelu_backward", gelu_backward)
guarded("weight_gradients", weight_gradients)
torch.cuda.empty_cache()

# Attention at the ViT-S head shapes: PyTorch SDPA in fp32 (no TF32), forward and forward+backward.
import torch.nn.functional as F

for b, n in ((64, 261), (16, 1374)):
    q, k, v = (torch.randn(b, 6, n, 64, device=dev, requires_grad=True) for _ in range(3))
    go = torch.randn(b, 6, n, 64, device=dev)
    tf = timed(lambda: F.scaled_dot_product_attention(q, k, v))

    def fb():
        o = F.scaled_dot_product_attention(q, k, v)
        o.backward(go)

    tb = timed(fb)
    fl = 4 * b * 6 * n * n * 64
    out(what="sdpa", batch=b, heads=6, seq=n, hd=64, fwd_ms=tf * 1e3, fwdbwd_ms=tb * 1e3,
        fwd_tflops=fl / tf / 1e12, fwdbwd_tflops=3.5 * fl / tb / 1e12)
