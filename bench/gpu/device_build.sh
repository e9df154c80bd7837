#!/bin/sh
# Builds, on a development machine without a GPU, everything bench/gpu/device_run.sh runs on the GPU machine:
# static (CGO_ENABLED=0) test binaries and benchmarks, plus a copy of ../shared/golden, packed into
# .devpack/d.tgz (git-ignored; pass .devpack and .gl as the device tool's carry paths).
set -eu
cd "$(dirname "$0")/../.."
rm -rf .device .devpack && mkdir -p .device/gpu .device/bin .devpack
F='-ldflags=-s -w'
CGO_ENABLED=0 go build "$F" -o .device/gpu/gpubench ./kernels/gpu/cmd/gpubench
CGO_ENABLED=0 go test -c "$F" -o .device/gpu/gpu.test ./kernels/gpu
for p in autograd cxformer tensor cxformer/pretrain; do
	CGO_ENABLED=0 go test -c "$F" -o ".device/bin/$(basename $p).test" "./$p"
done
CGO_ENABLED=0 go build "$F" -o .device/bin/vitbench ./bench/cmd/vitbench
CGO_ENABLED=0 go build "$F" -o .device/bin/sslbench ./bench/cmd/sslbench
sh bench/gpu/norobust_build.sh # .device/gpu/gpubench-norobust, a diagnostic (see that script)
cp -r ../shared/golden .device/golden
tar czf .devpack/d.tgz .device
ls -l .devpack
