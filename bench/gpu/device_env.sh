# Sourced (". bench/gpu/device_env.sh") from the repository root by the device scripts on the lent machine:
# installs the Vulkan loader from the .gl debs, unpacks the binaries bench/gpu/device_build.sh packed into
# .devpack/d.tgz, and sets R (the repository root), OUT (default /tmp/out, created) and the environment
# the binaries need (golden data, the NVIDIA Vulkan driver when the loader would not find it).
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
tar xzf .devpack/d.tgz
R=$PWD
export XDG_RUNTIME_DIR=/tmp GOCX_GOLDEN=$R/.device/golden
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
