package masking

import (
	"errors"
	"fmt"
	"math"

	"github.com/gocx/gocx/tensor"
)

// DINOv2's MaskingGenerator constants.
const (
	// MinPatches is the smallest block area drawn (min_num_patches).
	MinPatches = 4
	// MinAspect is the smallest block aspect ratio h/w; the largest is
	// 1/MinAspect.
	MinAspect = 0.3
	// blockTries is the number of attempts to place one block.
	blockTries = 10
)

// Generator draws block-wise masks on an H×W patch grid (see the package
// documentation). Its fields are fixed by the constructors.
type Generator struct {
	H, W       int
	MaxPatches float64 // the largest area one block may add (max_num_patches)

	logAspectMin, logAspectMax float64
}

// NewGenerator returns a generator for an h×w grid whose blocks add at most
// maxPatches patches each. It returns an error for an empty grid or a
// maxPatches that is not positive.
func NewGenerator(h, w int, maxPatches float64) (*Generator, error) {
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("masking.NewGenerator: grid %d×%d must be at least 1×1", h, w)
	}
	if !(maxPatches > 0) || math.IsInf(maxPatches, 0) {
		return nil, fmt.Errorf("masking.NewGenerator: max patches per block %g must be positive and finite", maxPatches)
	}
	return &Generator{
		H: h, W: w, MaxPatches: maxPatches,
		logAspectMin: math.Log(MinAspect),
		logAspectMax: math.Log(1 / MinAspect),
	}, nil
}

// NewGeneratorForCrop is DINOv2's generator for square global crops of
// cropSize pixels and patchSize-pixel patches: the grid is
// cropSize/patchSize (integer division) on each side and MaxPatches is
// MaxNumPatches(cropSize, patchSize).
func NewGeneratorForCrop(cropSize, patchSize int) (*Generator, error) {
	if cropSize <= 0 || patchSize <= 0 || cropSize < patchSize {
		return nil, fmt.Errorf("masking.NewGeneratorForCrop: crop size %d and patch size %d must be positive with crop ≥ patch", cropSize, patchSize)
	}
	g := cropSize / patchSize
	return NewGenerator(g, g, MaxNumPatches(cropSize, patchSize))
}

// MaxNumPatches is DINOv2's max_num_patches = 0.5 * S // P * S // P for
// crop size S and patch size P, evaluated as Python does: left to right in
// floating point with floor division, ((0.5·S)//P · S)//P. It is 666 for
// 518/14 (not N/2 = 684.5) and 98 for 224/16.
func MaxNumPatches(cropSize, patchSize int) float64 {
	s, p := float64(cropSize), float64(patchSize)
	return pyFloorDiv(pyFloorDiv(0.5*s, p)*s, p)
}

// pyFloorDiv is Python's float a // b for b > 0: (a − fmod(a, b))/b,
// rounded to the nearest integer-valued float, so it is exact where
// floor(a/b) could round up.
func pyFloorDiv(a, b float64) float64 {
	mod := math.Mod(a, b)
	if mod != 0 && (mod < 0) != (b < 0) {
		mod += b
	}
	div := (a - mod) / b
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl++
	}
	return fl
}

// Generate returns a fresh H×W mask (row-major, 0/1) with at most numMask
// patches set, and how many are set.
func (g *Generator) Generate(rng *tensor.RNG, numMask int) ([]int32, int) {
	mask := make([]int32, g.H*g.W)
	return mask, g.generateInto(mask, rng, numMask)
}

// generateInto fills a cleared mask and returns the number of set patches.
func (g *Generator) generateInto(mask []int32, rng *tensor.RNG, numMask int) int {
	count := 0
	for count < numMask {
		budget := math.Min(float64(numMask-count), g.MaxPatches)
		delta := g.tryBlock(mask, rng, budget)
		if delta == 0 {
			break
		}
		count += delta
	}
	return count
}

// tryBlock makes up to blockTries attempts to add one rectangle that sets
// between 1 and budget new patches, and returns how many it set.
func (g *Generator) tryBlock(mask []int32, rng *tensor.RNG, budget float64) int {
	for range blockTries {
		area := uniform(rng, MinPatches, budget)
		aspect := math.Exp(uniform(rng, g.logAspectMin, g.logAspectMax))
		h, w := blockShape(area, aspect)
		if h >= g.H || w >= g.W {
			continue
		}
		top := rng.IntN(g.H - h + 1)
		left := rng.IntN(g.W - w + 1)
		already := 0
		for i := top; i < top+h; i++ {
			for _, v := range mask[i*g.W+left : i*g.W+left+w] {
				already += int(v)
			}
		}
		if fresh := h*w - already; fresh > 0 && float64(fresh) <= budget {
			for i := top; i < top+h; i++ {
				row := mask[i*g.W+left : i*g.W+left+w]
				for j := range row {
					row[j] = 1
				}
			}
			return fresh
		}
	}
	return 0
}

// blockShape is the rectangle of a drawn area and aspect ratio:
// h = round(√(area·aspect)), w = round(√(area/aspect)) with Python's
// round, half to even (√6.25 = 2.5 gives 2).
func blockShape(area, aspect float64) (h, w int) {
	return int(math.RoundToEven(math.Sqrt(area * aspect))), int(math.RoundToEven(math.Sqrt(area / aspect)))
}

// uniform is Python's random.uniform(a, b) = a + (b−a)·u, u ~ U[0, 1),
// which also serves a > b. The conversion keeps the product rounded on its
// own (no fused multiply-add), as in Python.
func uniform(rng *tensor.RNG, a, b float64) float64 {
	return a + float64((b-a)*rng.Float64())
}

var errNilRNG = errors.New("nil *tensor.RNG")
