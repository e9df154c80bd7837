package demo

import (
	"fmt"
	"sync"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/phantom"
	"github.com/gocx/gocx/tensor"
)

// PhantomSource feeds pretraining with multi-crop views of unlabelled
// phantom radiographs: a pool of Pool images of side Size (generated on
// first use), histogram-equalised as in spec §6.1, each step's images
// taken in a per-epoch shuffled order and augmented with the
// DINOv2/CXformer multi-crop (deterministic in seed, step and image).
type PhantomSource struct {
	Pool, Size, Batch int
	Seed              uint64
	MultiCrop         *data.MultiCrop

	once   sync.Once
	images []*data.Gray
	err    error
}

func (s *PhantomSource) load() {
	samples, err := phantom.Dataset(s.Seed, s.Pool, s.Size, phantom.DefaultConfig())
	if err != nil {
		s.err = err
		return
	}
	s.images = make([]*data.Gray, len(samples))
	for i, smp := range samples {
		s.images[i] = &data.Gray{W: smp.Size, H: smp.Size, Pix: smp.Image}
		if !noEqualize {
			s.images[i] = data.EqualizeHist(s.images[i])
		}
	}
}

// Next returns step's batch in the crop-major layout of spec §3.1 (masks
// are left to the trainer).
func (s *PhantomSource) Next(step int) (cxformer.Batch, error) {
	s.once.Do(s.load)
	if s.err != nil {
		return cxformer.Batch{}, s.err
	}
	if s.Batch < 1 || s.Batch > s.Pool {
		return cxformer.Batch{}, fmt.Errorf("demo: batch %d from a pool of %d images", s.Batch, s.Pool)
	}
	perEpoch := s.Pool / s.Batch
	epoch, k := step/perEpoch, step%perEpoch
	order := tensor.NewRNG(s.Seed ^ uint64(epoch+1)*0x9e3779b97f4a7c15).Perm(s.Pool)
	b := s.Batch
	views := make([]*data.Views, b)
	var wg sync.WaitGroup
	errs := make([]error, b)
	for i := range b {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := order[k*b+i]
			views[i], errs[i] = s.MultiCrop.Apply(s.images[idx], data.SampleKey{Seed: s.Seed, Epoch: epoch, Index: idx})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return cxformer.Batch{}, err
		}
	}
	g := len(views[0].Global[0])
	global := make([]float32, 2*b*g)
	for c := range 2 {
		for i, v := range views {
			copy(global[(c*b+i)*g:], v.Global[c])
		}
	}
	gs := s.MultiCrop.Config().GlobalSize
	out := cxformer.Batch{Global: tensor.MustFromSlice(tensor.CPU, global, 2*b, 3, gs, gs)}
	if nl := len(views[0].Local); nl > 0 {
		l := len(views[0].Local[0])
		local := make([]float32, nl*b*l)
		for c := range nl {
			for i, v := range views {
				copy(local[(c*b+i)*l:], v.Local[c])
			}
		}
		ls := s.MultiCrop.Config().LocalSize
		out.Local = tensor.MustFromSlice(tensor.CPU, local, nl*b, 3, ls, ls)
	}
	return out, nil
}

var noEqualize bool
