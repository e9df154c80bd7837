package pretrain

import (
	"fmt"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/masking"
	"github.com/gocx/gocx/tensor"
)

// maskChunk is the number of images DINOv2 masks together: one device's
// batch of 64 (spec §4.5), so a large single-process batch is masked as the
// reference's 16 devices would.
const maskChunk = 64

// Masker draws the iBOT masks of a step's global crops (spec §5) from a
// generator seeded by (seed, step), so a resumed run draws the same masks.
type Masker struct {
	gen                      *masking.Generator
	seed                     uint64
	prob, ratioMin, ratioMax float64
	batch                    int
	tokens                   int
}

// NewMasker returns the masker of a config.
func NewMasker(c Config) (*Masker, error) {
	g, err := masking.NewGeneratorForCrop(c.GlobalCropSize, c.SSL.Backbone.PatchSize)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	return &Masker{gen: g, seed: c.Seed, prob: c.MaskProbability, ratioMin: c.MaskRatioMin,
		ratioMax: c.MaskRatioMax, batch: c.BatchSize, tokens: g.H * g.W}, nil
}

// Masks returns the masks of step for B images in the crop-major layout
// (rows [crop1 of images 0..B-1, crop2 of images 0..B-1]), with mask
// indices and weights. Images are masked in chunks of 64: within a chunk
// DINOv2's collate assigns stratified ratios to half of its 128 global
// crops and shuffles them over both crops of its images.
func (m *Masker) Masks(step int) (masks, indices []int32, weights []float32, err error) {
	b, n := m.batch, m.tokens
	masks = make([]int32, 2*b*n)
	rng := tensor.NewRNG(seedFor(m.seed, step, 0, saltMask))
	for lo := 0; lo < b; lo += maskChunk {
		hi := min(lo+maskChunk, b)
		k := hi - lo
		mb, err := m.gen.Collate(rng, 2*k, m.prob, m.ratioMin, m.ratioMax)
		if err != nil {
			return nil, nil, nil, err
		}
		// The chunk's crops are [crop1 of its k images, crop2 of them].
		for c := range 2 {
			for i := range k {
				src := mb.Masks[(c*k+i)*n : (c*k+i+1)*n]
				row := c*b + lo + i
				copy(masks[row*n:(row+1)*n], src)
			}
		}
	}
	indices, weights = masking.IndicesAndWeights(masks, 2*b, n)
	return masks, indices, weights, nil
}

// addMasks fills the batch's masks when the source left them out.
func (m *Masker) addMasks(batch *cxformer.Batch, step int) error {
	if batch.Masks != nil {
		return nil
	}
	var err error
	batch.Masks, batch.MaskIndices, batch.MaskWeights, err = m.Masks(step)
	return err
}
