package pretrain

import (
	"math"
	"testing"
)

func TestRandomCropsAreDeterministicPerStep(t *testing.T) {
	c := smallConfig()
	src := NewRandomCrops(c)
	a, err := src.Next(5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := src.Next(5)
	other, _ := src.Next(6)
	if !sameBits(a.Global.Data(), b.Global.Data()) || !sameBits(a.Local.Data(), b.Local.Data()) {
		t.Error("the same step gave different crops")
	}
	if sameBits(a.Global.Data(), other.Global.Data()) {
		t.Error("two steps gave the same crops")
	}
	g, l := a.Global.Shape(), a.Local.Shape()
	if g[0] != 2*c.BatchSize || g[1] != 3 || g[2] != c.GlobalCropSize || l[0] != c.SSL.NLocal*c.BatchSize || l[3] != c.LocalCropSize {
		t.Errorf("shapes %v %v", g, l)
	}
	// Finite, roughly normalised, and not constant.
	var sum, sq float64
	data := a.Global.Data()
	for _, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite pixel")
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	mean := sum / float64(len(data))
	std := math.Sqrt(sq/float64(len(data)) - mean*mean)
	if math.Abs(mean) > 2 || std < 0.2 || std > 5 {
		t.Errorf("pixel mean %.3g, std %.3g: not roughly normalised", mean, std)
	}
}

// Two global crops of one image are more alike than crops of two images:
// the source has the cross-view structure SSL learns from.
func TestRandomCropsShareStructure(t *testing.T) {
	c := smallConfig()
	c.BatchSize = 16
	b, err := NewRandomCrops(c).Next(0)
	if err != nil {
		t.Fatal(err)
	}
	n := 3 * c.GlobalCropSize * c.GlobalCropSize
	data := b.Global.Data()
	mean := func(i int) float64 {
		var s float64
		for _, v := range data[i*n : (i+1)*n] {
			s += float64(v)
		}
		return s / float64(n)
	}
	var same, diff float64
	for i := range c.BatchSize {
		j := (i + 1) % c.BatchSize
		same += math.Abs(mean(i) - mean(c.BatchSize+i))
		diff += math.Abs(mean(i) - mean(c.BatchSize+j))
	}
	if !(same < diff) {
		t.Errorf("mean brightness gap: same image %.3g, different images %.3g", same, diff)
	}
}

// Masks follow DINOv2's collate per chunk of 64 images: half the global
// crops of each chunk are masked, the layout is crop-major, and a step's
// masks do not depend on what ran before.
func TestMasksPerChunk(t *testing.T) {
	c := smallConfig()
	c.BatchSize = 70       // chunks of 64 and 6 images
	c.GlobalCropSize = 224 // 16×16 patches: every masked crop gets at least one block
	m, err := NewMasker(c)
	if err != nil {
		t.Fatal(err)
	}
	masks, idx, w, err := m.Masks(3)
	if err != nil {
		t.Fatal(err)
	}
	n := m.tokens
	masked := func(rows []int) int {
		k := 0
		for _, r := range rows {
			for _, v := range masks[r*n : (r+1)*n] {
				if v != 0 {
					k++
					break
				}
			}
		}
		return k
	}
	var chunk1, chunk2 []int
	for c2 := range 2 {
		for i := range 70 {
			if i < 64 {
				chunk1 = append(chunk1, c2*70+i)
			} else {
				chunk2 = append(chunk2, c2*70+i)
			}
		}
	}
	if got := masked(chunk1); got != 64 {
		t.Errorf("chunk 1: %d masked crops, want 64", got)
	}
	if got := masked(chunk2); got != 6 {
		t.Errorf("chunk 2: %d masked crops, want 6", got)
	}
	if len(idx) != len(w) || len(idx) == 0 {
		t.Errorf("%d indices, %d weights", len(idx), len(w))
	}
	again, _, _, _ := m.Masks(3)
	for i := range masks {
		if masks[i] != again[i] {
			t.Fatal("masks of a step are not reproducible")
		}
	}
}
