package tensor

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Tensor is a contiguous row-major float32 array on one device.
type Tensor struct {
	shape []int
	st    *storage
}

// storage is a device buffer shared by the tensors that reshape it.
type storage struct {
	dev  Device
	n    int
	cpu  []float32 // CPU device
	gpu  any       // GPU device: the device's buffer handle
	refs atomic.Int32
	// parent is set for a view of an arena (arena.go): the arena's
	// storage, on which the view holds one reference.
	parent *storage
}

// numel is the number of elements of a shape; it panics on a negative
// dimension.
func numel(op string, shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("%s: negative dimension in shape %v", op, shape))
		}
		n *= d
	}
	return n
}

func checkShape(shape []int) error {
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("tensor: negative dimension in shape %v", shape)
		}
	}
	return nil
}

// newTensor allocates an uninitialised tensor on dev.
func newTensor(op string, dev Device, shape []int) *Tensor {
	n := numel(op, shape)
	st := dev.backend().alloc(op, n)
	st.refs.Store(1)
	return &Tensor{shape: append([]int(nil), shape...), st: st}
}

// Empty returns an uninitialised tensor on dev. On a GPU its contents are
// whatever the pooled buffer last held; use Zeros where zeros matter.
func Empty(dev Device, shape ...int) *Tensor { return newTensor("tensor.Empty", dev, shape) }

// Zeros returns a tensor of zeros on dev.
func Zeros(dev Device, shape ...int) *Tensor {
	t := newTensor("tensor.Zeros", dev, shape)
	dev.backend().zero(t.st)
	return t
}

// Full returns a tensor filled with v on dev.
func Full(dev Device, v float32, shape ...int) *Tensor {
	n := numel("tensor.Full", shape)
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	t, err := FromSlice(dev, data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// FromSlice copies data into a new tensor of the given shape on dev. It
// returns an error when the shape is invalid or does not match len(data).
func FromSlice(dev Device, data []float32, shape ...int) (*Tensor, error) {
	if err := checkShape(shape); err != nil {
		return nil, err
	}
	if n := numel("tensor.FromSlice", shape); n != len(data) {
		return nil, fmt.Errorf("tensor.FromSlice: shape %v holds %d elements, data has %d", shape, n, len(data))
	}
	t := newTensor("tensor.FromSlice", dev, shape)
	dev.backend().upload(t.st, data)
	return t, nil
}

// MustFromSlice is FromSlice for data the program itself made; it panics
// on a mismatch.
func MustFromSlice(dev Device, data []float32, shape ...int) *Tensor {
	t, err := FromSlice(dev, data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// Shape returns the tensor's shape (do not modify it).
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Rank returns the number of axes.
func (t *Tensor) Rank() int { return len(t.shape) }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return t.st.n }

// Device returns the device the tensor lives on.
func (t *Tensor) Device() Device { return t.st.dev }

// String describes the tensor without its data.
func (t *Tensor) String() string {
	return fmt.Sprintf("Tensor%v@%s", t.shape, t.st.dev)
}

// ShapeString formats a shape as (a, b, c) for messages.
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Data copies the tensor's elements to a new host slice, waiting for any
// pending GPU work.
func (t *Tensor) Data() []float32 {
	out := make([]float32, t.st.n)
	t.st.dev.backend().download(out, t.st)
	return out
}

// CopyTo copies the tensor's elements into dst (len(dst) == Numel()).
func (t *Tensor) CopyTo(dst []float32) {
	if len(dst) != t.st.n {
		panic(fmt.Sprintf("tensor.CopyTo: len(dst)=%d, tensor %v has %d elements", len(dst), t.shape, t.st.n))
	}
	t.st.dev.backend().download(dst, t.st)
}

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float32 {
	if t.st.n != 1 {
		panic(fmt.Sprintf("tensor.Item: tensor %v has %d elements", t.shape, t.st.n))
	}
	return t.Data()[0]
}

// CPUData returns the CPU storage itself (no copy) so that CPU-only code
// (data loading, metrics) can read and write it. It panics for GPU tensors.
// The slice is valid until the tensor's storage is released (its last
// reference): the CPU device then recycles the memory for new tensors.
func (t *Tensor) CPUData() []float32 {
	if t.st.dev.IsGPU() {
		panic(fmt.Sprintf("tensor.CPUData: %v is on %s", t.shape, t.st.dev))
	}
	return t.st.cpu
}

// Load overwrites the tensor's elements with data (len(data) == Numel()).
func (t *Tensor) Load(data []float32) {
	if len(data) != t.st.n {
		panic(fmt.Sprintf("tensor.Load: len(data)=%d, tensor %v has %d elements", len(data), t.shape, t.st.n))
	}
	t.st.dev.backend().upload(t.st, data)
}

// To returns the tensor on dev: t itself (with a new reference) when it is
// already there, else a copy.
func (t *Tensor) To(dev Device) *Tensor {
	if t.st.dev == dev {
		return t.Reshape(t.shape...)
	}
	out := newTensor("tensor.To", dev, t.shape)
	dev.backend().upload(out.st, t.Data())
	return out
}

// Clone returns a copy of t on the same device.
func (t *Tensor) Clone() *Tensor {
	out := newTensor("tensor.Clone", t.st.dev, t.shape)
	t.st.dev.backend().copy(out.st, t.st)
	return out
}

// CopyFrom overwrites t with the elements of src (same device, same
// number of elements).
func (t *Tensor) CopyFrom(src *Tensor) {
	be := sameDevice("tensor.CopyFrom", t, src)
	if t.st.n != src.st.n {
		panic(fmt.Sprintf("tensor.CopyFrom: %v and %v differ in size", t.shape, src.shape))
	}
	be.copy(t.st, src.st)
}

// SetZero overwrites t with zeros.
func (t *Tensor) SetZero() { t.st.dev.backend().zero(t.st) }

// Reshape returns a tensor of a new shape sharing t's storage. One
// dimension may be -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, n := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic(fmt.Sprintf("tensor.Reshape: two -1 dimensions in %v", shape))
			}
			infer = i
			continue
		}
		if d < 0 {
			panic(fmt.Sprintf("tensor.Reshape: negative dimension in %v", shape))
		}
		n *= d
	}
	if infer >= 0 {
		if n == 0 || t.st.n%n != 0 {
			panic(fmt.Sprintf("tensor.Reshape: cannot infer -1 reshaping %v to %v", t.shape, shape))
		}
		shape[infer] = t.st.n / n
		n = t.st.n
	}
	if n != t.st.n {
		panic(fmt.Sprintf("tensor.Reshape: %v (%d elements) to %v (%d elements)", t.shape, t.st.n, shape, n))
	}
	t.st.refs.Add(1)
	return &Tensor{shape: shape, st: t.st}
}

// Release drops this tensor's reference to its storage; the last
// reference returns a GPU buffer to the device's pool. The tensor must not
// be used afterwards. Releasing twice panics.
func (t *Tensor) Release() {
	if t == nil || t.st == nil {
		return
	}
	st := t.st
	t.st = nil
	releaseStorage(st)
}

// Released reports whether Release has been called on t.
func (t *Tensor) Released() bool { return t.st == nil }
