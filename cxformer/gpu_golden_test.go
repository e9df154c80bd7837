package cxformer

import (
	"testing"

	"github.com/gocx/gocx/internal/gputest"
)

// The golden backbone, Hugging Face and SSL-step tests on the GPU (lavapipe
// in CI), with the issues' GPU bounds: outputs 1e-4, gradients 1e-3, SSL
// loss terms 1e-4.
func TestViTGoldenGPU(t *testing.T) { runViTGolden(t, gputest.Device(t)) }

func TestHFGoldenGPU(t *testing.T) { runHFGolden(t, gputest.Device(t)) }

func TestSSLGoldenGPU(t *testing.T) { runSSLGolden(t, gputest.Device(t), 1e-4) }
