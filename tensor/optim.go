package tensor

import "github.com/gocx/gocx/kernels"

// AdamW applies one PyTorch AdamW step to p in place, updating the moment
// estimates m and v (all shaped like p).
func AdamW(p, g, m, v *Tensor, h kernels.AdamWHyper) {
	const op = "tensor.AdamW"
	be := sameDevice(op, p, g, m, v)
	mustNumel(op, "grad", g, p.st.n)
	mustNumel(op, "m", m, p.st.n)
	mustNumel(op, "v", v, p.st.n)
	be.adamW(p.st, g.st, m.st, v.st, h)
}

// EMA moves teacher towards student in place: t ← m·t + (1−m)·s.
func EMA(teacher, student *Tensor, momentum float64) {
	be := sameDevice("tensor.EMA", teacher, student)
	mustNumel("tensor.EMA", "student", student, teacher.st.n)
	be.ema(teacher.st, student.st, momentum)
}
