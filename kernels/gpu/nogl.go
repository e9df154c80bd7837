//go:build !gl

package gpu

import "errors"

// openGL is the OpenGL device of builds with the gl build tag; this build
// has none.
func openGL(Options) (*Device, error) {
	return nil, errors.New("gpu: the OpenGL backend is not in this build (it needs cgo, EGL and OpenGL 4.3: build with -tags gl)")
}

// glAdapters lists the OpenGL device in builds with the gl build tag.
func glAdapters() []AdapterInfo { return nil }
