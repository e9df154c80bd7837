package ckpt

import (
	"fmt"
	"slices"

	"github.com/gocx/gocx/nn/state"
)

// concatRows stacks arrays of one dtype along their first dimension (the
// q, k, v projections into the fused qkv one). The result is a new array.
func concatRows(name string, parts ...*state.Array) (*state.Array, error) {
	first := parts[0]
	if len(first.Shape) == 0 {
		return nil, fmt.Errorf("ckpt: %s: cannot stack scalars", name)
	}
	rows := 0
	for _, p := range parts {
		if p.DType != first.DType || len(p.Shape) != len(first.Shape) || !slices.Equal(p.Shape[1:], first.Shape[1:]) {
			return nil, fmt.Errorf("ckpt: %s: cannot stack %s %v %s with %s %v %s", name,
				first.Name, first.DType, FormatShape(first.Shape), p.Name, p.DType, FormatShape(p.Shape))
		}
		rows += p.Shape[0]
	}
	out := &state.Array{Name: name, DType: first.DType, Shape: append([]int{rows}, first.Shape[1:]...)}
	for _, p := range parts {
		out.F32 = append(out.F32, p.F32...)
		out.F64 = append(out.F64, p.F64...)
		out.I64 = append(out.I64, p.I64...)
		out.U8 = append(out.U8, p.U8...)
	}
	return out, out.Check()
}

// splitRows cuts a into len(names) equal blocks of rows (the fused qkv
// projection into q, k, v). The results are copies.
func splitRows(a *state.Array, names ...string) ([]*state.Array, error) {
	n := len(names)
	if len(a.Shape) == 0 || a.Shape[0]%n != 0 {
		return nil, fmt.Errorf("ckpt: %s: shape %s does not split into %d equal row blocks", a.Name, FormatShape(a.Shape), n)
	}
	per := a.Len() / n
	out := make([]*state.Array, n)
	for i, name := range names {
		shape := slices.Clone(a.Shape)
		shape[0] /= n
		p := &state.Array{Name: name, DType: a.DType, Shape: shape}
		lo, hi := i*per, (i+1)*per
		switch {
		case a.F32 != nil:
			p.F32 = slices.Clone(a.F32[lo:hi])
		case a.F64 != nil:
			p.F64 = slices.Clone(a.F64[lo:hi])
		case a.I64 != nil:
			p.I64 = slices.Clone(a.I64[lo:hi])
		case a.U8 != nil:
			p.U8 = slices.Clone(a.U8[lo:hi])
		}
		if err := p.Check(); err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}
