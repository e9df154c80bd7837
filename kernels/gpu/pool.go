package gpu

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// minClassBytes is the smallest buffer the pool creates: one 256-byte
// alignment unit, so any binding offset the kernels use stays aligned.
const minClassBytes = 256

// sizeClass rounds a byte count up to the pool's size classes: 256 B, then
// four classes per power of two (1, 1.25, 1.5, 1.75 × 2^k), so a buffer
// wastes at most 25% and the number of distinct classes stays small enough
// for reuse to be likely.
func sizeClass(n uint64) uint64 {
	if n <= minClassBytes {
		return minClassBytes
	}
	e := 63 - bits.LeadingZeros64(n-1) // 2^e < n <= 2^(e+1)
	step := uint64(1) << (e - 2)       // quarter of 2^e
	return (n + step - 1) / step * step
}

// Buffer is a pooled device buffer holding Len float32 (or int32/uint32)
// values. It belongs to the Device that allocated it; Release returns it
// to that device's pool. Its contents are undefined until written (new
// Vulkan buffers hold stale data: GPU-FACTS bug 1); Zero clears it.
type Buffer struct {
	dev      *Device
	buf      *devBuf
	n        int
	bytes    uint64 // capacity: the size class
	released bool
	base     *devBuf // a view (see View): the allocation it lives in; nil otherwise
	off      int     // a view: its offset in elements in base
}

// Len is the number of 4-byte elements the buffer was allocated for.
func (b *Buffer) Len() int { return b.n }

// Device returns the device the buffer lives on.
func (b *Buffer) Device() *Device { return b.dev }

// Release returns the buffer to its device's pool. Work already queued on
// it stays valid: queued ops run in order, so a later op that reuses the
// memory runs after them. Releasing twice panics (it would hand one buffer
// to two owners). Releasing a view only marks the view released (see View).
func (b *Buffer) Release() {
	if b == nil {
		return
	}
	if b.released {
		panic("gpu: Buffer released twice")
	}
	d := b.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	if b.base != nil {
		b.released = true
		return
	}
	d.releaseLocked(b)
}

// releaseLocked is Release with the device lock held.
func (d *Device) releaseLocked(b *Buffer) {
	b.released = true
	if d.closed {
		return
	}
	d.pool.put(b.buf, b.bytes)
	d.counters.Live--
	d.counters.BytesLive -= int64(b.bytes)
}

// Stats are the device's counters. A steady-state loop (the same sequence
// of ops repeated) must leave Allocations, StagingAllocations,
// BindGroupsCreated and PipelinesCreated unchanged.
type Stats struct {
	Allocations        int64 // device buffers created for the pool
	Reuses             int64 // Alloc calls served from the pool
	Live               int64 // buffers handed out and not released
	BytesLive          int64 // capacity bytes of the live buffers
	BytesIdle          int64 // capacity bytes waiting in the pool
	StagingAllocations int64 // upload/readback staging buffers created
	PipelinesCreated   int64
	BindGroupsCreated  int64
	ParamSlots         int64 // distinct parameter blocks interned since the last arena reset
	Dispatches         int64
	Submits            int64
	Waits              int64
}

// Stats returns a snapshot of the counters.
func (d *Device) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.counters
	s.BytesIdle = int64(d.pool.idleBytes)
	s.ParamSlots = int64(d.x.paramSlots())
	return s
}

// MaxLen is the largest element count Alloc accepts: a buffer must fit in
// one storage binding and in one buffer.
func (d *Device) MaxLen() int {
	m := d.limits.MaxBufferSize
	if d.limits.MaxStorageBufferBindingSize < m {
		m = d.limits.MaxStorageBufferBindingSize
	}
	return int(m / 4)
}

// Alloc returns a buffer of n 4-byte elements from the pool, creating one
// when no idle buffer of its size class exists. A size beyond the device
// limits, or a failed device allocation, is an error.
func (d *Device) Alloc(n int) (*Buffer, error) {
	if n < 0 {
		return nil, fmt.Errorf("gpu: Alloc(%d): negative length", n)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.allocLocked(n)
}

// allocLocked is Alloc with the device lock held (for launchers that need
// scratch space).
func (d *Device) allocLocked(n int) (*Buffer, error) {
	if d.closed {
		return nil, ErrClosed
	}
	if n > d.MaxLen() {
		return nil, fmt.Errorf("gpu: Alloc(%d): %d bytes exceed the device limit of %d bytes per buffer (%s)",
			n, uint64(n)*4, uint64(d.MaxLen())*4, d.info.Name)
	}
	class := sizeClass(uint64(n) * 4)
	if lim := uint64(d.MaxLen()) * 4 &^ (minClassBytes - 1); class > lim {
		class = uint64(n) * 4
		class = (class + 15) &^ 15
	}
	buf := d.pool.get(class)
	if buf != nil {
		d.counters.Reuses++
	} else {
		var err error
		buf, err = d.x.newBuffer(class)
		if err != nil && d.pool.idleBytes > 0 {
			// Out of memory with idle buffers around: free them and retry.
			d.flushLocked(true)
			d.trimLocked()
			buf, err = d.x.newBuffer(class)
		}
		if err != nil {
			return nil, fmt.Errorf("gpu: Alloc(%d): creating a %d-byte buffer: %w", n, class, err)
		}
		d.counters.Allocations++
		buf.serial = uint64(d.counters.Allocations)
	}
	d.counters.Live++
	d.counters.BytesLive += int64(class)
	return &Buffer{dev: d, buf: buf, n: n, bytes: class}, nil
}

// Trim destroys every idle pooled buffer (and the bind groups that name
// them), after waiting for queued work. Use it after a phase that needed
// more memory than the next one will.
func (d *Device) Trim() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	err := d.flushLocked(true)
	d.trimLocked()
	return err
}

func (d *Device) trimLocked() {
	d.x.forgetBuffers()
	d.pool.releaseAll(d.x)
}

// bufferPool keeps idle buffers by size class.
type bufferPool struct {
	free      map[uint64][]*devBuf
	idleBytes uint64
}

// get hands out the idle buffer of the class that was created first.
//
// Why not the last one released: a LIFO list makes the buffer an Alloc
// gets depend on the order of earlier releases, and a training step that
// keeps a tensor into the next step (the pending center update) permutes
// that order from step to step. Every step then binds its intermediates
// to other buffers and creates new bind groups forever. Taking the oldest
// idle buffer makes the choice depend only on which buffers are idle, which
// is the same at the same point of every identical step, so a steady loop
// reuses its bind groups. The lists are kept sorted by serial; they hold
// tens of buffers, so the insertion in put is cheap.
func (p *bufferPool) get(class uint64) *devBuf {
	l := p.free[class]
	if len(l) == 0 {
		return nil
	}
	b := l[0]
	p.free[class] = l[1:]
	p.idleBytes -= class
	return b
}

func (p *bufferPool) put(b *devBuf, class uint64) {
	if p.free == nil {
		p.free = map[uint64][]*devBuf{}
	}
	l := p.free[class]
	i, _ := slices.BinarySearchFunc(l, b.serial, func(x *devBuf, s uint64) int { return cmp.Compare(x.serial, s) })
	p.free[class] = slices.Insert(l, i, b)
	p.idleBytes += class
}

// releaseAll destroys every idle buffer through x.
func (p *bufferPool) releaseAll(x executor) {
	for c, l := range p.free {
		for _, b := range l {
			x.freeBuffer(b)
		}
		delete(p.free, c)
	}
	p.idleBytes = 0
}
