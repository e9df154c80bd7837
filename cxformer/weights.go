package cxformer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/state"
)

// LoadState loads DINOv2-native backbone weights (names as in the DINOv2
// state dict, e.g. "blocks.0.attn.qkv.weight"). Every parameter must be
// present with its exact shape and nothing else may be in f; otherwise
// nothing is loaded and the error lists every missing, unexpected and
// wrongly shaped tensor.
func (v *ViT) LoadState(f *state.File) error { return LoadParams(v.Params, f, "") }

// State returns the backbone's weights as a DINOv2-native state file.
func (v *ViT) State() *state.File { return ParamsState(v.Params, "") }

// LoadState loads every module of an SSL model from f, whose names carry
// prefix + module + "." (e.g. "teacher.backbone.blocks.0.norm1.weight" for
// prefix "teacher."). All modules are checked before anything is loaded.
func (m *SSLModel) LoadState(f *state.File, prefix string) error {
	var errs []string
	for _, mod := range m.Modules() {
		if err := checkParams(mod.Params, f, prefix+mod.Name+"."); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	for _, mod := range m.Modules() {
		if err := LoadParams(mod.Params, f, prefix+mod.Name+"."); err != nil {
			return err
		}
	}
	return nil
}

// State returns every module's weights named prefix + module + "." + name.
func (m *SSLModel) State(prefix string) *state.File {
	f := state.NewFile()
	for _, mod := range m.Modules() {
		appendParams(f, mod.Params, prefix+mod.Name+".")
	}
	return f
}

// LoadParams copies the arrays of f named prefix+name into ps. Arrays of f
// outside prefix are ignored; within it, every parameter must be present
// with its exact shape and nothing else may be there, or nothing is loaded
// and the error lists all problems.
func LoadParams(ps nn.Params, f *state.File, prefix string) error {
	if err := checkParams(ps, f, prefix); err != nil {
		return err
	}
	values := make(map[string][]float32, len(ps))
	for _, p := range ps {
		data, err := f.Arrays[prefix+p.Name].AsFloat32()
		if err != nil {
			return fmt.Errorf("cxformer: %s%s: %v", prefix, p.Name, err)
		}
		values[p.Name] = data
	}
	return ps.Load(values)
}

func checkParams(ps nn.Params, f *state.File, prefix string) error {
	want := ps.Shapes()
	var missing, unexpected, wrong []string
	for name, shape := range want {
		a, ok := f.Arrays[prefix+name]
		switch {
		case !ok:
			missing = append(missing, prefix+name)
		case !slices.Equal(a.Shape, shape):
			wrong = append(wrong, fmt.Sprintf("%s%s: file %v, model %v", prefix, name, a.Shape, shape))
		case !isFloat(a.DType):
			wrong = append(wrong, fmt.Sprintf("%s%s: dtype %v is not a float type", prefix, name, a.DType))
		}
	}
	for name := range f.Arrays {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if _, known := want[rest]; !known {
				unexpected = append(unexpected, name)
			}
		}
	}
	if len(missing)+len(unexpected)+len(wrong) == 0 {
		return nil
	}
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

// ParamsState returns ps as float32 arrays named prefix+name.
func ParamsState(ps nn.Params, prefix string) *state.File {
	f := state.NewFile()
	appendParams(f, ps, prefix)
	return f
}

func appendParams(f *state.File, ps nn.Params, prefix string) {
	for _, p := range ps {
		a := state.NewF32(prefix+p.Name, slices.Clone(p.V.Value.Shape()), p.V.Value.Data())
		if err := f.Add(a); err != nil {
			panic(err) // the model's own arrays are well formed
		}
	}
}

func isFloat(d state.DType) bool {
	return d == state.F32 || d == state.F64 || d == state.F16 || d == state.BF16
}
