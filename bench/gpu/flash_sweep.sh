#!/bin/sh
# The fused-attention device check (issue #7), run once on a lent NVIDIA machine from the repository
# root, with the binaries of bench/gpu/device_build.sh carried as .devpack/d.tgz and the Vulkan loader
# debs as .gl (as for bench/gpu/device_run.sh). It answers: are the m-tile flash kernels
# (kernels/gpu/flash_mm.wgsl) correct on the card, which tiles are fastest, and do they beat the
# unfused path (then flip the GPU default of tensor.HasFusedAttention and the tile tables of
# kernels/gpu/flash.go to the winners printed on the "best:" lines). About 4-6 minutes in all; every
# stage has its own time limit and writes $OUT/flash_<stage>.txt.
#
#   tests   the flash tests on the card: every m-tile set and shape (1374 tokens included), every tile
#           of every pass at head dims 32/64/128 (TestFlashAttentionTiles), fused vs unfused
#   sweep   gpubench -attn: default tiles vs unfused at B=64×6×261 and B=16×6×1374, then every tile of
#           each pass timed and checked against the unfused result, then the best ones together
#   vit     the ViT-S/14 training step at 518 px with fused and with unfused attention
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
tar xzf .devpack/d.tgz
R=$PWD
export XDG_RUNTIME_DIR=/tmp GOCX_GOLDEN=$R/.device/golden
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/flash_gpu.txt" 2>&1
stage() { name=$1; shift; t0=$(date +%s); timeout "$@" > "$OUT/flash_$name.txt" 2>&1; echo "$name rc=$? $(( $(date +%s) - t0 ))s" | tee -a "$OUT/flash_stages.txt"; }
cd "$R/kernels/gpu"
stage tests 180 env GOCX_REQUIRE_GPU=vulkan "$R/.device/gpu/gpu.test" -test.run 'Flash|^TestAttention$' -test.timeout 170s -test.v
cd "$R"
stage sweep 300 ./.device/gpu/gpubench -attn -n 5 -batch 5
stage vit_fused 45 env GOCX_ATTENTION=fused ./.device/bin/vitbench --device gpu --batch 16 --size 518 --reps 3
stage vit_unfused 45 env GOCX_ATTENTION=unfused ./.device/bin/vitbench --device gpu --batch 16 --size 518 --reps 3
grep -h "best:\|WRONG\|error\|^--- FAIL" "$OUT"/flash_tests.txt "$OUT"/flash_sweep.txt > "$OUT/flash_summary.txt" 2>&1
cat "$OUT/flash_stages.txt" "$OUT/flash_summary.txt"
