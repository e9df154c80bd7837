#!/bin/sh
# Builds, on a development machine, what bench/gpu/gl_device_run.sh runs on a lent NVIDIA machine: the
# test binaries of kernels/gpu, tensor, autograd and cxformer with the OpenGL device (-tags gl,egl: cgo,
# linked only against GLVND's libEGL; internal linking, see .ci/gl.sh), the GLVND libEGL/libGLdispatch
# debs, and a copy of ../shared/golden, under .gl/glpack (git-ignored: pass .gl as a carry path).
set -eu
cd "$(dirname "$0")/../.."
P=.gl/glpack
rm -rf "$P" && mkdir -p "$P/bin" "$P/debs"
for p in kernels/gpu tensor autograd cxformer; do
	go test -c -tags gl,egl -ldflags='-linkmode=internal -s -w' -o "$P/bin/$(basename $p).test" "./$p"
done
(cd "$P/debs" && apt-get download libegl1 libglvnd0 >/dev/null)
cp -r ../shared/golden "$P/golden"
du -sh "$P"
