#!/bin/sh
# A diagnostic build, never a shipped one: gpubench linked against a copy of github.com/gogpu/wgpu whose
# Vulkan device is created with robustBufferAccess off, written to .device/gpu/gpubench-norobust (run
# after bench/gpu/device_build.sh has made .device/, before it packs; device_build.sh calls it).
#
# Why: our copy kernel reached 41% of the H200's copy bandwidth (bench/RESULTS.md), and gogpu/wgpu v0.31.5
# enables every core feature the adapter reports (hal/vulkan/adapter.go passes the physical device's
# feature struct to vkCreateDevice), robustBufferAccess included, which makes the driver bounds-check every
# storage-buffer access. device_next.sh times the copy and GELU kernels with both binaries on the card,
# one after the other; if the difference is large, the fix belongs upstream (an option to leave the
# feature off), not in a patched dependency.
#
# The copy of the module lives under .device-norobust/ (git-ignored), is changed in one line by sed, and
# is used through a separate go.mod (-modfile) with a replace directive; the repository's go.mod is untouched.
set -eu
cd "$(dirname "$0")/../.."
V=v0.31.5
M=$(go env GOMODCACHE)/github.com/gogpu/wgpu@$V
[ -d "$M" ] || go mod download github.com/gogpu/wgpu@$V
W=$PWD/.device-norobust
rm -rf "$W" && mkdir -p "$W"
cp -r "$M" "$W/wgpu" && chmod -R u+w "$W/wgpu"
A=$W/wgpu/hal/vulkan/adapter.go
grep -q 'PEnabledFeatures:        &a.features,' "$A"
# Turn the feature off in the adapter's copy of the feature struct just before the device is created.
sed -i 's|\(\t\)// Device create info|\1a.features.RobustBufferAccess = 0 // gocx diagnostic build (bench/gpu/norobust_build.sh)\n\1// Device create info|' "$A"
grep -q 'a.features.RobustBufferAccess = 0' "$A"
cp go.mod "$W/go.mod"
cp go.sum "$W/go.sum"
echo "replace github.com/gogpu/wgpu => $W/wgpu" >> "$W/go.mod"
mkdir -p .device/gpu
CGO_ENABLED=0 go build -modfile="$W/go.mod" -ldflags='-s -w' -o .device/gpu/gpubench-norobust ./kernels/gpu/cmd/gpubench
echo "built .device/gpu/gpubench-norobust"
