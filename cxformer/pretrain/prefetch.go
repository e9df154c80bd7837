package pretrain

import "github.com/gocx/gocx/cxformer"

// Prefetch wraps a DataSource so that the batch of step s+1 is prepared on
// another goroutine while step s trains: cropping and augmentation (about
// 40-70 ms per demo batch on 2 cores, a third of a step) then overlap the
// device's work instead of preceding it. Batches depend only on the step,
// as DataSource requires, so training is bit-for-bit the same with and
// without it.
//
// At most one batch is prepared ahead. A request for another step than the
// one prepared (a resume, a jump) discards it and reads the step directly;
// a prepared batch's error is returned when its step is asked for, as it
// would have been without prefetching. src.Next is never called from two
// goroutines at once. Close waits for the batch in flight and releases it.
type Prefetch struct {
	src     DataSource
	pending chan prefetched // nil: nothing in flight
	step    int             // the step pending prepares
}

type prefetched struct {
	batch cxformer.Batch
	err   error
}

// NewPrefetch returns src with one batch prepared ahead.
func NewPrefetch(src DataSource) *Prefetch { return &Prefetch{src: src} }

// Next returns step's batch (prepared ahead when step follows the last
// one asked for) and starts preparing step+1.
func (p *Prefetch) Next(step int) (cxformer.Batch, error) {
	var r prefetched
	if p.pending != nil && p.step == step {
		r = <-p.pending
		p.pending = nil
	} else {
		p.Close()
		r.batch, r.err = p.src.Next(step)
	}
	if r.err == nil {
		ch := make(chan prefetched, 1)
		p.pending, p.step = ch, step+1
		go func() {
			b, err := p.src.Next(step + 1)
			ch <- prefetched{b, err}
		}()
	}
	return r.batch, r.err
}

// Close waits for the batch being prepared, if any, and releases it.
func (p *Prefetch) Close() {
	if p.pending == nil {
		return
	}
	r := <-p.pending
	p.pending = nil
	if r.err == nil {
		releaseBatch(r.batch)
	}
}
