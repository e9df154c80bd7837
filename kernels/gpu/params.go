package gpu

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/gogpu/wgpu"
)

// maxParamWords is the largest parameter block, in 4-byte words.
const maxParamWords = 32

// params is one dispatch's uniform parameter block: 4-byte scalars in the
// order of the kernel's WGSL `Params` struct (u32, i32 and f32 fields only,
// so the uniform layout is the plain packed order).
type params struct {
	w [maxParamWords]uint32
	n int
}

func (p *params) u32(v uint32) *params {
	p.w[p.n] = v
	p.n++
	return p
}

// int appends a size or offset; they are < 2³² by the buffer limits.
func (p *params) int(v int) *params { return p.u32(uint32(v)) }

func (p *params) f32(v float64) *params { return p.u32(math.Float32bits(float32(v))) }

func (p *params) bool(v bool) *params {
	if v {
		return p.u32(1)
	}
	return p.u32(0)
}

// paramArena interns parameter blocks into 256-byte slots of one uniform
// buffer. WebGPU has no push constants here, and the Vulkan HAL implements
// no dynamic offsets, so each distinct block gets its own slot and the bind
// group for (kernel, buffers, slot) is cached. A training loop repeats the
// same shapes, so in steady state every block is already interned and no
// bytes move; new blocks reach the device with the next submit through one
// Queue.WriteBuffer (which the library orders, with a barrier, before the
// submitted commands). When the arena fills up, the device waits, forgets
// every block and starts again (bind groups stay valid: they name slots,
// not contents).
type paramArena struct {
	buf       *wgpu.Buffer
	slotBytes uint64
	nSlots    int
	host      []byte
	slots     map[params]int
	dirtyLo   int // slots [dirtyLo, dirtyHi) changed since the last upload
	dirtyHi   int
}

const paramSlots = 4096

func (a *paramArena) init(e *wgpuExec) error {
	a.slotBytes = 256
	if al := uint64(e.d.limits.MinUniformBufferOffsetAlignment); al > a.slotBytes {
		a.slotBytes = al
	}
	a.nSlots = paramSlots
	size := a.slotBytes * uint64(a.nSlots)
	buf, err := e.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-params", Size: size,
		Usage: wgpu.BufferUsageUniform | wgpu.BufferUsageCopyDst})
	if err != nil {
		return fmt.Errorf("gpu: creating the parameter arena: %w", err)
	}
	a.buf = buf
	a.host = make([]byte, size)
	a.slots = make(map[params]int, 256)
	return nil
}

// intern returns the slot holding p, assigning one if p is new.
func (a *paramArena) intern(e *wgpuExec, p *params) (int, error) {
	if s, ok := a.slots[*p]; ok {
		return s, nil
	}
	if len(a.slots) == a.nSlots {
		// Every slot may be read by queued work: wait for it, then reuse.
		if err := e.d.flushLocked(true); err != nil {
			return 0, err
		}
		clear(a.slots)
	}
	s := len(a.slots)
	a.slots[*p] = s
	off := uint64(s) * a.slotBytes
	copy(a.host[off:off+uint64(p.n*4)], unsafe.Slice((*byte)(unsafe.Pointer(&p.w[0])), p.n*4))
	if a.dirtyHi == a.dirtyLo {
		a.dirtyLo, a.dirtyHi = s, s+1
	} else {
		a.dirtyLo, a.dirtyHi = min(a.dirtyLo, s), max(a.dirtyHi, s+1)
	}
	return s, nil
}

// upload queues the changed slots for the next submit.
func (a *paramArena) upload(e *wgpuExec) error {
	if a.dirtyHi == a.dirtyLo {
		return nil
	}
	lo, hi := uint64(a.dirtyLo)*a.slotBytes, uint64(a.dirtyHi)*a.slotBytes
	a.dirtyLo, a.dirtyHi = 0, 0
	if err := e.queue.WriteBuffer(a.buf, lo, a.host[lo:hi]); err != nil {
		return fmt.Errorf("gpu: writing kernel parameters: %w", err)
	}
	return nil
}

func (a *paramArena) release() {
	if a.buf != nil {
		a.buf.Release()
		a.buf = nil
	}
}
