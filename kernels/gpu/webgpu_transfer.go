package gpu

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gogpu/wgpu"
)

// On WebGPU, data moves between host and device through host-visible
// staging buffers that are reused, and between staging and device buffers
// by the copy kernel recorded in the open compute pass. A kernel rather
// than CopyBufferToBuffer/ClearBuffer, because the library records no
// barrier between a transfer command and a later dispatch inside one
// command buffer: a copy followed by a dispatch that reads its destination
// could race on a real GPU. Dispatches are ordered by the barrier the
// Vulkan HAL puts after each one, and the end of a pass makes compute
// writes visible to the host.

// stagingBuf is a staging buffer of one size class.
type stagingBuf struct {
	buf   *devBuf
	class uint64
}

type stagingPools struct {
	up   map[uint64][]*devBuf // MapWrite buffers, mapped and idle
	down map[uint64][]*devBuf // MapRead buffers, unmapped and idle
}

const (
	uploadUsage   = wgpu.BufferUsageMapWrite | wgpu.BufferUsageStorage
	readbackUsage = wgpu.BufferUsageMapRead | wgpu.BufferUsageStorage
)

// takeUpload returns a mapped upload staging buffer of class bytes.
func (s *stagingPools) takeUpload(e *wgpuExec, class uint64) (*devBuf, error) {
	if l := s.up[class]; len(l) > 0 {
		b := l[len(l)-1]
		s.up[class] = l[:len(l)-1]
		return b, nil
	}
	b, err := e.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-upload", Size: class, Usage: uploadUsage, MappedAtCreation: true})
	if err != nil {
		return nil, fmt.Errorf("gpu: creating a %d-byte upload staging buffer: %w", class, err)
	}
	e.d.counters.StagingAllocations++
	return &devBuf{wg: b, bytes: class}, nil
}

// recycleUploads maps the staging buffers of finished uploads again and
// returns them to the pool. Called only after a wait, so mapping does not
// block. They go back last first, so that the pool (a stack) hands them out
// in the order they were used: the same sequence of uploads then gets the
// same staging buffers (and cached bind groups) every time.
func (s *stagingPools) recycleUploads(e *wgpuExec, used []stagingBuf) error {
	var first error
	for _, u := range slices.Backward(used) {
		if err := e.mapNow(u.buf.wg, wgpu.MapModeWrite, u.class); err != nil {
			u.buf.wg.Release()
			if first == nil {
				first = fmt.Errorf("gpu: mapping an upload staging buffer: %w", err)
			}
			continue
		}
		if s.up == nil {
			s.up = map[uint64][]*devBuf{}
		}
		s.up[u.class] = append(s.up[u.class], u.buf)
	}
	return first
}

func (s *stagingPools) takeReadback(e *wgpuExec, class uint64) (*devBuf, error) {
	if l := s.down[class]; len(l) > 0 {
		b := l[len(l)-1]
		s.down[class] = l[:len(l)-1]
		return b, nil
	}
	b, err := e.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-readback", Size: class, Usage: readbackUsage})
	if err != nil {
		return nil, fmt.Errorf("gpu: creating a %d-byte readback staging buffer: %w", class, err)
	}
	e.d.counters.StagingAllocations++
	return &devBuf{wg: b, bytes: class}, nil
}

func (s *stagingPools) putReadback(b *devBuf, class uint64) {
	if s.down == nil {
		s.down = map[uint64][]*devBuf{}
	}
	s.down[class] = append(s.down[class], b)
}

func (s *stagingPools) releaseAll() {
	for c, l := range s.up {
		for _, b := range l {
			b.wg.Release()
		}
		delete(s.up, c)
	}
	for c, l := range s.down {
		for _, b := range l {
			b.wg.Release()
		}
		delete(s.down, c)
	}
}

// mapNow maps b[0:size] after the work that uses it has finished. It polls
// the device itself rather than calling Buffer.Map, which waits for the
// device on a goroutine of its own; that wait could overlap a later submit
// from this goroutine, and Vulkan queues must not be used from two threads
// at once.
func (e *wgpuExec) mapNow(b *wgpu.Buffer, mode wgpu.MapMode, size uint64) error {
	pend, err := b.MapAsync(mode, 0, size)
	if err != nil {
		return err
	}
	defer pend.Release()
	for _, poll := range []wgpu.PollType{wgpu.PollPoll, wgpu.PollWait} {
		if done, err := pend.Status(); done {
			return err
		}
		e.dev.Poll(poll)
	}
	if done, err := pend.Status(); done {
		return err
	}
	return errors.New("mapping did not complete after the device went idle")
}

// upload copies src into a mapped staging buffer and records the copy
// kernel from it into dst. The staging buffer is mapped again (for reuse)
// after the next wait.
func (e *wgpuExec) upload(dst *devBuf, src []byte) error {
	nb := uint64(len(src))
	class := sizeClass(nb)
	st, err := e.staging.takeUpload(e, class)
	if err != nil {
		return err
	}
	rng, err := st.wg.MappedRange(0, nb)
	if err != nil {
		st.wg.Release()
		return fmt.Errorf("gpu: upload: staging buffer not mapped: %w", err)
	}
	copy(rng.BytesMut(), src)
	rng.Release()
	if err := st.wg.Unmap(); err != nil {
		st.wg.Release()
		return fmt.Errorf("gpu: upload: unmapping the staging buffer: %w", err)
	}
	e.rec.uploads = append(e.rec.uploads, stagingBuf{st, class})
	return e.d.copyWords(dst, 0, st, 0, len(src)/4, copyShape)
}

// download records the copy kernel from src into a readback staging
// buffer, submits and waits, and maps the staging buffer.
func (e *wgpuExec) download(dst []byte, src *devBuf) error {
	nb := uint64(len(dst))
	class := sizeClass(nb)
	rb, err := e.staging.takeReadback(e, class)
	if err != nil {
		return err
	}
	if err := e.d.copyWords(rb, 0, src, 0, len(dst)/4, copyShape); err != nil {
		e.staging.putReadback(rb, class)
		return err
	}
	if err := e.d.flushLocked(true); err != nil {
		e.staging.putReadback(rb, class)
		return err
	}
	if err := e.mapNow(rb.wg, wgpu.MapModeRead, class); err != nil {
		rb.wg.Release()
		return fmt.Errorf("gpu: download: mapping the readback buffer: %w", err)
	}
	rng, err := rb.wg.MappedRange(0, nb)
	if err != nil {
		_ = rb.wg.Unmap()
		rb.wg.Release()
		return fmt.Errorf("gpu: download: readback range: %w", err)
	}
	copy(dst, rng.Bytes())
	rng.Release()
	if err := rb.wg.Unmap(); err != nil {
		rb.wg.Release()
		return fmt.Errorf("gpu: download: unmapping the readback buffer: %w", err)
	}
	e.staging.putReadback(rb, class)
	return nil
}

// copyTransfer submits a CopyBufferToBuffer on its own (the library
// records no barrier between it and a later dispatch) and waits.
func (e *wgpuExec) copyTransfer(dst, src *devBuf, n uint64) error {
	enc, err := e.dev.CreateCommandEncoder(&wgpu.CommandEncoderDescriptor{Label: "gocx-transfer"})
	if err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	enc.CopyBufferToBuffer(src.wg, src.off, dst.wg, dst.off, n)
	cb, err := enc.Finish()
	if err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	if _, err := e.queue.Submit(cb); err != nil {
		return fmt.Errorf("gpu.CopyTransfer: %w", err)
	}
	e.d.counters.Submits++
	return e.d.flushLocked(true)
}
