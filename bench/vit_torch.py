"""PyTorch counterpart of bench/cmd/vitbench: the DINOv2 ViT-S/14 (or B/14) with 4 registers, built
from transformers' Dinov2WithRegistersModel (the same blocks as the official modules), fp32, timed for
a forward pass and a training step (forward, mean of the last hidden state, backward, AdamW).

    python3 bench/vit_torch.py --device cpu --threads 2 --batch 8 --size 224
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--device", default="cpu")
p.add_argument("--arch", default="s")
p.add_argument("--batch", type=int, default=8)
p.add_argument("--size", type=int, default=224)
p.add_argument("--reps", type=int, default=5)
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()
if a.threads:
    torch.set_num_threads(a.threads)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

try:
    from transformers import Dinov2WithRegistersConfig, Dinov2WithRegistersModel

    d, heads = (384, 6) if a.arch == "s" else (768, 12)
    cfg = Dinov2WithRegistersConfig(hidden_size=d, num_hidden_layers=12, num_attention_heads=heads, image_size=518,
                                    patch_size=14, num_register_tokens=4, layerscale_value=1.0)
    cfg._attn_implementation = "eager"
    model = Dinov2WithRegistersModel(cfg).to(a.device)
    fwd = lambda x: model(pixel_values=x).last_hidden_state
    impl = "transformers Dinov2WithRegistersModel (eager attention)"
except Exception as e:  # Debian's python3-torch has no transformers: a faithful minimal ViT
    import torch.nn as nn

    d, heads = (384, 6) if a.arch == "s" else (768, 12)

    class Block(nn.Module):
        def __init__(s):
            super().__init__()
            s.n1, s.n2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
            s.qkv, s.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            s.fc1, s.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
            s.g1, s.g2 = nn.Parameter(torch.ones(d)), nn.Parameter(torch.ones(d))

        def forward(s, x):
            B, N, _ = x.shape
            q, k, v = s.qkv(s.n1(x)).reshape(B, N, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            att = ((q * (d // heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
            x = x + s.g1 * s.proj((att @ v).transpose(1, 2).reshape(B, N, d))
            return x + s.g2 * s.fc2(nn.functional.gelu(s.fc1(s.n2(x))))

    class ViT(nn.Module):
        def __init__(s):
            super().__init__()
            s.pe = nn.Conv2d(3, d, 14, 14)
            s.cls, s.reg = nn.Parameter(torch.zeros(1, 1, d)), nn.Parameter(torch.zeros(1, 4, d))
            s.pos = nn.Parameter(torch.zeros(1, 1 + (a.size // 14) ** 2, d))
            s.blocks = nn.ModuleList(Block() for _ in range(12))
            s.norm = nn.LayerNorm(d, eps=1e-6)

        def forward(s, x):
            t = s.pe(x).flatten(2).transpose(1, 2)
            t = torch.cat([s.cls.expand(len(t), -1, -1), t], 1) + s.pos
            t = torch.cat([t[:, :1], s.reg.expand(len(t), -1, -1), t[:, 1:]], 1)
            for b in s.blocks:
                t = b(t)
            return s.norm(t)

    model = ViT().to(a.device)
    fwd = model
    impl = f"minimal DINOv2 ViT in torch.nn ({type(e).__name__}: no transformers)"

x = torch.randn(a.batch, 3, a.size, a.size, device=a.device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.04)


def sync():
    if a.device != "cpu":
        torch.cuda.synchronize()


def forward():
    with torch.no_grad():
        fwd(x)
    sync()


def train():
    opt.zero_grad(set_to_none=True)
    fwd(x).mean().backward()
    opt.step()
    sync()


res = {"device": a.device, "torch": torch.__version__, "threads": torch.get_num_threads(), "impl": impl,
       "arch": f"vit-{a.arch}14-reg4", "batch": a.batch, "size": a.size}
for name, f in (("forward", forward), ("train_step", train)):
    f()
    ts = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    res[name + "_seconds"] = ts[len(ts) // 2]
    res[name + "_images_per_second"] = a.batch / ts[len(ts) // 2]
print(json.dumps(res))
