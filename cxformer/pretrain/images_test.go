package pretrain

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gocx/gocx/cxformer/data"
)

// countingImages is an ImageSource of small gray ramps that records which
// images were decoded and fails on the indices in bad.
type countingImages struct {
	n   int
	bad map[int]bool

	mu    sync.Mutex
	calls []int
}

func (c *countingImages) Len() int { return c.n }

func (c *countingImages) Image(i int) (*data.Gray, error) {
	c.mu.Lock()
	c.calls = append(c.calls, i)
	c.mu.Unlock()
	if c.bad[i] {
		return nil, errors.New("corrupt file")
	}
	g := data.NewGray(40, 36)
	for p := range g.Pix {
		g.Pix[p] = uint8(p*7 + i*31)
	}
	return g, nil
}

// taken returns the decoded indices since the last call, sorted.
func (c *countingImages) taken() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.calls)
	c.calls = c.calls[:0]
	slices.Sort(out)
	return out
}

func testImages(t *testing.T, src data.ImageSource, batch int) *Images {
	t.Helper()
	c := data.DINOv2MultiCrop()
	c.GlobalSize, c.LocalSize, c.NumLocal, c.BlurKernel = 28, 14, 2, 5
	mc, err := data.NewMultiCrop(c)
	if err != nil {
		t.Fatal(err)
	}
	return &Images{Source: src, MultiCrop: mc, Batch: batch, Seed: 9, Equalize: true, Workers: 3}
}

// Each epoch (⌊11/3⌋ = 3 steps) takes 9 distinct images, a new order each
// epoch, and a step's batch is the same whenever it is asked for.
func TestImagesEpochsAndDeterminism(t *testing.T) {
	src := &countingImages{n: 11}
	s := testImages(t, src, 3)
	var epochs [][]int
	batches := map[int][]float32{}
	for step := range 6 {
		b, err := s.Next(step)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Global.Shape(); !slices.Equal(got, []int{6, 3, 28, 28}) {
			t.Fatalf("global crops %v", got)
		}
		if got := b.Local.Shape(); !slices.Equal(got, []int{6, 3, 14, 14}) {
			t.Fatalf("local crops %v", got)
		}
		batches[step] = b.Global.Data()
		if step%3 == 0 {
			epochs = append(epochs, nil)
		}
		epochs[len(epochs)-1] = append(epochs[len(epochs)-1], src.taken()...)
	}
	for e, idx := range epochs {
		slices.Sort(idx)
		if len(slices.Compact(slices.Clone(idx))) != 9 || len(idx) != 9 {
			t.Errorf("epoch %d decoded %v, want 9 distinct images", e, idx)
		}
	}
	if slices.Equal(epochs[0], epochs[1]) && slices.Equal(epochOrder(9, 0, 11), epochOrder(9, 1, 11)) {
		t.Error("both epochs visit the images in one order")
	}
	again := testImages(t, &countingImages{n: 11}, 3)
	for _, step := range []int{4, 1} {
		b, err := again.Next(step)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.Global.Data(), batches[step]) {
			t.Errorf("step %d differs when asked again, out of order", step)
		}
	}
}

// An undecodable image is replaced by the next one of the epoch's order,
// warned about once however often it comes up; when none decodes, Next
// fails and says why.
func TestImagesSkipUnreadable(t *testing.T) {
	src := &countingImages{n: 5, bad: map[int]bool{2: true}}
	s := testImages(t, src, 5) // every step takes all images: 2 comes up each time
	var warn bytes.Buffer
	s.Warn = &warn
	for step := range 3 {
		if _, err := s.Next(step); err != nil {
			t.Fatal(err)
		}
		if got := src.taken(); len(got) != 6 || !slices.Contains(got, 2) {
			t.Errorf("step %d decoded %v: want the 5 images and one retry", step, got)
		}
	}
	if n := strings.Count(warn.String(), "\n"); n != 1 || !strings.Contains(warn.String(), "image 2: corrupt file") {
		t.Errorf("warnings %q, want one about image 2", warn.String())
	}
	all := &countingImages{n: 3, bad: map[int]bool{0: true, 1: true, 2: true}}
	if _, err := testImages(t, all, 2).Next(0); err == nil || !strings.Contains(err.Error(), "3 images in a row do not decode") {
		t.Errorf("all images bad: err %v", err)
	}
	// A wrong image root: every file fails. The first step fails after
	// 32 tries per batch slot, not a scan of the data set, and the
	// warnings stop at 20 and a note.
	bad := map[int]bool{}
	for i := range 10000 {
		bad[i] = true
	}
	missing := &countingImages{n: 10000, bad: bad}
	s = testImages(t, missing, 4)
	warn.Reset()
	s.Warn = &warn
	if _, err := s.Next(0); err == nil || !strings.Contains(err.Error(), "32 images in a row do not decode (is the image root right?)") {
		t.Errorf("missing files: err %v", err)
	}
	if n := len(missing.taken()); n > 4*32 {
		t.Errorf("%d decode attempts for a batch of 4, want at most 128", n)
	}
	if n := strings.Count(warn.String(), "\n"); n != 21 || !strings.Contains(warn.String(), "without a warning each") {
		t.Errorf("%d warning lines, want 20 and a note:\n%s", n, warn.String())
	}
}

func TestImagesBadSettings(t *testing.T) {
	src := &countingImages{n: 4}
	for _, c := range []struct {
		name string
		s    *Images
		step int
	}{
		{"batch above the images", testImages(t, src, 5), 0},
		{"zero batch", testImages(t, src, 0), 0},
		{"negative step", testImages(t, src, 2), -1},
		{"no source", &Images{Batch: 1}, 0},
	} {
		if _, err := c.s.Next(c.step); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	cfg := Tiny()
	cfg.BatchSize = 8
	if _, err := NewImages(cfg, src); err == nil || !strings.Contains(err.Error(), "fewer than one batch") {
		t.Errorf("NewImages with 4 images for a batch of 8: %v", err)
	}
}
