package state

import (
	"slices"
	"strings"
	"testing"
)

func TestArrayCheck(t *testing.T) {
	good := []*Array{
		NewF32("a", []int{2, 3}, make([]float32, 6)),
		NewF64("b", nil, []float64{1}), // scalar
		NewI64("c", []int{0, 5}, nil),  // empty
		{Name: "d", DType: F16, Shape: []int{2}, F32: []float32{1, 2}},
		{Name: "e", DType: I32, Shape: []int{1}, I64: []int64{3}},
		NewBool("f", []int{3}, []bool{true, false, true}),
	}
	for _, a := range good {
		if err := a.Check(); err != nil {
			t.Errorf("%s: unexpected error %v", a.Name, err)
		}
	}
	bad := []struct {
		a    *Array
		want string
	}{
		{NewF32("x", []int{2, 3}, make([]float32, 5)), "6 elements, data has 5"},
		{&Array{Name: "x", DType: F32, Shape: []int{1}, F64: []float64{1}}, "F64 slice is set"},
		{&Array{Name: "x", DType: F32, Shape: []int{1}, F32: []float32{1}, U8: []uint8{1}}, "U8 slice is set"},
		{&Array{Name: "x", Shape: []int{1}, F32: []float32{1}}, "invalid dtype"},
		{NewF32("x", []int{-1}, nil), "invalid shape"},
		{NewF32("x", []int{2}, nil), "nil"},
	}
	for _, c := range bad {
		err := c.a.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%+v) = %v, want error containing %q", c.a, err, c.want)
		}
	}
}

func TestArrayConversions(t *testing.T) {
	f64 := NewF64("w", []int{3}, []float64{1.5, -2, 0.1})
	f32, err := f64.AsFloat32()
	if err != nil || !slices.Equal(f32, []float32{1.5, -2, 0.1}) {
		t.Fatalf("AsFloat32 of F64 = %v, %v", f32, err)
	}
	half := &Array{Name: "h", DType: BF16, Shape: []int{2}, F32: []float32{1, 2}}
	same, _ := half.AsFloat32()
	if &same[0] != &half.F32[0] {
		t.Error("AsFloat32 of BF16 should return the held slice")
	}
	back, _ := NewF32("x", []int{2}, []float32{0.25, 3}).AsFloat64()
	if !slices.Equal(back, []float64{0.25, 3}) {
		t.Errorf("AsFloat64 of F32 = %v", back)
	}
	b := &Array{Name: "m", DType: Bool, Shape: []int{3}, U8: []uint8{0, 7, 1}}
	bf, _ := b.AsFloat64()
	bi, _ := b.AsInt64()
	bb, _ := b.AsBool()
	if !slices.Equal(bf, []float64{0, 1, 1}) || !slices.Equal(bi, []int64{0, 1, 1}) || !slices.Equal(bb, []bool{false, true, true}) {
		t.Errorf("bool conversions: %v %v %v", bf, bi, bb)
	}
	if _, err := f64.AsInt64(); err == nil || !strings.Contains(err.Error(), `"w"`) {
		t.Errorf("AsInt64 of a float array: err = %v, want an error naming the array", err)
	}
	i, _ := NewI64("i", []int{2}, []int64{-3, 1 << 40}).AsFloat64()
	if !slices.Equal(i, []float64{-3, 1 << 40}) {
		t.Errorf("AsFloat64 of I64 = %v", i)
	}
	c := f64.Clone()
	c.F64[0] = 9
	c.Shape[0] = 7
	if f64.F64[0] != 1.5 || f64.Shape[0] != 3 {
		t.Error("Clone shares memory with the original")
	}
}

func TestFileOrder(t *testing.T) {
	f := NewFile()
	f.MustAdd(NewF32("b", []int{1}, []float32{1}))
	f.MustAdd(NewF32("a", []int{1}, []float32{2}))
	f.MustAdd(NewF32("b", []int{1}, []float32{3})) // replace keeps position
	if !slices.Equal(f.Order, []string{"b", "a"}) || f.Get("b").F32[0] != 3 {
		t.Fatalf("order %v, b = %v", f.Order, f.Get("b").F32)
	}
	f.Delete("b")
	if !slices.Equal(f.Order, []string{"a"}) || f.Has("b") || f.Check() != nil {
		t.Fatalf("after Delete: order %v, check %v", f.Order, f.Check())
	}
	if err := f.Add(NewF32("", nil, []float32{1})); err == nil {
		t.Error("Add accepted an empty name")
	}
	f.Order = append(f.Order, "ghost")
	if err := f.Check(); err == nil {
		t.Error("Check accepted an Order entry without an array")
	}
}
