package masking

import (
	"testing"

	"github.com/gocx/gocx/internal/golden"
)

// TestGoldenBatchDerivation checks the golden SSL batch (4 global crops of
// 7×7 patches from DINOv2's collate): Python's random draws cannot be
// replayed, but the indices and weights derived from its masks must equal
// DINOv2's mask_indices and masks_weight exactly, and the masks must satisfy
// the collate's invariants for n = 4, N = 49.
func TestGoldenBatchDerivation(t *testing.T) {
	f := golden.Load(t, "ssl/io.safetensors")
	shape := golden.Shape(t, f, "masks")
	if len(shape) != 2 {
		t.Fatalf("golden masks shape %v", shape)
	}
	n, N := shape[0], shape[1]
	raw := golden.I64(t, f, "masks")
	masks := make([]int32, len(raw))
	for i, v := range raw {
		masks[i] = int32(v)
	}
	indices, weights := IndicesAndWeights(masks, n, N)

	wantIdx := golden.I64(t, f, "mask_indices")
	wantW := golden.F64(t, f, "masks_weight")
	if len(indices) != len(wantIdx) || len(weights) != len(wantW) {
		t.Fatalf("%d indices and %d weights, golden has %d and %d", len(indices), len(weights), len(wantIdx), len(wantW))
	}
	for k := range wantIdx {
		if int64(indices[k]) != wantIdx[k] {
			t.Errorf("index %d: %d, golden %d", k, indices[k], wantIdx[k])
		}
		// 1/c is correctly rounded in both precisions, so the float32
		// weight is the golden float64 one rounded to float32.
		if weights[k] != float32(wantW[k]) {
			t.Errorf("weight %d: %g, golden %.17g", k, weights[k], wantW[k])
		}
	}
	t.Logf("golden batch: n=%d N=%d, %d masked patches, weights %v… all equal", n, N, len(indices), weights[:1])

	// Invariants of DINOv2's collate for n = 4: exactly floor(4·0.5) = 2
	// crops masked, each within its stratum's largest target (probs
	// 0.1, 0.3, 0.5 → ⌊49·0.3⌋ = 14 and ⌊49·0.5⌋ = 24).
	var counts []int
	for i := range n {
		if c := count(masks[i*N : (i+1)*N]); c > 0 {
			counts = append(counts, c)
		}
	}
	if len(counts) != 2 {
		t.Fatalf("golden batch has %d masked crops, want 2", len(counts))
	}
	lo, hi := min(counts[0], counts[1]), max(counts[0], counts[1])
	t.Logf("golden masked crops hold %d and %d patches", lo, hi)
	if lo > 14 || hi > 24 || lo+hi > 38 {
		t.Errorf("golden masked counts %v exceed the strata bounds (14, 24; upper bound 38)", counts)
	}
}
