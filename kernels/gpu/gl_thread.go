//go:build gl

package gpu

import "runtime"

// glThread runs functions on one OS thread: an OpenGL context is current
// on one thread, and every GL and EGL call of a device must be made there.
// The goroutine stays locked to its thread until stop; then it unlocks
// before it ends, so that the thread returns to the runtime instead of
// exiting (the context has been released by then). Letting a locked
// thread exit is not safe here: in a cgo build that has loaded the Vulkan
// backend (through goffi), a thread exit corrupts the start of a later
// thread (SIGSEGV in crosscall1 on a new OS thread, seen with lavapipe in
// about half of the runs; CGO_ENABLED=0 builds are not affected).
type glThread struct {
	work chan func()
	done chan any // nil, or the value f panicked with
}

func startGLThread() *glThread {
	t := &glThread{work: make(chan func()), done: make(chan any)}
	go t.loop()
	return t
}

func (t *glThread) loop() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for f := range t.work {
		t.done <- call(f)
	}
}

func call(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// do runs f on the thread and waits for it; a panic in f is raised again
// in the caller. Callers are serialised by the device lock.
func (t *glThread) do(f func()) {
	t.work <- f
	if p := <-t.done; p != nil {
		panic(p)
	}
}

// stop ends the thread after the functions already handed to it.
func (t *glThread) stop() { close(t.work) }
