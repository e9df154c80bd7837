package cxformer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gocx/gocx/nn/state"
)

// LoadState loads DINOv2-native backbone weights (names as in the DINOv2
// state dict, e.g. "blocks.0.attn.qkv.weight"). Every parameter must be
// present with its exact shape and nothing else may be in f; otherwise
// nothing is loaded and the error lists every missing, unexpected and
// wrongly shaped tensor.
func (v *ViT) LoadState(f *state.File) error {
	want := v.Params.Shapes()
	var missing, unexpected, wrong []string
	values := make(map[string][]float32, len(want))
	for name, shape := range want {
		a, ok := f.Arrays[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if !slices.Equal(a.Shape, shape) {
			wrong = append(wrong, fmt.Sprintf("%s: file %v, model %v", name, a.Shape, shape))
			continue
		}
		data, err := a.AsFloat32()
		if err != nil {
			wrong = append(wrong, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		values[name] = data
	}
	for name := range f.Arrays {
		if _, ok := want[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	if len(missing)+len(unexpected)+len(wrong) > 0 {
		sort.Strings(missing)
		sort.Strings(unexpected)
		sort.Strings(wrong)
		var b strings.Builder
		fmt.Fprintf(&b, "cxformer: checkpoint does not fit the model (nothing loaded):")
		if len(missing) > 0 {
			fmt.Fprintf(&b, "\n  missing (%d): %s", len(missing), strings.Join(missing, ", "))
		}
		if len(unexpected) > 0 {
			fmt.Fprintf(&b, "\n  unexpected (%d): %s", len(unexpected), strings.Join(unexpected, ", "))
		}
		if len(wrong) > 0 {
			fmt.Fprintf(&b, "\n  wrong shape (%d): %s", len(wrong), strings.Join(wrong, "; "))
		}
		return fmt.Errorf("%s", b.String())
	}
	return v.Params.Load(values)
}

// State returns the backbone's weights as a DINOv2-native state file
// (float32), in parameter order.
func (v *ViT) State() *state.File {
	f := state.NewFile()
	for _, p := range v.Params {
		a := state.NewF32(p.Name, slices.Clone(p.V.Value.Shape()), p.V.Value.Data())
		if err := f.Add(a); err != nil {
			panic(err) // the model's own arrays are well formed
		}
	}
	return f
}
