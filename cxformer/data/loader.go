package data

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log"
	"runtime"
	"sync"
	"sync/atomic"
)

// ImageSource is anything the Loader can take images from: a Dataset (decoding files), an
// in-memory set, a synthetic generator. Image must be safe for concurrent calls.
type ImageSource interface {
	Len() int
	Image(i int) (*Gray, error)
}

// InMemory is an ImageSource of images already decoded.
type InMemory []*Gray

// Len returns the number of images.
func (m InMemory) Len() int { return len(m) }

// Image returns image i (shared, not copied: callers must not modify it).
func (m InMemory) Image(i int) (*Gray, error) { return m[i], nil }

// LoaderConfig configures a Loader.
type LoaderConfig struct {
	BatchSize int    // images per batch (B)
	Workers   int    // decode+augment goroutines (default GOMAXPROCS)
	Prefetch  int    // batches prepared ahead of the consumer (default 2)
	Shuffle   bool   // visit images in a per-epoch random order
	Seed      uint64 // seeds the order and every augmentation
	// Equalize applies EqualizeHist to every decoded image before cropping (CXformer's
	// preprocessing, spec §6.1).
	Equalize bool
	DropLast bool // drop the final incomplete batch of an epoch
	// Strict turns an unreadable image into an error that ends the epoch. Otherwise the
	// image is skipped, counted (Loader.Skipped) and reported to Warn.
	Strict bool
	// Warn receives each skipped image's error (default: log.Printf). It is called from
	// the goroutine ranging over Epoch.
	Warn func(err error)
}

// Batch is one multi-crop batch in the crop-major layout of spec §3.1.
type Batch struct {
	Epoch   int
	Indices []int // source index of each image, in batch order (len B)
	B       int
	// GlobalSize, LocalSize and NumLocal give the tensor shapes below.
	GlobalSize, LocalSize, NumLocal int
	// Global is (2B, 3, S, S): row c·B + b is global crop c of image b.
	Global []float32
	// Local is (NumLocal·B, 3, s, s): row l·B + b is local crop l of image b.
	Local []float32
}

// Loader decodes and augments images on all cores and emits multi-crop batches. The
// batches of an epoch, their order and their contents depend only on the source, the
// configuration, the seed and the epoch, never on goroutine timing.
type Loader struct {
	src     ImageSource
	mc      *MultiCrop
	cfg     LoaderConfig
	skipped atomic.Int64
	batches sync.Pool // *Batch of full size, for reuse via Release
	views   sync.Pool // *imageViews, per-image render buffers reused across epochs
}

// NewLoader checks the configuration and returns a loader.
func NewLoader(src ImageSource, mc *MultiCrop, cfg LoaderConfig) (*Loader, error) {
	if src == nil || mc == nil {
		return nil, errors.New("data: NewLoader needs a source and a MultiCrop")
	}
	if cfg.BatchSize <= 0 {
		return nil, fmt.Errorf("data: LoaderConfig.BatchSize = %d, want > 0", cfg.BatchSize)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 2
	}
	if cfg.Warn == nil {
		cfg.Warn = func(err error) { log.Printf("data: skipping image: %v", err) }
	}
	return &Loader{src: src, mc: mc, cfg: cfg}, nil
}

// Skipped returns how many unreadable images have been skipped so far (all epochs).
func (l *Loader) Skipped() int64 { return l.skipped.Load() }

// Order returns the order in which the epoch visits source indices: 0..N-1, or a
// permutation drawn from (seed, epoch) when shuffling.
func (l *Loader) Order(epoch int) []int {
	n := l.src.Len()
	if !l.cfg.Shuffle {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		return order
	}
	return SampleKey{Seed: l.cfg.Seed, Epoch: epoch, Index: -1}.rng(-1).Perm(n)
}

// Release hands a batch's buffers back for reuse by later batches. The batch must not be
// used afterwards. Calling it is optional.
func (l *Loader) Release(b *Batch) {
	if b != nil && b.B == l.cfg.BatchSize {
		l.batches.Put(b)
	}
}

func (l *Loader) newBatch(epoch, bsz int) *Batch {
	c := l.mc.Config()
	if bsz == l.cfg.BatchSize {
		if b, ok := l.batches.Get().(*Batch); ok {
			b.Epoch, b.Indices = epoch, b.Indices[:0]
			return b
		}
	}
	return &Batch{
		Epoch: epoch, B: bsz, Indices: make([]int, 0, bsz),
		GlobalSize: c.GlobalSize, LocalSize: c.LocalSize, NumLocal: c.NumLocal,
		Global: make([]float32, 2*bsz*3*c.GlobalSize*c.GlobalSize),
		Local:  make([]float32, c.NumLocal*bsz*3*c.LocalSize*c.LocalSize),
	}
}

// rendered is one worker result: the crops of the image at one epoch position.
type rendered struct {
	pos   int
	index int
	err   error
	views *imageViews
}

// imageViews is a reusable per-image buffer of 8-bit crops; they are normalised straight
// into the batch tensors, so each output float is written once.
type imageViews struct {
	global [2]*Gray
	local  []*Gray
}

// Epoch returns an iterator over the batches of one epoch. Ranging over it starts the
// workers; breaking out of the loop or cancelling ctx stops them. In strict mode the
// first unreadable image yields (nil, err) and ends the epoch; a cancelled context yields
// (nil, ctx.Err()).
func (l *Loader) Epoch(ctx context.Context, epoch int) iter.Seq2[*Batch, error] {
	return func(yield func(*Batch, error) bool) {
		l.run(ctx, epoch, yield)
	}
}

func (l *Loader) run(parent context.Context, epoch int, yield func(*Batch, error) bool) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	order := l.Order(epoch)
	n := len(order)
	if n == 0 {
		return
	}
	B := l.cfg.BatchSize
	window := l.cfg.Prefetch*B + l.cfg.Workers
	cfg := l.mc.Config()
	gLen, lLen := 3*cfg.GlobalSize*cfg.GlobalSize, 3*cfg.LocalSize*cfg.LocalSize

	jobs := make(chan int, window)
	results := make(chan rendered, window) // never blocks: at most `window` positions in flight
	slots := make(chan struct{}, window)
	getViews := func() *imageViews {
		if v, ok := l.views.Get().(*imageViews); ok {
			return v
		}
		v := &imageViews{local: make([]*Gray, cfg.NumLocal)}
		v.global[0], v.global[1] = NewGray(cfg.GlobalSize, cfg.GlobalSize), NewGray(cfg.GlobalSize, cfg.GlobalSize)
		for i := range v.local {
			v.local[i] = NewGray(cfg.LocalSize, cfg.LocalSize)
		}
		return v
	}

	var wg sync.WaitGroup
	defer wg.Wait() // after cancel (deferred later, runs first): no goroutine outlives Epoch
	defer cancel()

	wg.Add(1)
	go func() { // dispatcher: positions in order, at most `window` ahead of the consumer
		defer wg.Done()
		defer close(jobs)
		for p := 0; p < n; p++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- p
		}
	}()
	for range l.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &scratch{}
			for p := range jobs {
				if ctx.Err() != nil {
					continue
				}
				idx := order[p]
				r := rendered{pos: p, index: idx}
				v := getViews()
				r.err = l.render(idx, epoch, v, s)
				if r.err == nil {
					r.views = v
				} else {
					l.views.Put(v)
				}
				results <- r
			}
		}()
	}

	pending := map[int]rendered{}
	var batch *Batch
	next := 0
	var copies sync.WaitGroup
	flush := func() bool {
		copies.Wait()
		b := batch
		batch = nil
		return yield(b, nil)
	}
	for next < n {
		var r rendered
		select {
		case r = <-results:
		case <-ctx.Done():
			copies.Wait()
			yield(nil, ctx.Err())
			return
		}
		pending[r.pos] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if r.err != nil {
				<-slots
				if l.cfg.Strict {
					copies.Wait()
					yield(nil, r.err)
					return
				}
				l.skipped.Add(1)
				l.cfg.Warn(r.err)
				continue
			}
			if batch == nil {
				// The last batch holds at most the images left; shrinkBatch repacks it
				// when skipped images leave it short.
				batch = l.newBatch(epoch, min(B, n-next+1))
			}
			slot := len(batch.Indices)
			batch.Indices = append(batch.Indices, r.index)
			copies.Add(1)
			go func(b *Batch, slot int, v *imageViews) { // normalise into the crop-major layout
				defer copies.Done()
				for c := range 2 {
					NormalizeInto(v.global[c], b.Global[(c*b.B+slot)*gLen:(c*b.B+slot+1)*gLen])
				}
				for li := range v.local {
					NormalizeInto(v.local[li], b.Local[(li*b.B+slot)*lLen:(li*b.B+slot+1)*lLen])
				}
				l.views.Put(v)
				<-slots
			}(batch, slot, r.views)
			if len(batch.Indices) == B {
				if !flush() {
					return
				}
			}
		}
	}
	if batch != nil && len(batch.Indices) > 0 && !l.cfg.DropLast { // an incomplete last batch
		copies.Wait()
		yield(shrinkBatch(batch, gLen, lLen), nil)
	}
}

// shrinkBatch repacks a partially filled batch into a batch of its actual size.
func shrinkBatch(b *Batch, gLen, lLen int) *Batch {
	k := len(b.Indices)
	if k == b.B {
		return b
	}
	out := &Batch{
		Epoch: b.Epoch, B: k, Indices: b.Indices,
		GlobalSize: b.GlobalSize, LocalSize: b.LocalSize, NumLocal: b.NumLocal,
		Global: make([]float32, 2*k*gLen), Local: make([]float32, b.NumLocal*k*lLen),
	}
	for c := range 2 {
		copy(out.Global[c*k*gLen:(c+1)*k*gLen], b.Global[c*b.B*gLen:(c*b.B+k)*gLen])
	}
	for l := range b.NumLocal {
		copy(out.Local[l*k*lLen:(l+1)*k*lLen], b.Local[l*b.B*lLen:(l*b.B+k)*lLen])
	}
	return out
}

// render decodes source image idx and writes its crops into v.
func (l *Loader) render(idx, epoch int, v *imageViews, s *scratch) error {
	img, err := l.src.Image(idx)
	if err != nil {
		return fmt.Errorf("image %d: %w", idx, err)
	}
	if img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H {
		return fmt.Errorf("image %d: empty or inconsistent image", idx)
	}
	if l.cfg.Equalize {
		img = EqualizeHist(img)
	}
	plan := l.mc.Plan(img.W, img.H, SampleKey{Seed: l.cfg.Seed, Epoch: epoch, Index: idx})
	c := l.mc.Config()
	for i, cp := range plan.Global {
		g, err := renderPlanGray(img, cp, c.BlurKernel, c.SolarizeThreshold, s)
		if err != nil {
			return fmt.Errorf("image %d: %w", idx, err)
		}
		copy(v.global[i].Pix, g.Pix)
	}
	for i, cp := range plan.Local {
		g, err := renderPlanGray(img, cp, c.BlurKernel, c.SolarizeThreshold, s)
		if err != nil {
			return fmt.Errorf("image %d: %w", idx, err)
		}
		copy(v.local[i].Pix, g.Pix)
	}
	return nil
}
