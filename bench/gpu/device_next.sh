#!/bin/sh
# Everything the open GPU targets (issues #3 and #7) still need, in one call of the device tool: a session
# with a lent card has 15 minutes of device time in all, starts included, so this runs in at most ~9
# minutes and keeps to the order of what decides most. Build here first with bench/gpu/device_build.sh
# (CGO_ENABLED=0), then run from the repository root with carry [".devpack", ".gl"] and timeout_s 600:
#     OUT=$OUT sh bench/gpu/device_next.sh
# Every stage has its own time limit and the whole run a budget (BUDGET seconds, default 530): a stage
# whose limit would pass the budget is skipped and says so. Outputs in $OUT:
#   stages.txt  one line per stage: rc and seconds (rc=124: its limit cut it)
#   tests.txt   the row, GELU, copy and flash conformance tests on the card (the register path of the row
#               kernels and the m-tile flash kernels are new since the last device run)
#   torch.txt   PyTorch's figures: copy bandwidth, softmax/LayerNorm/GELU, SDPA, GEMMs
#   rows.txt    gpubench -rowsonly: vkCmdCopyBuffer, our copy kernel in every stream shape, GELU, every
#               row-kernel variant with its ratio to the best copy kernel (the #3 target is 0.6 of
#               PyTorch's copy)
#   robust.txt the copy and GELU kernels with the Vulkan device created without robustBufferAccess
#               (bench/gpu/norobust_build.sh, a diagnostic build), then with it, as shipped
#   attn.txt    gpubench -attn -attnsweep m: default tiles and every m tile against unfused (the #7 target:
#               fused fwd+bwd at 1374 tokens 1.5x faster than unfused, within 1.3x of SDPA's 5.1 ms)
#   models.txt  the ViT-S step at 224 px B=64 (fused blocks, then GOCX_FUSION=off) next to PyTorch, the
#               518 px B=16 step with fused and unfused attention, and the CXformer-S SSL step with its
#               dispatches, submits and waits
#   gemm.txt    the automatic GEMM choice at every ViT-S shape (forward, dX, and the split-K dW GEMMs, whose
#               new tile ranking is unmeasured), then every tile on the dW shapes if time is left
#   step.txt    the arena/guarded-update, fused-op and whole-step tests on the card
# Acting on it: record the figures in bench/RESULTS.md; if attn.txt's "best:" m tiles beat unfused, flip the
# GPU default of tensor.HasFusedAttention and the tile tables of kernels/gpu/flash_tiles.go to them; if a
# row-kernel variant beats the default on every shape, make it RowTuning's default.
set -u
BUDGET=${BUDGET:-530}
T0=$(date +%s)
. bench/gpu/device_env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv > "$OUT/stages.txt" 2>&1
# st FILE LIMIT DIR CMD...: run CMD in DIR under LIMIT seconds, appending to $OUT/FILE, unless the budget
# has less than LIMIT left.
st() {
	f=$1 t=$2 dir=$3
	shift 3
	left=$((BUDGET - ($(date +%s) - T0)))
	if [ "$left" -lt "$t" ]; then
		echo "SKIPPED (budget: ${left}s left, limit ${t}s): $*" | tee -a "$OUT/$f" >> "$OUT/stages.txt"
		return
	fi
	echo "== $* (limit ${t}s)" >> "$OUT/$f"
	t1=$(date +%s)
	(cd "$dir" && timeout "$t" "$@") >> "$OUT/$f" 2>&1
	echo "$f rc=$? $(($(date +%s) - t1))s: $*" >> "$OUT/stages.txt"
}
G=$R/.device/gpu
B=$R/.device/bin
VK="env GOCX_REQUIRE_GPU=vulkan"
st tests.txt 75 "$R/kernels/gpu" $VK "$G/gpu.test" -test.run 'Softmax|LayerNorm|Gelu|Copy|Row|AddScaled' -test.timeout 70s
st torch.txt 60 "$R" python3 bench/gpu/torch_ref.py
st robust.txt 40 "$R" "$G/gpubench-norobust" -copyonly -n 5 -batch 10
st robust.txt 40 "$R" "$G/gpubench" -copyonly -n 5 -batch 10
st rows.txt 100 "$R" "$G/gpubench" -rowsonly -n 5 -batch 10
st tests.txt 60 "$R/kernels/gpu" $VK "$G/gpu.test" -test.run 'FlashAttentionMM|^TestAttention$' -test.timeout 55s
st attn.txt 120 "$R" "$G/gpubench" -attn -attnsweep m -n 5 -batch 5
st models.txt 25 "$R" "$B/vitbench" --device gpu --batch 64 --size 224 --reps 3
st models.txt 25 "$R" env GOCX_FUSION=off "$B/vitbench" --device gpu --batch 64 --size 224 --reps 3
st models.txt 30 "$R" python3 bench/vit_torch.py --device cuda --batch 64 --size 224 --reps 5
st models.txt 30 "$R" env GOCX_ATTENTION=fused "$B/vitbench" --device gpu --batch 16 --size 518 --reps 3
st models.txt 30 "$R" env GOCX_ATTENTION=unfused "$B/vitbench" --device gpu --batch 16 --size 518 --reps 3
st models.txt 45 "$R" "$B/sslbench" --preset cxformer-s --global 224 --batch 64 --device gpu --steps 3
st gemm.txt 40 "$R" "$G/gpubench" -norows -shapes ViT -n 5 -batch 10
st step.txt 60 "$R" $VK "$B/pretrain.test" -test.run 'GPU'
st step.txt 40 "$R/tensor" $VK "$B/tensor.test" -test.run 'Arena|SumSquaresAndClip|GuardedStep|LinearGelu|AddScaledLayerNorm|MeanRowEntropy|Concat1D'
st gemm.txt 90 "$R" "$G/gpubench" -norows -tiles -shapes dW -n 3 -batch 5
grep -h -- "--- FAIL\|WRONG\|panic:" "$OUT"/*.txt >> "$OUT/stages.txt" 2>/dev/null
echo "total $(($(date +%s) - T0))s" >> "$OUT/stages.txt"
cat "$OUT/stages.txt"
