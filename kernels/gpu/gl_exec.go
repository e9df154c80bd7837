//go:build gl

package gpu

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// compile translates the WGSL to GLSL 4.30 (on the caller's goroutine:
// pure Go) and compiles and links it on the GL thread.
func (e *glExec) compile(name, src string, bind []access) (program, error) {
	glsl, err := wgslToGLSL(src, len(bind))
	if err != nil {
		return nil, fmt.Errorf("gpu: kernel %s does not translate to GLSL: %w", name, err)
	}
	var id uint32
	e.t.do(func() { id, err = glLink(glsl) })
	if err != nil {
		return nil, fmt.Errorf("gpu: compiling kernel %s for OpenGL: %w", name, err)
	}
	return &glProgram{e: e, id: id}, nil
}

// glLink compiles a compute shader and links it into a program.
func glLink(src string) (uint32, error) {
	sh := gl.CreateShader(gl.COMPUTE_SHADER)
	defer gl.DeleteShader(sh)
	csrc, free := gl.Strs(src + "\x00")
	gl.ShaderSource(sh, 1, csrc, nil)
	free()
	gl.CompileShader(sh)
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		return 0, fmt.Errorf("GLSL compile error: %s", glLog(sh, gl.GetShaderiv, gl.GetShaderInfoLog))
	}
	prog := gl.CreateProgram()
	gl.AttachShader(prog, sh)
	gl.LinkProgram(prog)
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		err := fmt.Errorf("GLSL link error: %s", glLog(prog, gl.GetProgramiv, gl.GetProgramInfoLog))
		gl.DeleteProgram(prog)
		return 0, err
	}
	return prog, glErr("linking a kernel")
}

func glLog(obj uint32, iv func(uint32, uint32, *int32), logf func(uint32, int32, *int32, *uint8)) string {
	var n int32
	iv(obj, gl.INFO_LOG_LENGTH, &n)
	if n <= 1 {
		return "(no log)"
	}
	buf := make([]byte, n)
	logf(obj, n, nil, &buf[0])
	return strings.TrimSpace(strings.TrimRight(string(buf), "\x00"))
}

func (e *glExec) newBuffer(bytes uint64) (*devBuf, error) {
	var name uint32
	var err error
	e.t.do(func() {
		gl.GenBuffers(1, &name)
		gl.BindBuffer(gl.COPY_WRITE_BUFFER, name)
		gl.BufferData(gl.COPY_WRITE_BUFFER, int(bytes), nil, gl.DYNAMIC_COPY)
		if err = glErr(fmt.Sprintf("creating a %d-byte buffer", bytes)); err != nil {
			gl.DeleteBuffers(1, &name)
		}
	})
	if err != nil {
		return nil, err
	}
	return &devBuf{gl: name, bytes: bytes}, nil
}

func (e *glExec) freeBuffer(b *devBuf) {
	e.t.do(func() { gl.DeleteBuffers(1, &b.gl) })
}

// dispatch records the dispatch and its parameter block.
func (e *glExec) dispatch(k *kernel, p *params, bufs []*devBuf, x, y, z int) error {
	c := glCmd{kind: glDispatch, prog: k.prog.(*glProgram).id, nbuf: len(bufs),
		param: len(e.params), x: uint32(x), y: uint32(y), z: uint32(z)}
	copy(c.bufs[:], bufs)
	e.params = slices.Grow(e.params, e.slotBytes)[:c.param+e.slotBytes]
	clear(e.params[c.param:])
	copy(e.params[c.param:], unsafe.Slice((*byte)(unsafe.Pointer(&p.w[0])), p.n*4))
	e.cmds = append(e.cmds, c)
	return nil
}

// upload records the write with a copy of src.
func (e *glExec) upload(dst *devBuf, src []byte) error {
	lo := len(e.uploads)
	e.uploads = append(e.uploads, src...)
	e.cmds = append(e.cmds, glCmd{kind: glUpload, dst: dst, lo: lo, hi: len(e.uploads)})
	return nil
}

// run executes the recorded batch on the GL thread, then after (if not
// nil), in the same call.
func (e *glExec) run(after func() error) error {
	cmds, params, uploads := e.cmds, e.params, e.uploads
	e.cmds, e.params, e.uploads = e.cmds[:0], e.params[:0], e.uploads[:0]
	var err error
	e.t.do(func() {
		if len(cmds) > 0 {
			err = e.exec(cmds, params, uploads)
			e.d.counters.Submits++
		}
		if after != nil && err == nil {
			err = after()
		}
	})
	// Drop large upload copies rather than keeping them for the next batch.
	if cap(e.uploads) > 64<<20 {
		e.uploads = nil
	}
	return err
}

// exec issues a batch (on the GL thread). The batch's parameter blocks go
// to the device in one glBufferData, which gives the uniform buffer fresh
// storage (the previous batch may still read the old one); each dispatch
// binds its slot. A barrier after each dispatch makes its storage writes
// visible to later dispatches and to buffer reads, writes and copies, so
// the batch runs in program order.
func (e *glExec) exec(cmds []glCmd, params, uploads []byte) error {
	if len(params) > 0 {
		gl.BindBuffer(gl.UNIFORM_BUFFER, e.paramBuf)
		gl.BufferData(gl.UNIFORM_BUFFER, len(params), unsafe.Pointer(&params[0]), gl.STREAM_DRAW)
	}
	var cur uint32
	for i := range cmds {
		c := &cmds[i]
		switch c.kind {
		case glDispatch:
			if c.prog != cur {
				gl.UseProgram(c.prog)
				cur = c.prog
			}
			for j, b := range c.bufs[:c.nbuf] {
				if b.view {
					gl.BindBufferRange(gl.SHADER_STORAGE_BUFFER, uint32(j), b.gl, int(b.off), int(b.bytes))
				} else {
					gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(j), b.gl)
				}
			}
			gl.BindBufferRange(gl.UNIFORM_BUFFER, uint32(c.nbuf), e.paramBuf, c.param, e.slotBytes)
			gl.DispatchCompute(c.x, c.y, c.z)
			gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
		case glUpload:
			gl.BindBuffer(gl.COPY_WRITE_BUFFER, c.dst.gl)
			gl.BufferSubData(gl.COPY_WRITE_BUFFER, int(c.dst.off), c.hi-c.lo, unsafe.Pointer(&uploads[c.lo]))
		}
	}
	return glErr(fmt.Sprintf("in a batch of %d commands", len(cmds)))
}

// flush issues the batch; with wait, glFinish blocks until it has run.
func (e *glExec) flush(wait bool) error {
	err := e.run(func() error {
		if wait {
			gl.Finish()
		} else {
			gl.Flush()
		}
		return nil
	})
	if wait {
		e.d.counters.Waits++
	}
	return err
}

// download issues the batch and reads src back in the same GL call;
// glGetBufferSubData waits for the writes before it.
func (e *glExec) download(dst []byte, src *devBuf) error {
	e.d.queued = 0
	err := e.run(func() error {
		gl.BindBuffer(gl.COPY_READ_BUFFER, src.gl)
		gl.GetBufferSubData(gl.COPY_READ_BUFFER, int(src.off), len(dst), unsafe.Pointer(&dst[0]))
		return glErr("reading a buffer back")
	})
	e.d.counters.Waits++
	return err
}

// copyTransfer copies with glCopyBufferSubData after the batch and waits.
func (e *glExec) copyTransfer(dst, src *devBuf, n uint64) error {
	e.d.queued = 0
	err := e.run(func() error {
		gl.BindBuffer(gl.COPY_READ_BUFFER, src.gl)
		gl.BindBuffer(gl.COPY_WRITE_BUFFER, dst.gl)
		gl.CopyBufferSubData(gl.COPY_READ_BUFFER, gl.COPY_WRITE_BUFFER, int(src.off), int(dst.off), int(n))
		gl.MemoryBarrier(gl.ALL_BARRIER_BITS)
		gl.Finish()
		return glErr("copying a buffer")
	})
	e.d.counters.Waits++
	return err
}

// forgetBuffers: OpenGL caches nothing that names a buffer.
func (e *glExec) forgetBuffers() {}

// paramSlots: parameter blocks are written per batch, not kept.
func (e *glExec) paramSlots() int { return 0 }

func (e *glExec) close() {
	if e.closed {
		return
	}
	e.t.do(func() {
		gl.DeleteBuffers(1, &e.paramBuf)
		e.egl.release()
	})
	e.closed = true
	e.t.stop()
}
