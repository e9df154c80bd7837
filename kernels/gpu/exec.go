package gpu

import "fmt"

// Ops are recorded by the executor and submitted in batches: without
// waiting when maxQueued dispatches have been recorded, and with a wait by
// Sync and every read-back. Both executors order recorded work in program
// order (WebGPU: the Vulkan HAL's barrier after each dispatch; OpenGL: a
// glMemoryBarrier after each dispatch).

// flushLocked submits everything recorded so far; with wait it also blocks
// until the device is idle.
func (d *Device) flushLocked(wait bool) error {
	if d.closed {
		return ErrClosed
	}
	d.queued = 0
	return d.x.flush(wait)
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
func (d *Device) dispatch(k *kernel, p *params, bufs []*devBuf, x, y, z int) error {
	if d.closed {
		return ErrClosed
	}
	if x == 0 || y == 0 || z == 0 {
		return nil
	}
	if len(bufs) != k.nStorage {
		panic(fmt.Sprintf("gpu: kernel %s takes %d buffers, got %d", k.name, k.nStorage, len(bufs)))
	}
	maxG := int(d.limits.MaxComputeWorkgroupsPerDimension)
	if x > maxG || y > maxG || z > maxG {
		// Launchers fold long grids into two dimensions; reaching this is a
		// launcher bug, not a user error.
		panic(fmt.Sprintf("gpu: %s: grid %d×%d×%d exceeds %d workgroups per dimension", k.name, x, y, z, maxG))
	}
	if err := d.x.dispatch(k, p, bufs, x, y, z); err != nil {
		return err
	}
	d.counters.Dispatches++
	d.queued++
	if d.queued >= d.maxQueued {
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
