#!/usr/bin/env bash
# CI for the OpenGL device (kernels/gpu behind the build tag gl, cgo): installs
# Mesa's headless EGL and OpenGL (llvmpipe on the CPU), then runs the kernels/gpu
# suite and the tensor/autograd/cxformer GPU golden tests on the gl device, and
# builds cxformer with it. Meant to be called by .ci/run after the main tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: gcc and pkg-config (cgo), EGL and GL headers and pkg-config files
# (libegl-dev, libgl-dev through the Mesa transitional packages). Run: Mesa's
# EGL vendor library (surfaceless platform) and its DRI drivers (llvmpipe).
if ! command -v gcc >/dev/null || ! command -v pkg-config >/dev/null ||
  ! pkg-config --exists egl gl ||
  [ ! -e /usr/share/glvnd/egl_vendor.d/50_mesa.json ] ||
  [ ! -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq gcc pkg-config libegl1-mesa-dev libgl1-mesa-dev libegl-mesa0 libgl1-mesa-dri >/dev/null
fi

export XDG_RUNTIME_DIR=/tmp
export CGO_ENABLED=1
# The tests open the gl device; a skip (no EGL display, no OpenGL 4.3) is a failure.
export GOCX_GPU_BACKEND=gl
export GOCX_REQUIRE_GPU=gl
# Internal linking: with a cgo package in the binary the Go linker would link
# externally, and the external linker cannot resolve the dynamic-import
# stubs of goffi (the pure-Go FFI under gogpu/wgpu): "unhandled relocation
# for goffi_dlopen". The Go linker links the EGL/GL cgo code itself.
gl=(-tags gl -ldflags=-linkmode=internal)

echo "== go vet (gl build; gofmt is .ci/run's, and covers the gl files)"
go vet -tags gl ./kernels/gpu ./cmd/cxformer

echo "== build cxformer with the gl device"
go build "${gl[@]}" -o /tmp/cxformer-gl ./cmd/cxformer
devices=$(/tmp/cxformer-gl devices)
if ! grep -q '^  GL: ' <<<"$devices"; then echo "cxformer devices does not list the GL device:"; echo "$devices"; exit 1; fi

echo "== tests on the gl device"
go test "${gl[@]}" ./kernels/gpu ./tensor ./autograd ./cxformer
