package nn

import (
	"fmt"
	"sort"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// Param is a named trainable tensor.
type Param struct {
	Name string
	V    *autograd.Var
}

// Params is an ordered list of parameters (the order of registration,
// which is the order checkpoints are written in).
type Params []Param

// Add registers v under name and returns v.
func (ps *Params) Add(name string, t *tensor.Tensor) *autograd.Var {
	v := autograd.Param(t, name)
	*ps = append(*ps, Param{Name: name, V: v})
	return v
}

// Map returns the parameters by name.
func (ps Params) Map() map[string]*autograd.Var {
	m := make(map[string]*autograd.Var, len(ps))
	for _, p := range ps {
		m[p.Name] = p.V
	}
	return m
}

// Names returns the parameter names, sorted.
func (ps Params) Names() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}

// Count returns the total number of elements.
func (ps Params) Count() int {
	n := 0
	for _, p := range ps {
		n += p.V.Value.Numel()
	}
	return n
}

// ZeroGrad clears every gradient.
func (ps Params) ZeroGrad() {
	for _, p := range ps {
		p.V.ZeroGrad()
	}
}

// Shapes returns name → shape.
func (ps Params) Shapes() map[string][]int {
	m := make(map[string][]int, len(ps))
	for _, p := range ps {
		m[p.Name] = append([]int(nil), p.V.Value.Shape()...)
	}
	return m
}

// Load copies values (name → float32 data) into the parameters. Every
// parameter must be present with the right number of elements and every
// value must name a parameter; otherwise nothing is loaded and the error
// lists all problems.
func (ps Params) Load(values map[string][]float32) error {
	var missing, wrong, unexpected []string
	byName := ps.Map()
	for _, p := range ps {
		v, ok := values[p.Name]
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		if len(v) != p.V.Value.Numel() {
			wrong = append(wrong, fmt.Sprintf("%s (%d values for %s)", p.Name, len(v), tensor.ShapeString(p.V.Value.Shape())))
		}
	}
	for name := range values {
		if _, ok := byName[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	if len(missing)+len(wrong)+len(unexpected) > 0 {
		sort.Strings(missing)
		sort.Strings(wrong)
		sort.Strings(unexpected)
		return fmt.Errorf("nn.Params.Load: %d missing %v, %d wrongly shaped %v, %d unexpected %v",
			len(missing), missing, len(wrong), wrong, len(unexpected), unexpected)
	}
	for _, p := range ps {
		p.V.Value.Load(values[p.Name])
	}
	return nil
}

// Values copies every parameter to the host (name → data).
func (ps Params) Values() map[string][]float32 {
	m := make(map[string][]float32, len(ps))
	for _, p := range ps {
		m[p.Name] = p.V.Value.Data()
	}
	return m
}
