#!/bin/sh
# The device check, run once on a lent NVIDIA machine from the repository root, with the prepared
# binaries carried as .devpack/d.tgz (built here by bench/gpu/device_build.sh) and the Vulkan loader
# debs as .gl. Every stage has its own time limit and writes its output under $OUT.
set -u
. bench/gpu/device_env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
stage() { name=$1; shift; t0=$(date +%s); timeout "$@" > "$OUT/$name.txt" 2>&1; echo "$name rc=$? $(( $(date +%s) - t0 ))s" | tee -a "$OUT/stages.txt"; }
stage torch_ref 90 python3 bench/gpu/torch_ref.py
cd "$R/kernels/gpu"
stage gpu_tests 150 env GOCX_REQUIRE_GPU=vulkan "$R/.device/gpu/gpu.test" -test.timeout 140s -test.v
cd "$R"
stage gpubench 150 ./.device/gpu/gpubench -tiles -n 5 -batch 10
cd "$R/tensor" && stage tensor_tests 60 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/tensor.test" -test.v
cd "$R/autograd" && stage autograd_tests 60 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/autograd.test" -test.run GPU -test.v
cd "$R/cxformer" && stage cxformer_tests 60 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/cxformer.test" -test.run GPU -test.v
cd "$R"
stage vit_gocx_224 60 ./.device/bin/vitbench --device gpu --batch 64 --size 224 --reps 3
stage vit_torch_224 60 python3 bench/vit_torch.py --device cuda --batch 64 --size 224 --reps 5
stage vit_gocx_518 60 ./.device/bin/vitbench --device gpu --batch 16 --size 518 --reps 3
stage vit_torch_518 60 python3 bench/vit_torch.py --device cuda --batch 16 --size 518 --reps 5
cd "$R/cxformer/pretrain" && stage pretrain_gpu_tests 60 env GOCX_REQUIRE_GPU=vulkan "$R/.device/bin/pretrain.test" -test.run GPU -test.v
cat "$OUT/stages.txt"
