package gpu

import (
	"errors"
	"fmt"
)

// Buffer views let many tensors live in one device allocation (an arena)
// while every kernel still sees each as a buffer of its own: a view is
// bound with an offset and a size (WebGPU: the bind group entry's Offset
// and Size; OpenGL: glBindBufferRange), so kernels, which index from 0,
// run on views unchanged. Uploads, downloads, Copy, Zero and Fill go
// through the same bindings (or, for OpenGL's buffer calls and the
// transfer copy, add the view's offset), so they respect the offset too.
//
// A view's binding starts at an offset that the device must accept for a
// storage binding: a multiple of ViewAlign elements. Its binding size is
// the view's length rounded up to 16 bytes (kernels that read whole vec4s
// stay inside it) but never past the end of the allocation.

// ViewAlign is the alignment, in 4-byte elements, of the offset of a view
// in its allocation (the device's minStorageBufferOffsetAlignment / 4; on
// OpenGL GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT / 4), at least 1.
func (d *Device) ViewAlign() int {
	return max(1, int(d.limits.MinStorageBufferOffsetAlignment)/4)
}

// View returns a Buffer aliasing elements [off, off+n) of b: writes
// through either are seen by the other, in program order. off must be a
// multiple of ViewAlign (counted from the start of b's allocation, so for
// a view of a view the two offsets add up), and [off, off+n) must lie
// within b.Len(); otherwise, or when b was released or its device closed,
// View returns an error.
//
// Every operator accepts views. A view is meant to live long (a tensor of
// an arena): each view is a distinct binding, so a view made once and
// reused keeps the bind group cache hitting, while fresh views each step
// would create bind groups each step.
//
// Release marks only the view released; the memory stays with b, which
// must outlive every view in use: releasing b returns its memory to the
// pool while views of it still name it, and later use of those views
// reads and writes whatever buffer the pool hands that memory to. Keeping
// b alive while its views are used is the caller's job.
func (b *Buffer) View(off, n int) (*Buffer, error) {
	if b == nil {
		return nil, errors.New("gpu: View of a nil buffer")
	}
	d := b.dev
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return nil, ErrClosed
	case b.released:
		return nil, fmt.Errorf("gpu: View(%d, %d) of a released buffer", off, n)
	case off < 0 || n < 0 || off+n > b.n:
		return nil, fmt.Errorf("gpu: View(%d, %d): range [%d,%d) is outside the buffer's %d elements", off, n, off, off+n, b.n)
	}
	abs := b.off + off
	if al := d.ViewAlign(); abs%al != 0 {
		return nil, fmt.Errorf("gpu: View(%d, %d): offset %d in the allocation is not a multiple of the view alignment %d elements (%d bytes)",
			off, n, abs, al, al*4)
	}
	base := b.alloc()
	vb := &devBuf{wg: base.wg, gl: base.gl, view: true, off: uint64(abs) * 4}
	vb.bytes = min((uint64(max(n, 1))*4+15)&^15, base.bytes-vb.off)
	if vb.bytes == 0 {
		// An empty view at the very end: bind the whole allocation
		// instead (no kernel touches an empty buffer's elements).
		vb.off, vb.bytes = 0, base.bytes
	}
	return &Buffer{dev: d, buf: vb, n: n, base: base, off: abs}, nil
}

// IsView reports whether b is a view of another buffer.
func (b *Buffer) IsView() bool { return b.base != nil }

// alloc returns the allocation b lives in: its own, or its parent's for a
// view.
func (b *Buffer) alloc() *devBuf {
	if b.base != nil {
		return b.base
	}
	return b.buf
}

// overlaps reports whether b and o share memory: the same buffer, or two
// ranges of one allocation that intersect.
func (b *Buffer) overlaps(o *Buffer) bool {
	if b.buf == o.buf {
		return true
	}
	return b.alloc() == o.alloc() && b.off < o.off+o.n && o.off < b.off+b.n
}
