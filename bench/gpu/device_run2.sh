#!/bin/sh
# Second device check: fused attention (conformance on the card, fused vs unfused vs PyTorch SDPA), the
# re-ranked GEMM tile choice, the ViT-S step with fused and unfused attention next to PyTorch, and the
# CXformer-S SSL step. Outputs go to $OUT (three files).
set -u
. bench/gpu/device_env.sh
st() { f=$1; shift; t=$1; shift; echo "== $* (limit ${t}s)" >> "$OUT/$f"; t0=$(date +%s); timeout "$t" "$@" >> "$OUT/$f" 2>&1; echo "== rc=$? $(( $(date +%s) - t0 ))s" >> "$OUT/$f"; }
cd "$R/kernels/gpu"
st tests.txt 120 env GOCX_REQUIRE_GPU=vulkan "$R/.device/gpu/gpu.test" -test.run 'Flash|^TestAttention$|TestGemm' -test.timeout 110s
cd "$R/autograd" && st tests.txt 40 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/autograd.test" -test.run GPU
cd "$R/cxformer" && st tests.txt 40 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/cxformer.test" -test.run GPU
cd "$R"
st bench.txt 40 python3 bench/gpu/torch_ref.py
st bench.txt 90 ./.device/gpu/gpubench -attn -n 5 -batch 5
st bench.txt 40 ./.device/gpu/gpubench -n 5 -batch 10 -norows
st models.txt 30 ./.device/bin/vitbench --device gpu --batch 64 --size 224 --reps 3
st models.txt 30 env GOCX_ATTENTION=unfused ./.device/bin/vitbench --device gpu --batch 64 --size 224 --reps 3
st models.txt 30 python3 bench/vit_torch.py --device cuda --batch 64 --size 224 --reps 5
st models.txt 30 ./.device/bin/vitbench --device gpu --batch 16 --size 518 --reps 3
st models.txt 30 env GOCX_ATTENTION=unfused ./.device/bin/vitbench --device gpu --batch 16 --size 518 --reps 3
st models.txt 30 python3 bench/vit_torch.py --device cuda --batch 16 --size 518 --reps 5
st models.txt 60 ./.device/bin/sslbench --preset cxformer-s --global 224 --batch 64 --device gpu --steps 3
grep -h "^== rc" "$OUT"/*.txt
