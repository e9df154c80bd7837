package masking

import (
	"math"
	"testing"

	"github.com/gocx/gocx/tensor"
)

func TestMaxNumPatches(t *testing.T) {
	for _, c := range []struct {
		s, p int
		want float64
	}{
		{518, 14, 666}, {224, 16, 98}, {224, 14, 128}, {98, 14, 21}, {500, 14, 607},
	} {
		if got := MaxNumPatches(c.s, c.p); got != c.want {
			t.Errorf("MaxNumPatches(%d, %d) = %g, want %g", c.s, c.p, got, c.want)
		}
	}
	g, err := NewGeneratorForCrop(518, 14)
	if err != nil {
		t.Fatal(err)
	}
	if g.H != 37 || g.W != 37 || g.MaxPatches != 666 {
		t.Errorf("generator for 518/14: %d×%d max %g, want 37×37 max 666", g.H, g.W, g.MaxPatches)
	}
}

func TestPyFloorDiv(t *testing.T) {
	for _, c := range []struct{ a, b, want float64 }{
		{259, 14, 18}, {9324, 14, 666}, {7, 7, 1}, {6.999, 7, 0}, {0.5, 0.1, 4}, // 0.5/0.1 = 5 in float64, Python gives 4.0
	} {
		if got := pyFloorDiv(c.a, c.b); got != c.want {
			t.Errorf("%g // %g = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

func count(mask []int32) int {
	n := 0
	for _, v := range mask {
		n += int(v)
	}
	return n
}

// TestGenerateNeverExceedsTarget draws masks of every target on grids of
// awkward sizes and checks the count and the 0/1 values.
func TestGenerateNeverExceedsTarget(t *testing.T) {
	rng := tensor.NewRNG(11)
	for _, grid := range [][2]int{{37, 37}, {7, 7}, {5, 3}, {1, 1}, {2, 13}, {16, 16}} {
		h, w := grid[0], grid[1]
		g, err := NewGenerator(h, w, float64((h/2)*w)+1)
		if err != nil {
			t.Fatal(err)
		}
		reached := 0
		for target := 0; target <= h*w; target += 1 + h*w/40 {
			mask, n := g.Generate(rng, target)
			if len(mask) != h*w || n != count(mask) {
				t.Fatalf("%d×%d target %d: len %d, reported %d, counted %d", h, w, target, len(mask), n, count(mask))
			}
			for _, v := range mask {
				if v != 0 && v != 1 {
					t.Fatalf("%d×%d: mask value %d", h, w, v)
				}
			}
			if n > target {
				t.Errorf("%d×%d: %d patches masked for a target of %d", h, w, n, target)
			}
			if n == target {
				reached++
			}
		}
		if h == 1 && w == 1 && reached != 1 { // only the 0 target: no block fits a 1×1 grid
			t.Errorf("1×1 grid: %d targets reached, want only 0", reached)
		}
	}
}

// TestTryBlockStrictFit places the first block of an empty mask: it is one
// rectangle strictly smaller than the grid on both sides, adding at most the
// budget.
func TestTryBlockStrictFit(t *testing.T) {
	rng := tensor.NewRNG(12)
	g, err := NewGenerator(4, 6, 100)
	if err != nil {
		t.Fatal(err)
	}
	placed := 0
	for range 2000 {
		mask := make([]int32, 24)
		budget := 4 + 20*rng.Float64()
		n := g.tryBlock(mask, rng, budget)
		if n == 0 {
			continue
		}
		placed++
		top, left, bottom, right := 4, 6, -1, -1
		for i := range 4 {
			for j := range 6 {
				if mask[i*6+j] != 0 {
					top, left = min(top, i), min(left, j)
					bottom, right = max(bottom, i), max(right, j)
				}
			}
		}
		bh, bw := bottom-top+1, right-left+1
		if bh*bw != n || count(mask) != n || bh >= 4 || bw >= 6 || float64(n) > budget {
			t.Fatalf("block %d×%d at (%d,%d) set %d (budget %.2f): not one rectangle strictly inside 4×6", bh, bw, top, left, n, budget)
		}
	}
	if placed < 1000 {
		t.Errorf("only %d of 2000 first blocks placed", placed)
	}
}

func TestBlockShapeRoundsHalfToEven(t *testing.T) {
	for _, c := range []struct {
		area, aspect float64
		h, w         int
	}{
		{6.25, 1, 2, 2},      // √6.25 = 2.5 → 2
		{12.25, 1, 4, 4},     // 3.5 → 4
		{4, 0.25, 1, 4},      // √1 = 1, √16 = 4
		{20.25, 1, 4, 4},     // 4.5 → 4
		{30, 1 / 0.3, 10, 3}, // √100 = 10, √9 = 3
	} {
		if h, w := blockShape(c.area, c.aspect); h != c.h || w != c.w {
			t.Errorf("blockShape(%g, %g) = %d×%d, want %d×%d", c.area, c.aspect, h, w, c.h, c.w)
		}
	}
}

func TestUniformAcceptsReversedBounds(t *testing.T) {
	rng := tensor.NewRNG(13)
	for range 1000 {
		v := uniform(rng, 4, 2) // Python's random.uniform(4, 2) lies in (2, 4]
		if v <= 2 || v > 4 {
			t.Fatalf("uniform(4, 2) = %g, want in (2, 4]", v)
		}
	}
}

func TestNewGeneratorErrors(t *testing.T) {
	for _, c := range []struct {
		h, w int
		max  float64
	}{{0, 5, 1}, {5, -1, 1}, {5, 5, 0}, {5, 5, math.NaN()}, {5, 5, math.Inf(1)}} {
		if _, err := NewGenerator(c.h, c.w, c.max); err == nil {
			t.Errorf("NewGenerator(%d, %d, %g) accepted", c.h, c.w, c.max)
		}
	}
	if _, err := NewGeneratorForCrop(10, 14); err == nil {
		t.Error("NewGeneratorForCrop(10, 14) accepted a crop smaller than a patch")
	}
}
