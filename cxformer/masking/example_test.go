package masking_test

import (
	"fmt"

	"github.com/gocx/gocx/cxformer/masking"
	"github.com/gocx/gocx/tensor"
)

// The iBOT masks of a batch of 8 global crops of 518-pixel images with
// 14-pixel patches (37×37 tokens): half the crops are masked, with ratios
// stratified between 10% and 50%.
func Example() {
	gen, err := masking.NewGeneratorForCrop(518, 14)
	if err != nil {
		panic(err)
	}
	rng := tensor.NewRNG(42)
	b, err := gen.Collate(rng, 8, masking.MaskProbability, masking.RatioMin, masking.RatioMax)
	if err != nil {
		panic(err)
	}
	masked := 0
	var weightSum float32
	for _, w := range b.Weights {
		weightSum += w
	}
	for i := range b.Crops {
		if b.Targets[i] > 0 {
			masked++
		}
	}
	fmt.Printf("%d crops × %d tokens, max %g patches per block\n", b.Crops, b.Tokens, gen.MaxPatches)
	// The bound is ⌊1369·0.2⌋ + ⌊1369·0.3⌋ + ⌊1369·0.4⌋ + ⌊1369·0.5⌋ = 273+410+547+684.
	fmt.Printf("masked crops %d, weights sum to %.0f, at most %d patches, n_masked ≤ bound: %v\n",
		masked, weightSum, b.Upperbound, b.NMasked <= b.Upperbound)

	// The indices and weights derive from the masks alone.
	idx, w := masking.IndicesAndWeights([]int32{0, 1, 1, 0, 0, 0, 1, 0, 0}, 3, 3)
	fmt.Println(idx, w)
	// Output:
	// 8 crops × 1369 tokens, max 666 patches per block
	// masked crops 4, weights sum to 4, at most 1914 patches, n_masked ≤ bound: true
	// [1 2 6] [0.5 0.5 1]
}
