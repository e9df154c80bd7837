package eval

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/gocx/gocx/cxformer/data"
)

// Source yields preprocessed images: CHW float32 tensors of 3·Size·Size
// values, ImageNet-normalised, the input of the backbone.
type Source interface {
	Len() int
	Size() int
	// Load writes image i, as seen in the given training epoch, into dst
	// (len 3·Size·Size). Evaluation sources ignore epoch; augmenting
	// sources draw from (seed, epoch, i) only. Load must be safe for
	// concurrent calls.
	Load(i, epoch int, dst []float32) error
}

// SegSource yields segmentation pairs: an image as in Source and its
// class map (Size·Size values, row-major, 0 = background).
type SegSource interface {
	Len() int
	Size() int
	// LoadPair writes image i into img (3·Size·Size) and its class map into
	// mask (Size·Size). It must be safe for concurrent calls.
	LoadPair(i int, img []float32, mask []uint8) error
}

// Pixels is an in-memory set of preprocessed images, optionally with class
// maps; it implements Source and SegSource.
type Pixels struct {
	Side  int
	Data  []float32 // N·3·Side·Side
	Masks []uint8   // N·Side·Side, or nil without masks
}

// NewPixels checks the lengths and returns the set.
func NewPixels(side int, images []float32, masks []uint8) (*Pixels, error) {
	per := 3 * side * side
	if side <= 0 || len(images)%per != 0 {
		return nil, fmt.Errorf("eval.NewPixels: %d values are not a whole number of 3×%d×%d images", len(images), side, side)
	}
	if masks != nil && len(masks) != len(images)/3 {
		return nil, fmt.Errorf("eval.NewPixels: %d mask values for %d images of %d×%d", len(masks), len(images)/per, side, side)
	}
	return &Pixels{Side: side, Data: images, Masks: masks}, nil
}

// Len returns the number of images.
func (p *Pixels) Len() int { return len(p.Data) / (3 * p.Side * p.Side) }

// Size returns the image side.
func (p *Pixels) Size() int { return p.Side }

// Load copies image i.
func (p *Pixels) Load(i, _ int, dst []float32) error {
	per := 3 * p.Side * p.Side
	if i < 0 || i >= p.Len() || len(dst) != per {
		return fmt.Errorf("eval.Pixels.Load: image %d of %d into %d values (want %d)", i, p.Len(), len(dst), per)
	}
	copy(dst, p.Data[i*per:(i+1)*per])
	return nil
}

// LoadPair copies image i and its mask.
func (p *Pixels) LoadPair(i int, img []float32, mask []uint8) error {
	if p.Masks == nil {
		return errors.New("eval.Pixels.LoadPair: the set has no masks")
	}
	if err := p.Load(i, 0, img); err != nil {
		return err
	}
	n := p.Side * p.Side
	if len(mask) != n {
		return fmt.Errorf("eval.Pixels.LoadPair: mask buffer of %d values, want %d", len(mask), n)
	}
	copy(mask, p.Masks[i*n:(i+1)*n])
	return nil
}

// Subset is the images of a Source (or SegSource) listed in Index, in
// that order; it passes epochs and the parent's own indices through, so an
// augmenting parent draws the same augmentation for an image in any subset.
type Subset struct {
	Parent any // a Source, a SegSource or both
	Index  []int
}

// Len returns len(Index).
func (s *Subset) Len() int { return len(s.Index) }

// Size returns the parent's image side.
func (s *Subset) Size() int {
	switch p := s.Parent.(type) {
	case Source:
		return p.Size()
	case SegSource:
		return p.Size()
	}
	return 0
}

// Load loads the parent's image Index[i].
func (s *Subset) Load(i, epoch int, dst []float32) error {
	p, ok := s.Parent.(Source)
	if !ok {
		return fmt.Errorf("eval.Subset: parent %T is not a Source", s.Parent)
	}
	return p.Load(s.Index[i], epoch, dst)
}

// LoadPair loads the parent's pair Index[i].
func (s *Subset) LoadPair(i int, img []float32, mask []uint8) error {
	p, ok := s.Parent.(SegSource)
	if !ok {
		return fmt.Errorf("eval.Subset: parent %T is not a SegSource", s.Parent)
	}
	return p.LoadPair(s.Index[i], img, mask)
}

// Decoded preprocesses the 8-bit images of a data.ImageSource the way
// CXformer's downstream scripts do (spec §9.3, §9.4): optional histogram
// equalisation, then either the evaluation transform (shorter side resized
// to Size with Pillow's bicubic, centre crop, ImageNet normalisation) or,
// when Aug is set, the training augmentation drawn from (Seed, epoch, i).
// With MaskOf set it is also a SegSource (images through data.SegmentEval,
// masks resized with nearest neighbours).
type Decoded struct {
	Images   data.ImageSource
	Side     int
	Equalize bool
	Aug      *data.ClassifyAug
	Seed     uint64
	// MaskOf returns the class map of image i at the image's own size.
	MaskOf func(i int) (*data.LabelMap, error)
}

// Len returns the number of images.
func (d *Decoded) Len() int { return d.Images.Len() }

// Size returns the preprocessed side.
func (d *Decoded) Size() int { return d.Side }

func (d *Decoded) gray(i int) (*data.Gray, error) {
	g, err := d.Images.Image(i)
	if err != nil {
		return nil, err
	}
	if d.Equalize {
		g = data.EqualizeHist(g)
	}
	return g, nil
}

// Load decodes and preprocesses image i.
func (d *Decoded) Load(i, epoch int, dst []float32) error {
	if len(dst) != 3*d.Side*d.Side {
		return fmt.Errorf("eval.Decoded.Load: buffer of %d values, want 3·%d·%d", len(dst), d.Side, d.Side)
	}
	g, err := d.gray(i)
	if err != nil {
		return err
	}
	if d.Aug != nil {
		aug := *d.Aug
		aug.Size = d.Side
		px, err := aug.Apply(g, data.SampleKey{Seed: d.Seed, Epoch: epoch, Index: i})
		if err != nil {
			return err
		}
		copy(dst, px)
		return nil
	}
	if d.MaskOf != nil { // the geometry of the masks
		sg, _, err := data.SegmentEval(g, nil, d.Side)
		if err != nil {
			return err
		}
		data.NormalizeInto(sg, dst)
		return nil
	}
	copy(dst, data.ClassifyEval(g, d.Side))
	return nil
}

// LoadPair decodes image i and its mask.
func (d *Decoded) LoadPair(i int, img []float32, mask []uint8) error {
	if d.MaskOf == nil {
		return errors.New("eval.Decoded.LoadPair: no MaskOf")
	}
	if len(img) != 3*d.Side*d.Side || len(mask) != d.Side*d.Side {
		return fmt.Errorf("eval.Decoded.LoadPair: buffers of %d and %d values for side %d", len(img), len(mask), d.Side)
	}
	g, err := d.gray(i)
	if err != nil {
		return err
	}
	m, err := d.MaskOf(i)
	if err != nil {
		return err
	}
	sg, sm, err := data.SegmentEval(g, m, d.Side)
	if err != nil {
		return err
	}
	data.NormalizeInto(sg, img)
	copy(mask, sm.Pix)
	return nil
}

// loadImages fills dst (len(idx)·3·S·S) with the images idx of src on all
// cores; the result does not depend on scheduling.
func loadImages(src Source, idx []int, epoch int, dst []float32) error {
	per := 3 * src.Size() * src.Size()
	return parallel(len(idx), func(k int) error {
		return src.Load(idx[k], epoch, dst[k*per:(k+1)*per])
	})
}

// loadPairs is loadImages for segmentation pairs.
func loadPairs(src SegSource, idx []int, img []float32, mask []uint8) error {
	s := src.Size()
	per, mper := 3*s*s, s*s
	return parallel(len(idx), func(k int) error {
		return src.LoadPair(idx[k], img[k*per:(k+1)*per], mask[k*mper:(k+1)*mper])
	})
}

// parallel runs f(0..n-1) on GOMAXPROCS goroutines and returns the error
// of the lowest failing index.
func parallel(n int, f func(k int) error) error {
	errs := make([]error, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= n {
					return
				}
				errs[k] = f(k)
			}
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return fmt.Errorf("image %d of the batch: %w", k, err)
		}
	}
	return nil
}

// prefetched is one batch loaded ahead of its use.
type prefetched struct {
	idx  []int
	pix  []float32
	mask []uint8
	err  error
}

// prefetch loads the batches of idx lists one ahead of the consumer (so
// decoding overlaps the device work). Stop the producer with the returned
// function when leaving early.
func prefetch(src Source, seg SegSource, batches [][]int, epoch int) (<-chan prefetched, func()) {
	out := make(chan prefetched, 1)
	done := make(chan struct{})
	go func() {
		defer close(out)
		for _, idx := range batches {
			var p prefetched
			p.idx = idx
			if seg != nil {
				s := seg.Size()
				p.pix = make([]float32, len(idx)*3*s*s)
				p.mask = make([]uint8, len(idx)*s*s)
				p.err = loadPairs(seg, idx, p.pix, p.mask)
			} else {
				s := src.Size()
				p.pix = make([]float32, len(idx)*3*s*s)
				p.err = loadImages(src, idx, epoch, p.pix)
			}
			select {
			case out <- p:
			case <-done:
				return
			}
			if p.err != nil {
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(done)
			for range out { // let the producer finish its current batch
			}
		})
	}
}

// chunks splits order into consecutive batches of at most size.
func chunks(order []int, size int) [][]int {
	var out [][]int
	for lo := 0; lo < len(order); lo += size {
		out = append(out, order[lo:min(lo+size, len(order))])
	}
	return out
}

// iota returns 0..n-1.
func iota(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
