package pretrain

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/tensor"
)

// Images is the DataSource of pretraining on real (or phantom) images:
// Source's images, each step Batch of them cut into the multi-crop views
// of MultiCrop (DINOv2/CXformer augmentation, spec §6).
//
// Order: an epoch is ⌊N/Batch⌋ steps and visits the images in a
// permutation drawn from (Seed, epoch); the N mod Batch images at the end of
// a permutation wait for a later epoch. The crops of image i in epoch e
// come from data.SampleKey{Seed, e, i}. A step's batch therefore depends on
// the step alone, which is what makes a resumed run exact.
//
// An image that does not decode is replaced by the next image of the
// epoch's permutation that does (wrapping around), so a bad file costs one
// warning to Warn, not the run; the replacement is the same on every run
// over the same files. When 32 images in a row do not decode (a wrong
// image root, say), Next returns the first error.
type Images struct {
	Source    data.ImageSource
	MultiCrop *data.MultiCrop
	Batch     int
	Seed      uint64
	// Equalize applies histogram equalisation to each image before
	// cropping (CXformer's preprocessing, spec §6.1).
	Equalize bool
	// Workers decode and crop images in parallel (default GOMAXPROCS).
	Workers int
	// Warn receives one line per image that could not be decoded (nil:
	// silent).
	Warn io.Writer

	warned  sync.Map // source index → struct{}: warned once
	nWarned atomic.Int64
}

// epochOrder is the permutation of n images that epoch e visits.
func epochOrder(seed uint64, epoch, n int) []int {
	return tensor.NewRNG(seed ^ uint64(epoch+1)*0x9e3779b97f4a7c15).Perm(n)
}

// Next returns step's batch: (2B, 3, G, G) global and (L·B, 3, l, l)
// local crops on the CPU, crop-major (spec §3.1); masks are left to the
// trainer.
func (s *Images) Next(step int) (cxformer.Batch, error) {
	n := 0
	if s.Source != nil {
		n = s.Source.Len()
	}
	switch {
	case s.MultiCrop == nil || s.Source == nil:
		return cxformer.Batch{}, fmt.Errorf("pretrain.Images: no source or no multi-crop")
	case s.Batch < 1 || s.Batch > n:
		return cxformer.Batch{}, fmt.Errorf("pretrain.Images: batch %d from %d images", s.Batch, n)
	case step < 0:
		return cxformer.Batch{}, fmt.Errorf("pretrain.Images: negative step %d", step)
	}
	perEpoch := n / s.Batch
	epoch, k := step/perEpoch, step%perEpoch
	order := epochOrder(s.Seed, epoch, n)
	b := s.Batch
	views := make([]*data.Views, b)
	errs := make([]error, b)
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, b) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				views[i], errs[i] = s.render(order, k*b+i, epoch)
			}
		}()
	}
	for i := range b {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return cxformer.Batch{}, err
		}
	}
	return s.assemble(views), nil
}

// Bounds on unreadable images: a systematic fault (a wrong image root, a
// missing mount) must fail the first step, not scan a whole data set per
// batch slot, and must not bury the terminal in warnings.
const (
	maxBadInARow = 32 // consecutive undecodable images before Next gives up
	maxWarnings  = 20 // warning lines before Warn gets one last note
)

// render cuts the views of the image at position pos of the epoch's order,
// or of the first image after it that decodes.
func (s *Images) render(order []int, pos, epoch int) (*data.Views, error) {
	var first error
	for j := range min(len(order), maxBadInARow) {
		idx := order[(pos+j)%len(order)]
		img, err := s.Source.Image(idx)
		if err == nil && (img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H) {
			err = fmt.Errorf("empty or inconsistent image")
		}
		if err != nil {
			err = fmt.Errorf("pretrain: image %d: %w", idx, err)
			if first == nil {
				first = err
			}
			s.warn(idx, err)
			continue
		}
		if s.Equalize {
			img = data.EqualizeHist(img)
		}
		return s.MultiCrop.Apply(img, data.SampleKey{Seed: s.Seed, Epoch: epoch, Index: idx})
	}
	return nil, fmt.Errorf("pretrain: %d images in a row do not decode (is the image root right?); the first: %w",
		min(len(order), maxBadInARow), first)
}

// warn reports image idx's error once, the first maxWarnings images only.
func (s *Images) warn(idx int, err error) {
	if s.Warn == nil {
		return
	}
	if _, seen := s.warned.LoadOrStore(idx, struct{}{}); seen {
		return
	}
	switch n := s.nWarned.Add(1); {
	case n <= maxWarnings:
		fmt.Fprintf(s.Warn, "warning: %v (replaced by the next image of the epoch)\n", err)
	case n == maxWarnings+1:
		fmt.Fprintf(s.Warn, "warning: more unreadable images; they are replaced without a warning each\n")
	}
}

// assemble lays the views out crop-major: global row c·B + i is crop c of
// image i, local row l·B + i its local crop l.
func (s *Images) assemble(views []*data.Views) cxformer.Batch {
	b := len(views)
	c := s.MultiCrop.Config()
	g := len(views[0].Global[0])
	global := make([]float32, 2*b*g)
	for ci := range 2 {
		for i, v := range views {
			copy(global[(ci*b+i)*g:], v.Global[ci])
		}
	}
	out := cxformer.Batch{Global: tensor.MustFromSlice(tensor.CPU, global, 2*b, 3, c.GlobalSize, c.GlobalSize)}
	if nl := len(views[0].Local); nl > 0 {
		l := len(views[0].Local[0])
		local := make([]float32, nl*b*l)
		for ci := range nl {
			for i, v := range views {
				copy(local[(ci*b+i)*l:], v.Local[ci])
			}
		}
		out.Local = tensor.MustFromSlice(tensor.CPU, local, nl*b, 3, c.LocalSize, c.LocalSize)
	}
	return out
}

// NewImages returns the Images source of a pretraining config over src:
// the CXformer multi-crop (data.CXformerMultiCrop) at the config's crop
// sizes and number of local crops, histogram equalisation on, the config's
// batch and seed.
func NewImages(c Config, src data.ImageSource) (*Images, error) {
	mcc := data.CXformerMultiCrop()
	mcc.GlobalSize, mcc.LocalSize, mcc.NumLocal = c.GlobalCropSize, c.LocalCropSize, c.SSL.NLocal
	mcc.BlurKernel = min(mcc.BlurKernel, 2*(c.LocalCropSize/2)-1)
	mc, err := data.NewMultiCrop(mcc)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	if n := src.Len(); n < c.BatchSize {
		return nil, fmt.Errorf("pretrain: %d images are fewer than one batch of %d", n, c.BatchSize)
	}
	return &Images{Source: src, MultiCrop: mc, Batch: c.BatchSize, Seed: c.Seed, Equalize: true}, nil
}
