#!/bin/sh
# The OpenGL device check on a lent NVIDIA machine, from the repository root, with .gl/glpack built here by
# bench/gpu/gl_device_build.sh. It needs the driver's EGL library (libEGL_nvidia.so.0: the container must
# expose the "graphics" driver capability); without it the gl tests fail with "no EGL display", which is
# the answer then. Stages write under $OUT; about 3 minutes in all.
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
R=$PWD
P=$R/.gl/glpack
for f in "$P"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
export XDG_RUNTIME_DIR=/tmp GOCX_GOLDEN=$P/golden GOCX_GPU_BACKEND=gl GOCX_REQUIRE_GPU=gl
# GLVND finds vendor libraries through JSON files; write one for the NVIDIA library if the image lacks it.
if ! ls /usr/share/glvnd/egl_vendor.d/*nvidia*.json >/dev/null 2>&1; then
	lib=$(ldconfig -p | awk '/libEGL_nvidia.so.0/ {print $NF; exit}')
	[ -z "$lib" ] && lib=$(find / -name 'libEGL_nvidia.so.0' 2>/dev/null | head -1)
	if [ -n "$lib" ]; then
		mkdir -p /tmp/egl_vendor.d
		printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s"}}\n' "$lib" > /tmp/egl_vendor.d/10_nvidia.json
		export __EGL_VENDOR_LIBRARY_DIRS=/tmp/egl_vendor.d
	fi
fi
{ nvidia-smi --query-gpu=name,driver_version --format=csv; ls /usr/share/glvnd/egl_vendor.d/ /tmp/egl_vendor.d 2>&1; ldconfig -p | grep -i egl; } > "$OUT/gl_env.txt" 2>&1
stage() { name=$1; shift; t0=$(date +%s); timeout "$@" > "$OUT/$name.txt" 2>&1; echo "$name rc=$? $(( $(date +%s) - t0 ))s" | tee -a "$OUT/gl_stages.txt"; }
cd "$R/kernels/gpu" && stage gl_gpu_tests 120 "$P/bin/gpu.test" -test.timeout 110s -test.v -test.skip 'Scratch'
# The same GEMM benchmark through OpenGL and, for the side-by-side figure, through Vulkan (needs the
# Vulkan loader that bench/gpu/device_run.sh installs from .gl/*.deb).
B='BenchmarkGemm$/(square|vit_T16704)'
cd "$R/kernels/gpu" && stage gl_gemm_bench 90 "$P/bin/gpu.test" -test.run '^$' -test.bench "$B" -test.benchtime 10x
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
cd "$R/kernels/gpu" && stage vk_gemm_bench 90 env GOCX_GPU_BACKEND= GOCX_REQUIRE_GPU=vulkan "$P/bin/gpu.test" -test.run '^$' -test.bench "$B" -test.benchtime 10x
cd "$R/tensor" && stage gl_tensor_tests 60 "$P/bin/tensor.test" -test.v
cd "$R/autograd" && stage gl_autograd_tests 60 "$P/bin/autograd.test" -test.run GPU -test.v
cd "$R/cxformer" && stage gl_cxformer_tests 60 "$P/bin/cxformer.test" -test.run GPU -test.v
cat "$OUT/gl_stages.txt"
