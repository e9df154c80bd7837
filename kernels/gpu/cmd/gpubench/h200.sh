#!/bin/sh
# Device check for kernels/gpu on an NVIDIA H100/H200 (or any Vulkan GPU).
#
# On the development machine (needs Go; no GPU), from the repository root:
#   sh kernels/gpu/cmd/gpubench/h200.sh build  # writes .device/gpu/{gpubench,gpu.test}
# On the GPU machine (no Go needed), from the repository root, with
# .device/gpu carried along (.device/ is git-ignored):
#   sh kernels/gpu/cmd/gpubench/h200.sh run    # about 2-4 minutes
#
# "run" executes the kernels/gpu tests with GOCX_REQUIRE_GPU=vulkan (every
# GEMM tile and tile order, all row kernels, the other helpers' operators)
# and then gpubench -tiles (spot-check at 4096³, GFLOP/s per tile, row
# kernels and copy GB/s, dispatch overhead). Output goes to stdout.
set -eu
case "${1:-run}" in
build)
	mkdir -p .device/gpu
	CGO_ENABLED=0 go build -o .device/gpu/gpubench ./kernels/gpu/cmd/gpubench
	CGO_ENABLED=0 go test -c -o .device/gpu/gpu.test ./kernels/gpu
	ls -l .device/gpu
	;;
run)
	export XDG_RUNTIME_DIR=/tmp
	# The loader may not find the NVIDIA ICD on container images.
	if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
		export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
	fi
	nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
	echo "== go test ./kernels/gpu (GOCX_REQUIRE_GPU=vulkan)"
	(cd kernels/gpu && GOCX_REQUIRE_GPU=vulkan ../../.device/gpu/gpu.test -test.timeout 300s -test.v 2>&1 |
		grep -E '^(=== RUN|--- (PASS|FAIL|SKIP)|PASS|FAIL|ok|panic)|_test.go' | grep -v '^=== RUN' | tail -150) || true
	echo "== gpubench -tiles"
	./.device/gpu/gpubench -tiles -n 7 -batch 10
	;;
*)
	echo "usage: $0 build|run" >&2
	exit 2
	;;
esac
