package gpu

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/gogpu/wgpu"
)

// Data moves between host and device through host-visible staging buffers
// that are reused, and between staging and device buffers by a copy kernel
// recorded in the open compute pass. A kernel rather than
// CopyBufferToBuffer/ClearBuffer, because the library records no barrier
// between a transfer command and a later dispatch inside one command
// buffer: a copy followed by a dispatch that reads its destination could
// race on a real GPU. Dispatches are ordered by the barrier the Vulkan HAL
// puts after each one, and the end of a pass makes compute writes visible to
// the host.

// stagingBuf is a staging buffer of one size class.
type stagingBuf struct {
	buf   *wgpu.Buffer
	class uint64
}

type stagingPools struct {
	up   map[uint64][]*wgpu.Buffer // MapWrite buffers, mapped and idle
	down map[uint64][]*wgpu.Buffer // MapRead buffers, unmapped and idle
}

const (
	uploadUsage   = wgpu.BufferUsageMapWrite | wgpu.BufferUsageStorage
	readbackUsage = wgpu.BufferUsageMapRead | wgpu.BufferUsageStorage
)

// takeUpload returns a mapped upload staging buffer of class bytes.
func (s *stagingPools) takeUpload(d *Device, class uint64) (*wgpu.Buffer, error) {
	if l := s.up[class]; len(l) > 0 {
		b := l[len(l)-1]
		s.up[class] = l[:len(l)-1]
		return b, nil
	}
	b, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-upload", Size: class, Usage: uploadUsage, MappedAtCreation: true})
	if err != nil {
		return nil, fmt.Errorf("gpu: creating a %d-byte upload staging buffer: %w", class, err)
	}
	d.counters.StagingAllocations++
	return b, nil
}

// recycleUploads maps the staging buffers of finished uploads again and
// returns them to the pool. Called only after a wait, so mapping does not
// block.
func (s *stagingPools) recycleUploads(d *Device, used []stagingBuf) error {
	var first error
	for _, u := range used {
		if err := d.mapNow(u.buf, wgpu.MapModeWrite, u.class); err != nil {
			u.buf.Release()
			if first == nil {
				first = fmt.Errorf("gpu: mapping an upload staging buffer: %w", err)
			}
			continue
		}
		if s.up == nil {
			s.up = map[uint64][]*wgpu.Buffer{}
		}
		s.up[u.class] = append(s.up[u.class], u.buf)
	}
	return first
}

func (s *stagingPools) takeReadback(d *Device, class uint64) (*wgpu.Buffer, error) {
	if l := s.down[class]; len(l) > 0 {
		b := l[len(l)-1]
		s.down[class] = l[:len(l)-1]
		return b, nil
	}
	b, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-readback", Size: class, Usage: readbackUsage})
	if err != nil {
		return nil, fmt.Errorf("gpu: creating a %d-byte readback staging buffer: %w", class, err)
	}
	d.counters.StagingAllocations++
	return b, nil
}

func (s *stagingPools) putReadback(b *wgpu.Buffer, class uint64) {
	if s.down == nil {
		s.down = map[uint64][]*wgpu.Buffer{}
	}
	s.down[class] = append(s.down[class], b)
}

func (s *stagingPools) releaseAll() {
	for c, l := range s.up {
		for _, b := range l {
			b.Release()
		}
		delete(s.up, c)
	}
	for c, l := range s.down {
		for _, b := range l {
			b.Release()
		}
		delete(s.down, c)
	}
}

// mapNow maps b[0:size] after the work that uses it has finished. It polls
// the device itself rather than calling Buffer.Map, which waits for the
// device on a goroutine of its own; that wait could overlap a later submit
// from this goroutine, and Vulkan queues must not be used from two threads
// at once.
func (d *Device) mapNow(b *wgpu.Buffer, mode wgpu.MapMode, size uint64) error {
	pend, err := b.MapAsync(mode, 0, size)
	if err != nil {
		return err
	}
	defer pend.Release()
	for _, poll := range []wgpu.PollType{wgpu.PollPoll, wgpu.PollWait} {
		if done, err := pend.Status(); done {
			return err
		}
		d.dev.Poll(poll)
	}
	if done, err := pend.Status(); done {
		return err
	}
	return errors.New("mapping did not complete after the device went idle")
}

// word is any 4-byte element type the transfers move bit for bit.
type word interface{ ~float32 | ~int32 | ~uint32 }

func wordBytes[T word](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*4)
}

// Upload writes src into dst[0:len(src)]. The write is queued like any op:
// it happens after the ops queued before it and before those queued after.
// src may be reused as soon as Upload returns. len(src) > dst.Len() panics.
func (d *Device) Upload(dst *Buffer, src []float32) error { return upload(d, "Upload", dst, src) }

// UploadInt32 is Upload for index buffers.
func (d *Device) UploadInt32(dst *Buffer, src []int32) error {
	return upload(d, "UploadInt32", dst, src)
}

// UploadUint32 is Upload for unsigned index or bit-pattern buffers.
func (d *Device) UploadUint32(dst *Buffer, src []uint32) error {
	return upload(d, "UploadUint32", dst, src)
}

func upload[T word](d *Device, op string, dst *Buffer, src []T) error {
	d.checkBuffer(op, "dst", dst)
	if len(src) > dst.n {
		panic(fmt.Sprintf("gpu.%s: len(src)=%d > dst.Len()=%d", op, len(src), dst.n))
	}
	if len(src) == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	nb := uint64(len(src)) * 4
	class := sizeClass(nb)
	st, err := d.staging.takeUpload(d, class)
	if err != nil {
		return err
	}
	rng, err := st.MappedRange(0, nb)
	if err != nil {
		st.Release()
		return fmt.Errorf("gpu.%s: staging buffer not mapped: %w", op, err)
	}
	copy(rng.BytesMut(), wordBytes(src))
	rng.Release()
	if err := st.Unmap(); err != nil {
		st.Release()
		return fmt.Errorf("gpu.%s: unmapping the staging buffer: %w", op, err)
	}
	d.rec.uploads = append(d.rec.uploads, stagingBuf{st, class})
	return d.copyWords(dst.buf, 0, st, 0, len(src))
}

// Download reads src[0:len(dst)] into dst. It submits every queued op and
// waits for them, so it returns the values the program order implies, and
// the first device error of the queued work. len(dst) > src.Len() panics.
func (d *Device) Download(dst []float32, src *Buffer) error { return download(d, "Download", dst, src) }

// DownloadInt32 is Download for index buffers.
func (d *Device) DownloadInt32(dst []int32, src *Buffer) error {
	return download(d, "DownloadInt32", dst, src)
}

// DownloadUint32 is Download for unsigned buffers.
func (d *Device) DownloadUint32(dst []uint32, src *Buffer) error {
	return download(d, "DownloadUint32", dst, src)
}

func download[T word](d *Device, op string, dst []T, src *Buffer) error {
	d.checkBuffer(op, "src", src)
	if len(dst) > src.n {
		panic(fmt.Sprintf("gpu.%s: len(dst)=%d > src.Len()=%d", op, len(dst), src.n))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if len(dst) == 0 {
		return d.flushLocked(true)
	}
	nb := uint64(len(dst)) * 4
	class := sizeClass(nb)
	rb, err := d.staging.takeReadback(d, class)
	if err != nil {
		return err
	}
	if err := d.copyWords(rb, 0, src.buf, 0, len(dst)); err != nil {
		d.staging.putReadback(rb, class)
		return err
	}
	if err := d.flushLocked(true); err != nil {
		d.staging.putReadback(rb, class)
		return err
	}
	if err := d.mapNow(rb, wgpu.MapModeRead, class); err != nil {
		rb.Release()
		return fmt.Errorf("gpu.%s: mapping the readback buffer: %w", op, err)
	}
	rng, err := rb.MappedRange(0, nb)
	if err != nil {
		_ = rb.Unmap()
		rb.Release()
		return fmt.Errorf("gpu.%s: readback range: %w", op, err)
	}
	copy(wordBytes(dst), rng.Bytes())
	rng.Release()
	if err := rb.Unmap(); err != nil {
		rb.Release()
		return fmt.Errorf("gpu.%s: unmapping the readback buffer: %w", op, err)
	}
	d.staging.putReadback(rb, class)
	return nil
}

// checkBuffer panics unless b is a live buffer of d.
func (d *Device) checkBuffer(op, what string, b *Buffer) {
	switch {
	case b == nil:
		panic(fmt.Sprintf("gpu.%s: %s is nil", op, what))
	case b.released:
		panic(fmt.Sprintf("gpu.%s: %s was released", op, what))
	case b.dev != d:
		panic(fmt.Sprintf("gpu.%s: %s belongs to another device", op, what))
	}
}

// copyKey and fillKey identify the copy and fill kernel variants.
type copyKey struct{ vec4 bool }
type fillKey struct{ vec4 bool }

func elemType(vec4 bool) string {
	if vec4 {
		return "vec4<u32>"
	}
	return "u32"
}

// copyWords records dst[dstOff:dstOff+n] = src[srcOff:srcOff+n] in 4-byte
// words, using 16-byte elements when everything is a multiple of 4.
func (d *Device) copyWords(dst *wgpu.Buffer, dstOff int, src *wgpu.Buffer, srcOff, n int) error {
	vec4 := n%4 == 0 && dstOff%4 == 0 && srcOff%4 == 0
	k, err := d.kernel(copyKey{vec4}, func() kernelSpec {
		return kernelSpec{file: "copy.wgsl", data: map[string]string{"T": elemType(vec4)}, bind: []access{readOnly, readWrite}}
	})
	if err != nil {
		return err
	}
	if vec4 {
		n, srcOff, dstOff = n/4, srcOff/4, dstOff/4
	}
	var p params
	p.int(n).int(srcOff).int(dstOff)
	x, y := d.grid2D((n + 255) / 256)
	return d.dispatch(k, &p, []*wgpu.Buffer{src, dst}, x, y, 1)
}

// Copy queues dst[dstOff:dstOff+n] = src[srcOff:srcOff+n]. dst and src must
// be different buffers; out-of-range spans panic.
func (d *Device) Copy(dst *Buffer, dstOff int, src *Buffer, srcOff, n int) error {
	d.checkBuffer("Copy", "dst", dst)
	d.checkBuffer("Copy", "src", src)
	if n < 0 || dstOff < 0 || srcOff < 0 || dstOff+n > dst.n || srcOff+n > src.n {
		panic(fmt.Sprintf("gpu.Copy: span out of range: dst[%d:%d] of %d, src[%d:%d] of %d", dstOff, dstOff+n, dst.n, srcOff, srcOff+n, src.n))
	}
	if dst.buf == src.buf {
		panic("gpu.Copy: dst and src are the same buffer")
	}
	if n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.copyWords(dst.buf, dstOff, src.buf, srcOff, n)
}

// Zero queues b[0:b.Len()] = 0. Buffers from Alloc are not zeroed.
func (d *Device) Zero(b *Buffer) error { return d.Fill(b, 0) }

// Fill queues b[0:b.Len()] = v.
func (d *Device) Fill(b *Buffer, v float32) error {
	d.checkBuffer("Fill", "b", b)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fillWords(b.buf, 0, b.n, math.Float32bits(v))
}

func (d *Device) fillWords(dst *wgpu.Buffer, off, n int, bits uint32) error {
	if n == 0 {
		return nil
	}
	vec4 := n%4 == 0 && off%4 == 0
	k, err := d.kernel(fillKey{vec4}, func() kernelSpec {
		return kernelSpec{file: "fill.wgsl", data: map[string]string{"T": elemType(vec4)}, bind: []access{readWrite}}
	})
	if err != nil {
		return err
	}
	if vec4 {
		n, off = n/4, off/4
	}
	var p params
	p.int(n).int(off).u32(bits)
	x, y := d.grid2D((n + 255) / 256)
	return d.dispatch(k, &p, []*wgpu.Buffer{dst}, x, y, 1)
}

// CopyTransfer copies src[0:n] to dst[0:n] with CopyBufferToBuffer (the
// transfer path, not a kernel) and waits for it. The library records no
// barrier between a transfer and a later dispatch in one command buffer,
// so the copy is submitted on its own, after the queued ops, and waited
// for. It exists to measure copy bandwidth and for one-off moves; Copy is
// the queued, kernel-based copy.
func (d *Device) CopyTransfer(dst, src *Buffer, n int) error {
	d.checkBuffer("CopyTransfer", "dst", dst)
	d.checkBuffer("CopyTransfer", "src", src)
	if n < 0 || n > dst.n || n > src.n {
		panic(fmt.Sprintf("gpu.CopyTransfer: n=%d out of range (dst %d, src %d)", n, dst.n, src.n))
	}
	if dst.buf == src.buf {
		panic("gpu.CopyTransfer: dst and src are the same buffer")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.flushLocked(false); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	enc, err := d.dev.CreateCommandEncoder(&wgpu.CommandEncoderDescriptor{Label: "gocx-transfer"})
	if err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	enc.CopyBufferToBuffer(src.buf, 0, dst.buf, 0, uint64(n)*4)
	cb, err := enc.Finish()
	if err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	if _, err := d.queue.Submit(cb); err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	d.counters.Submits++
	return d.flushLocked(true)
}
