//go:build gl

package gpu

import (
	"fmt"
	"strings"
	"sync"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// The OpenGL device (build tag gl, cgo): the same WGSL kernels as the
// WebGPU device, translated to GLSL 4.30 by naga (gl_glsl.go) and run as
// compute shaders on shader storage buffers, in a headless EGL context
// (gl_egl.go) for machines with an OpenGL 4.3 driver and no Vulkan. Every
// GL call is made on one locked OS thread (gl_thread.go). Open it with
// Options{Backend: "gl"}.

// glExec is the OpenGL executor. Dispatches and uploads are recorded on
// the caller's goroutine (no GL call) and run on the GL thread in one
// batch by flush, download and copyTransfer, like the WebGPU command
// buffer: a dispatch costs no thread switch.
type glExec struct {
	d      *Device
	t      *glThread
	egl    *eglContext
	closed bool

	cmds      []glCmd
	params    []byte // the batch's parameter blocks, one slot each
	uploads   []byte // the batch's upload data
	slotBytes int    // parameter slot: ≥ the uniform offset alignment
	paramBuf  uint32 // uniform buffer the batch's blocks are written to
}

// glCmdKind says what a recorded command does.
type glCmdKind uint8

const (
	glDispatch glCmdKind = iota
	glUpload
)

// glCmd is one recorded command.
type glCmd struct {
	kind   glCmdKind
	prog   uint32
	nbuf   int
	bufs   [maxBound]*devBuf // views are bound as ranges
	param  int               // byte offset of the parameter block in params
	x, y   uint32
	z      uint32
	dst    *devBuf // glUpload: destination buffer (a view: at its offset)
	lo, hi int     // glUpload: its bytes in uploads
}

// glProgram is a linked compute program.
type glProgram struct {
	e  *glExec
	id uint32
}

func (p *glProgram) release() {
	if p.e.closed {
		return
	}
	p.e.t.do(func() { gl.DeleteProgram(p.id) })
}

// glInit loads the OpenGL entry points once per process: go-gl keeps them
// in package variables, and with the vendor-neutral dispatch of GLVND (and
// with Mesa) the pointers eglGetProcAddress returns do not depend on the
// context.
var glInit struct {
	once sync.Once
	err  error
}

// openGLContext starts a GL thread and creates the headless context on it.
func openGLContext() (*glThread, *eglContext, error) {
	t := startGLThread()
	var ec *eglContext
	var err error
	t.do(func() {
		ec, err = openEGL()
		if err != nil {
			return
		}
		glInit.once.Do(func() {
			if e := gl.InitWithProcAddrFunc(eglProcAddress); e != nil {
				glInit.err = fmt.Errorf("gpu: OpenGL device: loading OpenGL 4.3 entry points: %s is missing", e)
			}
		})
		if err = glInit.err; err != nil {
			ec.release()
		}
	})
	if err != nil {
		t.stop()
		return nil, nil, err
	}
	return t, ec, nil
}

// openGL opens the OpenGL device: an EGL context, its limits, and the
// probes of newDevice.
func openGL(opts Options) (dev *Device, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gpu: opening the OpenGL device failed: %v", r)
		}
	}()
	t, ec, err := openGLContext()
	if err != nil {
		return nil, err
	}
	var info AdapterInfo
	t.do(func() { info = glAdapterInfo(ec) })
	e := &glExec{t: t, egl: ec}
	return newDevice(func(d *Device) (executor, error) {
		e.d = d
		e.slotBytes = max(256, int(d.limits.MinUniformBufferOffsetAlignment))
		t.do(func() { gl.GenBuffers(1, &e.paramBuf) })
		return e, nil
	}, info, info.Limits, opts)
}

// glAdapters lists the OpenGL device, found by creating (and destroying)
// a context; none when no EGL display gives an OpenGL 4.3 context.
func glAdapters() []AdapterInfo {
	t, ec, err := openGLContext()
	if err != nil {
		return nil
	}
	var info AdapterInfo
	t.do(func() {
		info = glAdapterInfo(ec)
		ec.release()
	})
	t.stop()
	return []AdapterInfo{info}
}

// glAdapterInfo describes the current context (on the GL thread).
func glAdapterInfo(ec *eglContext) AdapterInfo {
	renderer := gl.GoStr(gl.GetString(gl.RENDERER))
	info := AdapterInfo{
		Backend:    BackendGL,
		Name:       renderer,
		Vendor:     gl.GoStr(gl.GetString(gl.VENDOR)),
		DeviceType: "Other", // OpenGL does not say discrete or integrated
		Driver:     "OpenGL " + gl.GoStr(gl.GetString(gl.VERSION)) + ", " + ec.platform,
		Limits:     glLimits(),
	}
	r := strings.ToLower(renderer)
	for _, sw := range []string{"llvmpipe", "softpipe", "swrast", "swr"} {
		if strings.Contains(r, sw) {
			// Mesa's CPU rasterisers compile with LLVM like lavapipe:
			// the GEMM launcher then keeps to small, rolled tiles.
			info.DeviceType = "CPU"
		}
	}
	return info
}

// glLimits reads the compute limits of the current context.
func glLimits() Limits {
	geti := func(name uint32) uint32 {
		var v int32
		gl.GetIntegerv(name, &v)
		return uint32(v)
	}
	groups := uint32(1<<31 - 1)
	for i := uint32(0); i < 3; i++ {
		var v int32
		gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, i, &v)
		groups = min(groups, uint32(v))
	}
	var block int64
	gl.GetInteger64v(gl.MAX_SHADER_STORAGE_BLOCK_SIZE, &block)
	return Limits{
		// OpenGL has no separate buffer size limit; a buffer is useful to
		// the kernels only as far as one storage block sees it.
		MaxBufferSize:                     uint64(block),
		MaxStorageBufferBindingSize:       uint64(block),
		MaxComputeWorkgroupStorageSize:    geti(gl.MAX_COMPUTE_SHARED_MEMORY_SIZE),
		MaxComputeInvocationsPerWorkgroup: geti(gl.MAX_COMPUTE_WORK_GROUP_INVOCATIONS),
		MaxComputeWorkgroupsPerDimension:  groups,
		MaxStorageBuffersPerShaderStage:   geti(gl.MAX_COMPUTE_SHADER_STORAGE_BLOCKS),
		MinStorageBufferOffsetAlignment:   geti(gl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT),
		MinUniformBufferOffsetAlignment:   geti(gl.UNIFORM_BUFFER_OFFSET_ALIGNMENT),
	}
}

// glErr turns the context's pending errors into one Go error naming what
// was being done.
func glErr(what string) error {
	var codes []string
	for i := 0; i < 8; i++ {
		c := gl.GetError()
		if c == gl.NO_ERROR {
			break
		}
		codes = append(codes, glErrorName(c))
	}
	if len(codes) == 0 {
		return nil
	}
	return fmt.Errorf("gpu: OpenGL error %s %s", strings.Join(codes, ", "), what)
}

func glErrorName(c uint32) string {
	switch c {
	case gl.INVALID_ENUM:
		return "GL_INVALID_ENUM"
	case gl.INVALID_VALUE:
		return "GL_INVALID_VALUE"
	case gl.INVALID_OPERATION:
		return "GL_INVALID_OPERATION"
	case gl.OUT_OF_MEMORY:
		return "GL_OUT_OF_MEMORY"
	case gl.INVALID_FRAMEBUFFER_OPERATION:
		return "GL_INVALID_FRAMEBUFFER_OPERATION"
	}
	return fmt.Sprintf("0x%x", c)
}
