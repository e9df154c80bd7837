#!/bin/sh
# Third device check (issue #3): row kernels and the copy kernel in every variant, next to PyTorch, and the
# split-K tile choice of the weight-gradient GEMMs. Run from the repository root on the lent machine after
# bench/gpu/device_build.sh here (carry .devpack and .gl, as for device_run.sh). About 3 minutes; outputs go
# to $OUT:
#   tests.txt  the kernels/gpu conformance tests of the row, GELU, copy and GEMM kernels on the card (the
#              register path of the row kernels is the GPU default, so these test it with subgroups of 32)
#   bench.txt  PyTorch's figures (copy, softmax/LayerNorm/GELU forward and backward, dW GEMMs), then
#              gpubench -rowsonly (copy shapes, GELU shapes, every row-kernel variant with its ratio to the
#              best copy kernel), then every GEMM tile on the four dW shapes and the automatic choice on
#              every ViT shape (the split-K chooser should now print 128x64 for the dW shapes)
#   models.txt the ViT-S train step, ours (fused blocks, then GOCX_FUSION=off) and PyTorch's, and the
#              CXformer-S SSL step with its dispatches, submits and waits per step
#   step.txt   the arena/guarded-update, fused-op and whole-step tests on the card (one wait per step, no
#              allocations in steady state)
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
tar xzf .devpack/d.tgz
R=$PWD
export XDG_RUNTIME_DIR=/tmp GOCX_GOLDEN=$R/.device/golden
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
st() { f=$1; shift; t=$1; shift; echo "== $* (limit ${t}s)" >> "$OUT/$f"; t0=$(date +%s); timeout "$t" "$@" >> "$OUT/$f" 2>&1; echo "== rc=$? $(( $(date +%s) - t0 ))s" >> "$OUT/$f"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/tests.txt" 2>&1
cd "$R/kernels/gpu"
st tests.txt 120 env GOCX_REQUIRE_GPU=vulkan "$R/.device/gpu/gpu.test" -test.run 'Softmax|LayerNorm|Gelu|Copy|Row|SplitK|^TestGemm' -test.timeout 110s -test.v
cd "$R"
st bench.txt 60 python3 bench/gpu/torch_ref.py
st bench.txt 120 ./.device/gpu/gpubench -rowsonly -n 7 -batch 10
st bench.txt 60 ./.device/gpu/gpubench -norows -tiles -shapes dW -n 5 -batch 10
st bench.txt 40 ./.device/gpu/gpubench -norows -shapes ViT -n 5 -batch 10
st step.txt 90 env GOCX_REQUIRE_GPU=vulkan ./.device/bin/tensor.test -test.run 'Arena|SumSquaresAndClip|GuardedStep|LinearGelu|AddScaledLayerNorm|MeanRowEntropy|Concat1D|SSL' -test.v
st step.txt 120 env GOCX_REQUIRE_GPU=vulkan ./.device/bin/pretrain.test -test.run 'GPU' -test.v
st models.txt 30 ./.device/bin/vitbench --device gpu --batch 64 --size 224 --reps 3
st models.txt 30 env GOCX_FUSION=off ./.device/bin/vitbench --device gpu --batch 64 --size 224 --reps 3
st models.txt 30 python3 bench/vit_torch.py --device cuda --batch 64 --size 224 --reps 5
st models.txt 60 ./.device/bin/sslbench --preset cxformer-s --global 224 --batch 64 --device gpu --steps 3
grep -h "^== rc" "$OUT"/*.txt
