package masking

import (
	"slices"
	"sort"
	"testing"

	"github.com/gocx/gocx/tensor"
)

// checkBatch verifies the invariants every batch must hold.
func checkBatch(t *testing.T, b *Batch) {
	t.Helper()
	n, N := b.Crops, b.Tokens
	if len(b.Masks) != n*N || len(b.Targets) != n || len(b.Indices) != len(b.Weights) || b.NMasked != len(b.Indices) {
		t.Fatalf("sizes: masks %d (n×N=%d×%d), targets %d, indices %d, weights %d, n_masked %d",
			len(b.Masks), n, N, len(b.Targets), len(b.Indices), len(b.Weights), b.NMasked)
	}
	total, masked := 0, 0
	var weightSum float64
	for i := range n {
		c := count(b.Masks[i*N : (i+1)*N])
		if c > b.Targets[i] {
			t.Errorf("crop %d: %d patches masked, target %d", i, c, b.Targets[i])
		}
		total += c
		if c > 0 {
			masked++
		}
	}
	if total > b.Upperbound {
		t.Errorf("%d patches masked, upper bound %d", total, b.Upperbound)
	}
	if total != b.NMasked {
		t.Errorf("n_masked %d, masks hold %d", b.NMasked, total)
	}
	for k, idx := range b.Indices {
		if k > 0 && idx <= b.Indices[k-1] {
			t.Fatalf("indices not strictly increasing at %d: %d after %d", k, idx, b.Indices[k-1])
		}
		if b.Masks[idx] != 1 {
			t.Fatalf("index %d points at an unmasked patch", idx)
		}
		c := count(b.Masks[int(idx)/N*N : (int(idx)/N+1)*N])
		if b.Weights[k] != 1/float32(c) {
			t.Fatalf("weight %d = %g, crop has %d masked patches", k, b.Weights[k], c)
		}
		weightSum += float64(b.Weights[k])
	}
	if d := weightSum - float64(masked); d > 1e-4 || d < -1e-4 {
		t.Errorf("weights sum to %g, want the %d masked crops", weightSum, masked)
	}
}

// TestCollateCXformerBatch is the per-device batch of CXformer: 128 global
// crops of 37×37 patches.
func TestCollateCXformerBatch(t *testing.T) {
	rng := tensor.NewRNG(21)
	const n, N = 128, 1369
	probs := linspace32(0.1, 0.5, 65)
	for trial := range 3 {
		b, err := Collate(rng, n, 37, 37, MaskProbability, RatioMin, RatioMax)
		if err != nil {
			t.Fatal(err)
		}
		checkBatch(t, b)
		var targets []int
		reached, requested, maskedCrops := 0, 0, 0
		for i, tg := range b.Targets {
			c := count(b.Masks[i*N : (i+1)*N])
			if c > 0 {
				maskedCrops++
			}
			if tg > 0 {
				targets = append(targets, tg)
				reached += c
				requested += tg
			}
		}
		if maskedCrops != 64 || len(targets) != 64 {
			t.Errorf("trial %d: %d crops masked, %d with a target; want exactly 64 = floor(128·0.5)", trial, maskedCrops, len(targets))
		}
		// The i-th smallest target lies in stratum i: [⌊N·p_i⌋, ⌊N·p_{i+1}⌋].
		sort.Ints(targets)
		for i, tg := range targets {
			lo, hi := int(float32(N)*probs[i]), int(float32(N)*probs[i+1])
			if tg < lo || tg > hi {
				t.Errorf("trial %d: target %d of stratum %d outside [%d, %d]", trial, tg, i, lo, hi)
			}
		}
		// Σ_{i=1..64} ⌊1369·(0.1 + 0.4·i/64)⌋, computed independently.
		if b.Upperbound != 26528 {
			t.Errorf("trial %d: upper bound %d, want 26528", trial, b.Upperbound)
		}
		if float64(reached) < 0.95*float64(requested) {
			t.Errorf("trial %d: %d of %d requested patches masked", trial, reached, requested)
		}
		// Shuffled: the masked crops are not simply the first 64.
		if first := count(b.Masks[:64*N]); first == reached {
			t.Errorf("trial %d: all masks in the first half; not shuffled", trial)
		}
	}
}

func TestCollateDeterministicAndResumable(t *testing.T) {
	a, _ := Collate(tensor.NewRNG(7), 16, 16, 16, 0.5, 0.1, 0.5)
	b, _ := Collate(tensor.NewRNG(7), 16, 16, 16, 0.5, 0.1, 0.5)
	if !slices.Equal(a.Masks, b.Masks) || !slices.Equal(a.Indices, b.Indices) || a.Upperbound != b.Upperbound {
		t.Error("the same seed gave different batches")
	}
	c, _ := Collate(tensor.NewRNG(8), 16, 16, 16, 0.5, 0.1, 0.5)
	if slices.Equal(a.Masks, c.Masks) {
		t.Error("different seeds gave the same batch")
	}

	// Saving the generator state between batches reproduces the next one.
	rng := tensor.NewRNG(9)
	if _, err := Collate(rng, 16, 16, 16, 0.5, 0.1, 0.5); err != nil {
		t.Fatal(err)
	}
	saved, err := rng.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	next, _ := Collate(rng, 16, 16, 16, 0.5, 0.1, 0.5)
	restored := tensor.NewRNG(0)
	if err := restored.UnmarshalBinary(saved); err != nil {
		t.Fatal(err)
	}
	again, _ := Collate(restored, 16, 16, 16, 0.5, 0.1, 0.5)
	if !slices.Equal(next.Masks, again.Masks) {
		t.Error("a restored generator state drew a different batch")
	}
}

func TestCollateSmallAndEdgeBatches(t *testing.T) {
	rng := tensor.NewRNG(10)
	for _, c := range []struct {
		n, h, w int
		p       float64
	}{{0, 7, 7, 0.5}, {1, 7, 7, 0.5}, {3, 5, 3, 0.5}, {4, 7, 7, 1}, {5, 2, 2, 0.5}, {6, 7, 7, 0}} {
		b, err := Collate(rng, c.n, c.h, c.w, c.p, 0.1, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		checkBatch(t, b)
		withTarget := 0
		for _, tg := range b.Targets {
			if tg > 0 {
				withTarget++
			}
		}
		if want := int(float64(c.n) * c.p); withTarget > want {
			t.Errorf("n=%d p=%g: %d crops with a target, want at most %d", c.n, c.p, withTarget, want)
		}
	}
}

func TestCollateErrors(t *testing.T) {
	rng := tensor.NewRNG(1)
	for _, c := range []struct {
		rng       *tensor.RNG
		n, h, w   int
		p, lo, hi float64
	}{
		{nil, 4, 7, 7, 0.5, 0.1, 0.5},
		{rng, -1, 7, 7, 0.5, 0.1, 0.5},
		{rng, 4, 0, 7, 0.5, 0.1, 0.5},
		{rng, 4, 7, 7, 1.5, 0.1, 0.5},
		{rng, 4, 7, 7, 0.5, 0.6, 0.5},
		{rng, 4, 7, 7, 0.5, -0.1, 0.5},
	} {
		if _, err := Collate(c.rng, c.n, c.h, c.w, c.p, c.lo, c.hi); err == nil {
			t.Errorf("Collate(n=%d, %d×%d, p=%g, ratios %g..%g) accepted", c.n, c.h, c.w, c.p, c.lo, c.hi)
		}
	}
}

func TestLinspace32(t *testing.T) {
	got := linspace32(0.1, 0.5, 3)
	if want := []float32{0.1, 0.3, 0.5}; !slices.Equal(got, want) {
		t.Errorf("linspace32(0.1, 0.5, 3) = %v, want %v", got, want)
	}
	if got := linspace32(0.1, 0.5, 1); !slices.Equal(got, []float32{0.1}) {
		t.Errorf("linspace32 with one step = %v", got)
	}
	l := linspace32(0.1, 0.5, 65)
	if l[0] != 0.1 || l[64] != 0.5 || l[32] != 0.3 {
		t.Errorf("linspace32(0.1, 0.5, 65): ends %g %g, middle %g", l[0], l[64], l[32])
	}
}

func TestIndicesAndWeightsPanicsOnSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for len(masks) ≠ n·N")
		}
	}()
	IndicesAndWeights(make([]int32, 5), 2, 3)
}
