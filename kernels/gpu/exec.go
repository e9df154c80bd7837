package gpu

import (
	"fmt"

	"github.com/gogpu/wgpu"
)

// recorder holds the command buffer being recorded. Every op appends a
// dispatch to one open compute pass; the Vulkan HAL puts a global
// compute→compute memory barrier after each dispatch, so ops see each
// other's writes in program order without per-op synchronisation. The pass
// is submitted (without waiting) when maxQueued dispatches have been
// recorded, and submitted and waited for by Sync and every read-back.
type recorder struct {
	enc       *wgpu.CommandEncoder
	pass      *wgpu.ComputePassEncoder
	queued    int
	maxQueued int
	pipeline  *wgpu.ComputePipeline // last pipeline set in the open pass
	// uploads recorded since the last wait: their staging buffers are
	// unmapped and read by queued copies, and are mapped again (for the
	// next upload) only after a wait.
	uploads []stagingBuf
}

// openPass makes sure a command encoder and a compute pass are open.
func (d *Device) openPass() error {
	r := &d.rec
	if r.enc == nil {
		enc, err := d.dev.CreateCommandEncoder(&wgpu.CommandEncoderDescriptor{Label: "gocx"})
		if err != nil {
			return fmt.Errorf("gpu: creating a command encoder: %w", err)
		}
		r.enc = enc
	}
	if r.pass == nil {
		pass, err := r.enc.BeginComputePass(nil)
		if err != nil {
			return fmt.Errorf("gpu: beginning a compute pass: %w", err)
		}
		r.pass = pass
		r.pipeline = nil
	}
	return nil
}

// endPass closes the open compute pass (the encoder stays open), for the
// few commands that cannot live inside a pass.
func (d *Device) endPass() error {
	r := &d.rec
	if r.pass == nil {
		return nil
	}
	err := r.pass.End()
	r.pass = nil
	r.pipeline = nil
	if err != nil {
		return fmt.Errorf("gpu: ending the compute pass: %w", err)
	}
	return nil
}

// flushLocked submits everything recorded so far; with wait it also blocks
// until the device is idle and makes the upload staging buffers reusable.
func (d *Device) flushLocked(wait bool) error {
	if d.closed {
		return ErrClosed
	}
	r := &d.rec
	var err error
	if r.enc != nil {
		err = d.endPass()
		// Parameter blocks interned since the last submit go in with this
		// one; the queue prepends them (with a barrier) to the command buffer.
		if werr := d.params.upload(d); werr != nil && err == nil {
			err = werr
		}
		cb, ferr := r.enc.Finish()
		r.enc = nil
		r.queued = 0
		if ferr != nil {
			if err == nil {
				err = fmt.Errorf("gpu: recording commands: %w", ferr)
			}
		} else if _, serr := d.queue.Submit(cb); serr != nil {
			if err == nil {
				err = fmt.Errorf("gpu: submitting commands: %w", serr)
			}
		} else {
			d.counters.Submits++
		}
	}
	if wait {
		d.dev.Poll(wgpu.PollWait)
		d.counters.Waits++
		if rerr := d.staging.recycleUploads(d, r.uploads); rerr != nil && err == nil {
			err = rerr
		}
		r.uploads = r.uploads[:0]
	}
	return err
}

// Sync submits every queued op and waits for the device to finish them.
// It returns the first device error since the previous Sync.
func (d *Device) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flushLocked(true)
}

// Flush submits every queued op without waiting for it.
func (d *Device) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flushLocked(false)
}

// dispatch records one dispatch of k over the given buffers (in binding
// order) with parameter block p, over a grid of x×y×z workgroups. It is the
// single path every launcher goes through.
func (d *Device) dispatch(k *kernel, p *params, bufs []*wgpu.Buffer, x, y, z int) error {
	if d.closed {
		return ErrClosed
	}
	if x == 0 || y == 0 || z == 0 {
		return nil
	}
	maxG := int(d.limits.MaxComputeWorkgroupsPerDimension)
	if x > maxG || y > maxG || z > maxG {
		// Launchers fold long grids into two dimensions; reaching this is a
		// launcher bug, not a user error.
		panic(fmt.Sprintf("gpu: %s: grid %d×%d×%d exceeds %d workgroups per dimension", k.name, x, y, z, maxG))
	}
	slot, err := d.params.intern(d, p)
	if err != nil {
		return err
	}
	bg, err := d.bindGroup(k, bufs, slot)
	if err != nil {
		return err
	}
	if err := d.openPass(); err != nil {
		return err
	}
	r := &d.rec
	if r.pipeline != k.pipeline {
		r.pass.SetPipeline(k.pipeline)
		r.pipeline = k.pipeline
	}
	r.pass.SetBindGroup(0, bg, nil)
	r.pass.Dispatch(uint32(x), uint32(y), uint32(z))
	d.counters.Dispatches++
	r.queued++
	if r.queued >= r.maxQueued {
		return d.flushLocked(false)
	}
	return nil
}

// grid2D folds n workgroups into an x×y grid with x ≤ the per-dimension
// limit; kernels recover the linear id as wid.x + wid.y·num_workgroups.x
// and skip ids ≥ n.
func (d *Device) grid2D(n int) (x, y int) {
	maxG := int(d.limits.MaxComputeWorkgroupsPerDimension)
	if n <= maxG {
		return n, 1
	}
	y = (n + maxG - 1) / maxG
	x = (n + y - 1) / y
	return x, y
}
