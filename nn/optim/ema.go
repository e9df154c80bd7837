package optim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// EMA moves every teacher parameter towards the student parameter of the
// same name,
//
//	t ← m·t + (1−m)·s,   m = momentum,
//
// the DINO teacher update (applied to every parameter, weight_g and
// weight_v separately). The two lists must hold the same names with the
// same shapes; otherwise nothing is changed and the error names every
// mismatch.
func EMA(teacher, student nn.Params, momentum float64) error {
	byName := student.Map()
	var problems []string
	for _, p := range teacher {
		s, ok := byName[p.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q has no student parameter", p.Name))
		case !slices.Equal(s.Value.Shape(), p.V.Value.Shape()):
			problems = append(problems, fmt.Sprintf("%q is %s in the teacher but %s in the student", p.Name,
				tensor.ShapeString(p.V.Value.Shape()), tensor.ShapeString(s.Value.Shape())))
		}
	}
	teacherNames := teacher.Map()
	for _, p := range student {
		if _, ok := teacherNames[p.Name]; !ok {
			problems = append(problems, fmt.Sprintf("%q has no teacher parameter", p.Name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("optim.EMA: %s", strings.Join(problems, "; "))
	}
	for _, p := range teacher {
		tensor.EMA(p.V.Value, byName[p.Name].Value, momentum)
	}
	return nil
}
