//go:build gl

package gpu

/*
#cgo pkg-config: egl
#include <stdlib.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

static const char *gocx_egl_client_extensions(void) {
	return eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
}

static EGLDisplay gocx_egl_platform_display(EGLenum platform, void *native) {
	PFNEGLGETPLATFORMDISPLAYEXTPROC get =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (get == NULL) {
		return EGL_NO_DISPLAY;
	}
	return get(platform, native, NULL);
}

// gocx_egl_devices fills devs with up to max EGL devices; -1 when the
// client library cannot enumerate devices.
static int gocx_egl_devices(EGLDeviceEXT *devs, int max) {
	PFNEGLQUERYDEVICESEXTPROC query =
		(PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	EGLint n = 0;
	if (query == NULL || !query(max, devs, &n)) {
		return -1;
	}
	return n;
}

static const char *gocx_egl_device_extensions(EGLDeviceEXT dev) {
	PFNEGLQUERYDEVICESTRINGEXTPROC query =
		(PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	if (query == NULL) {
		return NULL;
	}
	return query(dev, EGL_EXTENSIONS);
}

// gocx_egl_config returns a config for OpenGL rendering with no surface
// requirement (a surfaceless display has no window configs), or
// EGL_NO_CONFIG_KHR when none matches and the display allows contexts
// without a config. *ok is 0 when neither works.
static EGLConfig gocx_egl_config(EGLDisplay dpy, int no_config_ok, int *ok) {
	EGLint attrs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE};
	EGLConfig cfg = NULL;
	EGLint n = 0;
	*ok = 1;
	if (eglChooseConfig(dpy, attrs, &cfg, 1, &n) && n > 0) {
		return cfg;
	}
	if (no_config_ok) {
		return EGL_NO_CONFIG_KHR;
	}
	*ok = 0;
	return NULL;
}

static EGLContext gocx_egl_context(EGLDisplay dpy, EGLConfig cfg, int major, int minor) {
	EGLint attrs[] = {
		EGL_CONTEXT_MAJOR_VERSION, major,
		EGL_CONTEXT_MINOR_VERSION, minor,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_NONE,
	};
	return eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, attrs);
}

static void *gocx_egl_proc(const char *name) {
	return (void *)eglGetProcAddress(name);
}
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// eglContext is a headless OpenGL context: no window, no surface, made
// current with EGL_NO_SURFACE (EGL_KHR_surfaceless_context) on the thread
// that created it.
type eglContext struct {
	dpy      C.EGLDisplay
	ctx      C.EGLContext
	platform string // the EGL display it lives on, for AdapterInfo.Driver
}

// eglCandidate is a display openEGL may try.
type eglCandidate struct {
	name     string
	platform C.EGLenum
	native   unsafe.Pointer
}

// glMajor.glMinor is the OpenGL version the kernels need: compute shaders
// and shader storage buffers are core from 4.3 on.
const glMajor, glMinor = 4, 3

// openEGL creates an OpenGL 4.3 core context without a window and makes it
// current on the calling thread, which must be locked to its goroutine.
// It tries, in order, the EGL devices that are not software renderers
// (EGL_PLATFORM_DEVICE_EXT: how the NVIDIA driver runs headless), Mesa's
// surfaceless platform (EGL_PLATFORM_SURFACELESS_MESA: llvmpipe or a DRM
// render node), then software EGL devices. The error says whether no EGL
// display could be initialised at all or none of them gave a 4.3 core
// context, with every candidate's reason.
func openEGL() (*eglContext, error) {
	clientExt := cString(C.gocx_egl_client_extensions())
	cands := eglCandidates(clientExt)
	if len(cands) == 0 {
		return nil, fmt.Errorf("gpu: OpenGL device: no EGL display: the EGL library lists no EGL device (EGL_EXT_platform_device) and no Mesa surfaceless platform (EGL_MESA_platform_surfaceless) (client extensions: %q); install Mesa's EGL (Debian libegl-mesa0) or the GPU driver's EGL library", clientExt)
	}
	var reasons []string
	initialised := false
	for _, c := range cands {
		ec, inited, err := tryEGL(c)
		if err == nil {
			return ec, nil
		}
		initialised = initialised || inited
		reasons = append(reasons, fmt.Sprintf("%s: %v", c.name, err))
	}
	if !initialised {
		return nil, fmt.Errorf("gpu: OpenGL device: no EGL display could be initialised (%s)", strings.Join(reasons, "; "))
	}
	return nil, fmt.Errorf("gpu: OpenGL device: no OpenGL %d.%d core context (%s)", glMajor, glMinor, strings.Join(reasons, "; "))
}

// eglCandidates lists the displays to try, best first.
func eglCandidates(clientExt string) []eglCandidate {
	var hw, sw []eglCandidate
	if hasExt(clientExt, "EGL_EXT_platform_device") {
		var devs [16]C.EGLDeviceEXT
		n := int(C.gocx_egl_devices(&devs[0], C.int(len(devs))))
		for i := 0; i < n; i++ {
			ext := cString(C.gocx_egl_device_extensions(devs[i]))
			c := eglCandidate{platform: C.EGL_PLATFORM_DEVICE_EXT, native: unsafe.Pointer(devs[i])}
			if hasExt(ext, "EGL_MESA_device_software") {
				c.name = fmt.Sprintf("EGL device %d (software)", i)
				sw = append(sw, c)
			} else {
				c.name = fmt.Sprintf("EGL device %d", i)
				hw = append(hw, c)
			}
		}
	}
	if hasExt(clientExt, "EGL_MESA_platform_surfaceless") {
		hw = append(hw, eglCandidate{name: "Mesa surfaceless", platform: C.EGL_PLATFORM_SURFACELESS_MESA})
	}
	return append(hw, sw...)
}

// tryEGL opens candidate c; inited reports whether its display was
// initialised (so that a failure is the context's, not the display's).
func tryEGL(c eglCandidate) (ec *eglContext, inited bool, err error) {
	dpy := C.gocx_egl_platform_display(c.platform, c.native)
	if dpy == 0 {
		return nil, false, fmt.Errorf("eglGetPlatformDisplayEXT failed (%s)", eglError())
	}
	var major, minor C.EGLint
	if C.eglInitialize(dpy, &major, &minor) == C.EGL_FALSE {
		return nil, false, fmt.Errorf("eglInitialize failed (%s)", eglError())
	}
	// The display is not terminated on failure or on Close: displays are
	// shared by everything in the process that opens the same platform
	// and device, and eglTerminate would pull them from under another
	// open Device.
	ext := cString(C.eglQueryString(dpy, C.EGL_EXTENSIONS))
	if !hasExt(ext, "EGL_KHR_surfaceless_context") {
		return nil, true, fmt.Errorf("EGL %d.%d display without EGL_KHR_surfaceless_context", major, minor)
	}
	if C.eglBindAPI(C.EGL_OPENGL_API) == C.EGL_FALSE {
		return nil, true, fmt.Errorf("eglBindAPI(EGL_OPENGL_API) failed (%s): the driver offers no desktop OpenGL", eglError())
	}
	noConfig := 0
	if hasExt(ext, "EGL_KHR_no_config_context") {
		noConfig = 1
	}
	var ok C.int
	cfg := C.gocx_egl_config(dpy, C.int(noConfig), &ok)
	if ok == 0 {
		return nil, true, fmt.Errorf("no EGL config renders OpenGL (%s)", eglError())
	}
	ctx := C.gocx_egl_context(dpy, cfg, glMajor, glMinor)
	if ctx == nil {
		return nil, true, fmt.Errorf("eglCreateContext(OpenGL %d.%d core) failed (%s): the driver does not offer OpenGL %d.%d", glMajor, glMinor, eglError(), glMajor, glMinor)
	}
	if C.eglMakeCurrent(dpy, nil, nil, ctx) == C.EGL_FALSE {
		err := fmt.Errorf("eglMakeCurrent without a surface failed (%s)", eglError())
		C.eglDestroyContext(dpy, ctx)
		return nil, true, err
	}
	return &eglContext{dpy: dpy, ctx: ctx, platform: c.name}, true, nil
}

// release unbinds and destroys the context (on its thread).
func (c *eglContext) release() {
	C.eglMakeCurrent(c.dpy, nil, nil, nil)
	C.eglDestroyContext(c.dpy, c.ctx)
}

// eglProcAddress is the loader go-gl resolves OpenGL functions with.
func eglProcAddress(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.gocx_egl_proc(cs)
}

func cString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func hasExt(list, ext string) bool {
	for _, e := range strings.Fields(list) {
		if e == ext {
			return true
		}
	}
	return false
}

// eglError names the calling thread's last EGL error.
func eglError() string {
	code := C.eglGetError()
	names := map[C.EGLint]string{
		C.EGL_SUCCESS: "EGL_SUCCESS", C.EGL_NOT_INITIALIZED: "EGL_NOT_INITIALIZED",
		C.EGL_BAD_ACCESS: "EGL_BAD_ACCESS", C.EGL_BAD_ALLOC: "EGL_BAD_ALLOC",
		C.EGL_BAD_ATTRIBUTE: "EGL_BAD_ATTRIBUTE", C.EGL_BAD_CONFIG: "EGL_BAD_CONFIG",
		C.EGL_BAD_CONTEXT: "EGL_BAD_CONTEXT", C.EGL_BAD_DISPLAY: "EGL_BAD_DISPLAY",
		C.EGL_BAD_MATCH: "EGL_BAD_MATCH", C.EGL_BAD_PARAMETER: "EGL_BAD_PARAMETER",
		C.EGL_BAD_SURFACE: "EGL_BAD_SURFACE",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("EGL error 0x%x", int(code))
}
