package ckpt

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gocx/gocx/nn/state"
)

// ValidationError lists every way a state dict differs from the expected
// parameter set. Each list is sorted by name.
type ValidationError struct {
	Missing    []string        // expected but absent
	Unexpected []string        // present but not expected
	Mismatched []ShapeMismatch // present with the wrong shape
	want       map[string][]int
	got        *state.File
}

// ShapeMismatch is one tensor whose shape differs from the expected one.
type ShapeMismatch struct {
	Name      string
	Got, Want []int
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ckpt: state dict does not match the model (%d missing, %d unexpected, %d with the wrong shape)",
		len(e.Missing), len(e.Unexpected), len(e.Mismatched))
	for _, n := range e.Missing {
		fmt.Fprintf(&b, "\n  missing:     %s %s", n, FormatShape(e.want[n]))
	}
	for _, n := range e.Unexpected {
		fmt.Fprintf(&b, "\n  unexpected:  %s %s", n, FormatShape(e.got.Get(n).Shape))
	}
	for _, m := range e.Mismatched {
		fmt.Fprintf(&b, "\n  wrong shape: %s is %s, want %s", m.Name, FormatShape(m.Got), FormatShape(m.Want))
	}
	return b.String()
}

// FormatShape writes a shape as "(1, 50, 48)"; a scalar is "()".
func FormatShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Validate checks that f holds exactly the tensors of want with those
// shapes. It returns nil or a *ValidationError listing every missing,
// unexpected and wrongly shaped tensor. Element types are not checked.
func Validate(f *state.File, want map[string][]int) error {
	e := &ValidationError{want: want, got: f}
	for name, shape := range want {
		a := f.Get(name)
		switch {
		case a == nil:
			e.Missing = append(e.Missing, name)
		case !slices.Equal(a.Shape, shape):
			e.Mismatched = append(e.Mismatched, ShapeMismatch{Name: name, Got: slices.Clone(a.Shape), Want: slices.Clone(shape)})
		}
	}
	for _, name := range f.Order {
		if _, ok := want[name]; !ok {
			e.Unexpected = append(e.Unexpected, name)
		}
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) == 0 {
		return nil
	}
	sort.Strings(e.Missing)
	sort.Strings(e.Unexpected)
	sort.Slice(e.Mismatched, func(i, j int) bool { return e.Mismatched[i].Name < e.Mismatched[j].Name })
	return e
}
