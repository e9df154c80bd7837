package gpu

import (
	"fmt"
	"math"
	"unsafe"
)

// Upload, Download, Copy, Zero and Fill are ops like any other: queued in
// program order. Copy, Zero and Fill are kernels (copy.wgsl, fill.wgsl) on
// every executor; Upload and Download go through the executor (staging
// buffers and the copy kernel on WebGPU, glBufferSubData and
// glGetBufferSubData on OpenGL).

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
	return d.x.upload(dst.buf, wordBytes(src))
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
	return d.x.download(wordBytes(dst), src.buf)
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

// fillKey identifies a fill kernel variant.
type fillKey struct{ vec4 bool }

func elemType(vec4 bool) string {
	if vec4 {
		return "vec4<u32>"
	}
	return "u32"
}

// copyShape is the stream shape of Copy and of the internal copies
// (uploads, downloads, contiguous permutes): one element per invocation,
// the shape the first device run measured. CopyShaped takes any shape.
var copyShape = StreamShape{PerInvocation: 1}

// copyWords records dst[dstOff:dstOff+n] = src[srcOff:srcOff+n] in 4-byte
// words through copy.wgsl shaped by s, using 16-byte elements when n and
// both offsets are multiples of 4.
func (d *Device) copyWords(dst *devBuf, dstOff int, src *devBuf, srcOff, n int, s StreamShape) error {
	vec4 := n%4 == 0 && dstOff%4 == 0 && srcOff%4 == 0
	v := newStreamVariant("copy.wgsl", "", elemType(vec4), s)
	k, err := d.kernel(v, func() kernelSpec {
		return kernelSpec{file: "copy.wgsl", data: v, bind: []access{readOnly, readWrite}}
	})
	if err != nil {
		return err
	}
	if vec4 {
		n, srcOff, dstOff = n/4, srcOff/4, dstOff/4
	}
	var p params
	p.int(n).int(srcOff).int(dstOff)
	return d.streamDispatch(k, v, s, &p, []*devBuf{src, dst}, n)
}

// Copy queues dst[dstOff:dstOff+n] = src[srcOff:srcOff+n]. dst and src must
// be different buffers (or views that do not overlap); out-of-range spans
// panic.
func (d *Device) Copy(dst *Buffer, dstOff int, src *Buffer, srcOff, n int) error {
	return d.copySpan("Copy", dst, dstOff, src, srcOff, n, copyShape)
}

// copySpan checks and queues the copy of Copy or CopyShaped (op) shaped by
// s.
func (d *Device) copySpan(op string, dst *Buffer, dstOff int, src *Buffer, srcOff, n int, s StreamShape) error {
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	if n < 0 || dstOff < 0 || srcOff < 0 || dstOff+n > dst.n || srcOff+n > src.n {
		panic(fmt.Sprintf("gpu.%s: span out of range: dst[%d:%d] of %d, src[%d:%d] of %d", op, dstOff, dstOff+n, dst.n, srcOff, srcOff+n, src.n))
	}
	if dst.overlaps(src) {
		panic("gpu." + op + ": dst and src are the same buffer or overlapping views")
	}
	s.check("gpu." + op)
	if n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.copyWords(dst.buf, dstOff, src.buf, srcOff, n, s)
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

func (d *Device) fillWords(dst *devBuf, off, n int, bits uint32) error {
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
	return d.dispatch(k, &p, []*devBuf{dst}, x, y, 1)
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
	if dst.overlaps(src) {
		panic("gpu.CopyTransfer: dst and src are the same buffer or overlapping views")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.flushLocked(false); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return d.x.copyTransfer(dst.buf, src.buf, uint64(n)*4)
}
