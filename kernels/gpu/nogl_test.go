//go:build !gl

package gpu

import (
	"strings"
	"testing"
)

// TestGLNotBuilt: without the gl build tag, asking for the OpenGL device
// is an error that says how to get it.
func TestGLNotBuilt(t *testing.T) {
	_, err := Open(Options{Backend: "gl"})
	if err == nil || !strings.Contains(err.Error(), "-tags gl") {
		t.Fatalf("Open(gl) without the gl tag: error %v, want one naming -tags gl", err)
	}
}
