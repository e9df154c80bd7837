package state

import (
	"fmt"
	"math"
	"slices"
)

// Array is one named, dense, row-major array. Exactly one of the data slices
// is set: the one that [DType] maps to (F32 for F32/F16/BF16, F64 for F64, I64
// for I64/I32, U8 for U8/Bool), with Len() elements.
type Array struct {
	Name  string
	DType DType
	Shape []int // empty for a scalar
	F32   []float32
	F64   []float64
	I64   []int64
	U8    []uint8
}

// NewF32 returns a float32 array. It does not copy shape or data.
func NewF32(name string, shape []int, data []float32) *Array {
	return &Array{Name: name, DType: F32, Shape: shape, F32: data}
}

// NewF64 returns a float64 array. It does not copy shape or data.
func NewF64(name string, shape []int, data []float64) *Array {
	return &Array{Name: name, DType: F64, Shape: shape, F64: data}
}

// NewI64 returns an int64 array. It does not copy shape or data.
func NewI64(name string, shape []int, data []int64) *Array {
	return &Array{Name: name, DType: I64, Shape: shape, I64: data}
}

// NewU8 returns a uint8 array. It does not copy shape or data.
func NewU8(name string, shape []int, data []uint8) *Array {
	return &Array{Name: name, DType: U8, Shape: shape, U8: data}
}

// NewBool returns a boolean array (stored as 0/1 bytes).
func NewBool(name string, shape []int, data []bool) *Array {
	b := make([]uint8, len(data))
	for i, v := range data {
		if v {
			b[i] = 1
		}
	}
	return &Array{Name: name, DType: Bool, Shape: shape, U8: b}
}

// NumElements is the product of shape (1 for a scalar, an empty shape).
// It returns -1 if a dimension is negative or the product overflows int.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

// Len is the number of elements implied by the shape.
func (a *Array) Len() int { return NumElements(a.Shape) }

// Check verifies that the array is well formed: a valid DType, a valid shape,
// and exactly the matching data slice set with Len() elements.
func (a *Array) Check() error {
	if !a.DType.Valid() {
		return fmt.Errorf("state: array %q: invalid dtype %v", a.Name, a.DType)
	}
	n := a.Len()
	if n < 0 {
		return fmt.Errorf("state: array %q: invalid shape %v", a.Name, a.Shape)
	}
	lens := map[storage]int{}
	if a.F32 != nil {
		lens[storeF32] = len(a.F32)
	}
	if a.F64 != nil {
		lens[storeF64] = len(a.F64)
	}
	if a.I64 != nil {
		lens[storeI64] = len(a.I64)
	}
	if a.U8 != nil {
		lens[storeU8] = len(a.U8)
	}
	want := a.DType.storage()
	for s := range lens {
		if s != want {
			return fmt.Errorf("state: array %q: dtype %v is held in the %v slice, but the %v slice is set", a.Name, a.DType, want, s)
		}
	}
	got, ok := lens[want]
	if !ok && n > 0 {
		return fmt.Errorf("state: array %q: dtype %v needs the %v slice, which is nil", a.Name, a.DType, want)
	}
	if got != n {
		return fmt.Errorf("state: array %q: shape %v has %d elements, data has %d", a.Name, a.Shape, n, got)
	}
	return nil
}

// IsFloat reports whether the array holds floating-point values.
func (a *Array) IsFloat() bool {
	s := a.DType.storage()
	return s == storeF32 || s == storeF64
}

// AsFloat32 returns the values as float32. For F32, F16 and BF16 arrays it
// returns the held slice itself (shared, not a copy); other types are
// converted into a new slice (F64 and I64 round to nearest).
func (a *Array) AsFloat32() ([]float32, error) {
	switch a.DType.storage() {
	case storeF32:
		return a.F32, nil
	case storeF64:
		out := make([]float32, len(a.F64))
		for i, v := range a.F64 {
			out[i] = float32(v)
		}
		return out, nil
	case storeI64:
		out := make([]float32, len(a.I64))
		for i, v := range a.I64 {
			out[i] = float32(v)
		}
		return out, nil
	case storeU8:
		out := make([]float32, len(a.U8))
		for i, v := range a.U8 {
			out[i] = float32(a.byteValue(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("state: array %q: cannot convert dtype %v to float32", a.Name, a.DType)
}

// AsFloat64 returns the values as float64. For F64 arrays it returns the
// held slice itself; other types are converted exactly into a new slice
// (except I64 magnitudes above 2^53, which round).
func (a *Array) AsFloat64() ([]float64, error) {
	switch a.DType.storage() {
	case storeF64:
		return a.F64, nil
	case storeF32:
		out := make([]float64, len(a.F32))
		for i, v := range a.F32 {
			out[i] = float64(v)
		}
		return out, nil
	case storeI64:
		out := make([]float64, len(a.I64))
		for i, v := range a.I64 {
			out[i] = float64(v)
		}
		return out, nil
	case storeU8:
		out := make([]float64, len(a.U8))
		for i, v := range a.U8 {
			out[i] = float64(a.byteValue(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("state: array %q: cannot convert dtype %v to float64", a.Name, a.DType)
}

// AsInt64 returns the values of an integer or boolean array as int64: the
// held slice itself for I64/I32, a new slice for U8/Bool. Floating-point
// arrays are an error (no silent truncation).
func (a *Array) AsInt64() ([]int64, error) {
	switch a.DType.storage() {
	case storeI64:
		return a.I64, nil
	case storeU8:
		out := make([]int64, len(a.U8))
		for i, v := range a.U8 {
			out[i] = int64(a.byteValue(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("state: array %q: dtype %v is not an integer type", a.Name, a.DType)
}

// AsBool returns the values of an integer or boolean array as bools
// (non-zero is true).
func (a *Array) AsBool() ([]bool, error) {
	switch a.DType.storage() {
	case storeU8:
		out := make([]bool, len(a.U8))
		for i, v := range a.U8 {
			out[i] = v != 0
		}
		return out, nil
	case storeI64:
		out := make([]bool, len(a.I64))
		for i, v := range a.I64 {
			out[i] = v != 0
		}
		return out, nil
	}
	return nil, fmt.Errorf("state: array %q: dtype %v is not a boolean or integer type", a.Name, a.DType)
}

// byteValue maps a stored byte to its numeric value: booleans read as 0/1
// whatever non-zero byte a writer used.
func (a *Array) byteValue(v uint8) uint8 {
	if a.DType == Bool && v != 0 {
		return 1
	}
	return v
}

// Clone returns a deep copy of the array.
func (a *Array) Clone() *Array {
	c := *a
	c.Shape = slices.Clone(a.Shape)
	c.F32 = slices.Clone(a.F32)
	c.F64 = slices.Clone(a.F64)
	c.I64 = slices.Clone(a.I64)
	c.U8 = slices.Clone(a.U8)
	return &c
}
