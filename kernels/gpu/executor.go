package gpu

import "github.com/gogpu/wgpu"

// executor is the device API underneath a Device: WebGPU (wgpuExec, the
// default) or OpenGL 4.3 (glExec, built with the gl build tag). Everything
// above it (the buffer pool, the kernel cache, the launchers, the public
// API with its checks and locking) is shared, so every operator runs on
// either API unchanged: launchers render a WGSL template and hand it to
// compile, allocate buffers through the pool, and record dispatches.
//
// Every method is called with the device lock held.
type executor interface {
	// compile builds a kernel from rendered WGSL whose entry point is
	// main, with len(bind) storage buffers at bindings 0.. and a uniform
	// parameter block at binding len(bind).
	compile(name, wgsl string, bind []access) (program, error)

	// newBuffer creates a storage buffer of the given size in bytes;
	// freeBuffer destroys one (only when no queued work uses it: the
	// pool frees buffers after a wait).
	newBuffer(bytes uint64) (*devBuf, error)
	freeBuffer(b *devBuf)

	// dispatch records one dispatch of k over bufs (in binding order)
	// with parameter block p on an x×y×z grid. Dispatches, uploads and
	// copies take effect in the order they are recorded.
	dispatch(k *kernel, p *params, bufs []*devBuf, x, y, z int) error

	// upload records dst[0:len(src)] = src; src may be reused on return.
	upload(dst *devBuf, src []byte) error

	// download submits everything recorded, waits, and reads
	// src[0:len(dst)] into dst.
	download(dst []byte, src *devBuf) error

	// copyTransfer copies src[0:n] to dst[0:n] bytes with the API's own
	// copy command (not a kernel) and waits for it.
	copyTransfer(dst, src *devBuf, n uint64) error

	// flush submits everything recorded; with wait it also blocks until
	// the device is idle.
	flush(wait bool) error

	// forgetBuffers drops cached objects that name pooled buffers and
	// the idle staging buffers, before the pool destroys its idle buffers.
	forgetBuffers()

	// paramSlots is the number of parameter blocks held for reuse.
	paramSlots() int

	// close releases the executor's objects and the device itself, after
	// the caller has released every kernel and buffer.
	close()
}

// program is an executor's compiled kernel.
type program interface{ release() }

// devBuf is one device allocation as the executor in use represents it.
// The pool hands out the same *devBuf for the same allocation, so the
// pointer identifies a buffer in caches (the WebGPU bind groups).
//
// A view (Buffer.View) is a devBuf of its own naming its parent's
// allocation with a byte offset: executors bind it as the range
// [off, off+bytes) and add off in their transfers. Views are never pooled
// or freed.
type devBuf struct {
	wg    *wgpu.Buffer // WebGPU executor
	gl    uint32       // OpenGL executor: the buffer object's name
	bytes uint64       // size (a view: the size of its binding)
	off   uint64       // a view: byte offset of its binding; 0 otherwise
	view  bool
	// serial orders pooled buffers by creation (see bufferPool.get).
	serial uint64
}
