package tensor

import (
	"errors"
	"fmt"
)

// Device is where a tensor's storage lives. The CPU device is CPU; GPU
// devices come from OpenGPU. Only this package implements Device.
type Device interface {
	// String names the device, e.g. "cpu" or "gpu:vulkan:NVIDIA H200".
	String() string
	// IsGPU reports whether the device is a GPU.
	IsGPU() bool
	// Sync waits until every operator issued so far has finished. It is a
	// no-op on the CPU.
	Sync() error
	backend() backend
}

// DeviceMismatchError is the panic value of an operator whose operands
// live on different devices.
type DeviceMismatchError struct {
	Op   string
	A, B string
}

func (e *DeviceMismatchError) Error() string {
	return fmt.Sprintf("%s: operands on different devices: %s and %s (move one with To)", e.Op, e.A, e.B)
}

// DeviceError is the panic value of an operator that failed on its device
// (allocation beyond limits, a lost device).
type DeviceError struct {
	Op     string
	Device string
	Err    error
}

func (e *DeviceError) Error() string { return fmt.Sprintf("%s on %s: %v", e.Op, e.Device, e.Err) }
func (e *DeviceError) Unwrap() error { return e.Err }

// Try runs f and returns, as an error, a *DeviceError or
// *DeviceMismatchError it panicked with. Other panics propagate.
func Try(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var de *DeviceError
			var me *DeviceMismatchError
			if e, ok := r.(error); ok && (errors.As(e, &de) || errors.As(e, &me)) {
				err = e
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}

// sameDevice panics with a *DeviceMismatchError unless every tensor lives on
// the device of the first; it returns that device's backend.
func sameDevice(op string, ts ...*Tensor) backend {
	d := ts[0].st.dev
	for _, t := range ts[1:] {
		if t.st.dev != d {
			panic(&DeviceMismatchError{Op: op, A: d.String(), B: t.st.dev.String()})
		}
	}
	return d.backend()
}
