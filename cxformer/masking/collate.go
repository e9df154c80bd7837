package masking

import (
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// DINOv2's iBOT collate settings.
const (
	// MaskProbability is the fraction of global crops that get a mask.
	MaskProbability = 0.5
	// RatioMin and RatioMax bound the stratified mask ratios.
	RatioMin, RatioMax = 0.1, 0.5
)

// Batch is the iBOT masking of one batch of global crops.
type Batch struct {
	Crops, Tokens int // n global crops, N patch tokens per crop

	// Masks is n×N, row-major, 1 where the patch is replaced by the mask
	// token.
	Masks []int32
	// Targets[i] is the number of patches requested for crop i (0 for an
	// unmasked crop); the generator may mask fewer, never more.
	Targets []int
	// Indices are the flat positions i·N + j of the masked patches in
	// row-major order (mask_indices_list).
	Indices []int32
	// Weights[k] is 1/(masked patches of the crop of Indices[k])
	// (masks_weight).
	Weights []float32
	// NMasked is len(Indices) (n_masked_patches).
	NMasked int
	// Upperbound is Σ ⌊N·probs[i+1]⌋ over the masked crops, the most
	// patches the batch can mask (DINOv2 sizes its buffers with it).
	Upperbound int
}

// Collate draws the masks of nGlobalCrops crops on a gridH×gridW patch grid
// with DINOv2's generator for that grid, whose MaxPatches is
// ⌊gridH/2⌋·gridW — DINOv2's 0.5·S//P·S//P for a square crop of S = gridH·P
// pixels. See (*Generator).Collate.
func Collate(rng *tensor.RNG, nGlobalCrops, gridH, gridW int, maskProb, ratioMin, ratioMax float64) (*Batch, error) {
	g, err := NewGenerator(gridH, gridW, float64((gridH/2)*gridW))
	if err != nil {
		return nil, fmt.Errorf("masking.Collate: %w", err)
	}
	return g.Collate(rng, nGlobalCrops, maskProb, ratioMin, ratioMax)
}

// Collate is DINOv2's collate_data_and_cast masking for nGlobalCrops crops
// (all global crops of the batch, crop-major): floor(n·maskProb) crops get
// target_i = ⌊N·U(probs[i], probs[i+1])⌋ patches with
// probs = linspace(ratioMin, ratioMax, floor(n·maskProb)+1), the rest none,
// then the crops are shuffled (Fisher–Yates from the end, as Python's
// random.shuffle). probs, the uniform draw and the products with N are
// float32, as in the reference's torch arithmetic. It returns an error for a
// nil rng, a negative crop count, or probabilities outside
// 0 ≤ maskProb ≤ 1, 0 ≤ ratioMin ≤ ratioMax ≤ 1.
func (g *Generator) Collate(rng *tensor.RNG, nGlobalCrops int, maskProb, ratioMin, ratioMax float64) (*Batch, error) {
	switch {
	case rng == nil:
		return nil, fmt.Errorf("masking.Collate: %w", errNilRNG)
	case nGlobalCrops < 0:
		return nil, fmt.Errorf("masking.Collate: negative number of global crops %d", nGlobalCrops)
	case !(maskProb >= 0 && maskProb <= 1):
		return nil, fmt.Errorf("masking.Collate: mask probability %g is not in [0, 1]", maskProb)
	case !(ratioMin >= 0 && ratioMin <= ratioMax && ratioMax <= 1):
		return nil, fmt.Errorf("masking.Collate: mask ratios (%g, %g) must satisfy 0 ≤ min ≤ max ≤ 1", ratioMin, ratioMax)
	}
	n, N := nGlobalCrops, g.H*g.W
	b := &Batch{Crops: n, Tokens: N, Masks: make([]int32, n*N), Targets: make([]int, n)}
	nMasked := int(float64(n) * maskProb)
	probs := linspace32(float32(ratioMin), float32(ratioMax), nMasked+1)
	for i := range nMasked {
		lo, hi := probs[i], probs[i+1]
		ratio := lo + float32((hi-lo)*float32(rng.Float64()))
		b.Targets[i] = int(float32(float32(N) * ratio))
		g.generateInto(b.Masks[i*N:(i+1)*N], rng, b.Targets[i])
		b.Upperbound += int(float32(float32(N) * hi))
	}
	shuffleRows(rng, b.Masks, b.Targets, N)
	b.Indices, b.Weights = IndicesAndWeights(b.Masks, n, N)
	b.NMasked = len(b.Indices)
	return b, nil
}

// shuffleRows permutes the rows of masks (n×N) and targets together with
// Python's random.shuffle: for i from n−1 down to 1, swap i with a uniform
// j in [0, i].
func shuffleRows(rng *tensor.RNG, masks []int32, targets []int, N int) {
	for i := len(targets) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		if i == j {
			continue
		}
		targets[i], targets[j] = targets[j], targets[i]
		ri, rj := masks[i*N:(i+1)*N], masks[j*N:(j+1)*N]
		for k := range ri {
			ri[k], rj[k] = rj[k], ri[k]
		}
	}
}

// linspace32 is torch.linspace(start, end, steps) in float32 (the scalar
// kernel): with step = (end−start)/(steps−1), element i is start + step·i in
// the first half and end − step·(steps−1−i) in the second, so both ends are
// exact; one step gives [start].
func linspace32(start, end float32, steps int) []float32 {
	out := make([]float32, steps)
	if steps == 1 {
		out[0] = start
		return out
	}
	step := (end - start) / float32(steps-1)
	half := steps / 2
	for i := range out {
		if i < half {
			out[i] = start + float32(step*float32(i))
		} else {
			out[i] = end - float32(step*float32(steps-1-i))
		}
	}
	return out
}

// IndicesAndWeights derives, from n×N masks (row-major, non-zero =
// masked), the flat indices i·N + j of the masked patches in row-major order
// and their weights 1/c_i, c_i = the number of masked patches of crop i —
// DINOv2's mask_indices_list and masks_weight. It panics when
// len(masks) ≠ n·N.
func IndicesAndWeights(masks []int32, n, N int) ([]int32, []float32) {
	if n < 0 || N < 0 || len(masks) != n*N {
		panic(fmt.Sprintf("masking.IndicesAndWeights: len(masks)=%d is not n×N=%d×%d", len(masks), n, N))
	}
	indices := []int32{}
	weights := []float32{}
	for i := range n {
		row := masks[i*N : (i+1)*N]
		count := 0
		for _, v := range row {
			if v != 0 {
				count++
			}
		}
		if count == 0 {
			continue
		}
		w := 1 / float32(count)
		for j, v := range row {
			if v != 0 {
				indices = append(indices, int32(i*N+j))
				weights = append(weights, w)
			}
		}
	}
	return indices, weights
}
