package demo

import (
	"sync"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/phantom"
	"github.com/gocx/gocx/cxformer/pretrain"
)

// PhantomSource feeds pretraining with multi-crop views of unlabelled
// phantom radiographs: a pool of Pool images of side Size (generated on
// first use), histogram-equalised as in spec §6.1, served by
// pretrain.Images (per-epoch shuffled order, the DINOv2/CXformer
// multi-crop, deterministic in seed, step and image).
type PhantomSource struct {
	Pool, Size, Batch int
	Seed              uint64
	MultiCrop         *data.MultiCrop

	once   sync.Once
	images *pretrain.Images
	err    error
}

func (s *PhantomSource) load() {
	samples, err := phantom.Dataset(s.Seed, s.Pool, s.Size, phantom.DefaultConfig())
	if err != nil {
		s.err = err
		return
	}
	pool := make(data.InMemory, len(samples))
	for i, smp := range samples {
		pool[i] = &data.Gray{W: smp.Size, H: smp.Size, Pix: smp.Image}
		if !noEqualize {
			pool[i] = data.EqualizeHist(pool[i])
		}
	}
	s.images = &pretrain.Images{Source: pool, MultiCrop: s.MultiCrop, Batch: s.Batch, Seed: s.Seed}
}

// Next returns step's batch in the crop-major layout of spec §3.1 (masks
// are left to the trainer).
func (s *PhantomSource) Next(step int) (cxformer.Batch, error) {
	s.once.Do(s.load)
	if s.err != nil {
		return cxformer.Batch{}, s.err
	}
	return s.images.Next(step)
}

var noEqualize bool
