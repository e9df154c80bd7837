package gpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// The elementwise operators share one kernel template (elementwise.wgsl):
// one invocation per output element (or per vec4 of them when every size
// allows), up to four inputs named a, b, c, d in the WGSL expression, each
// read with an index map of its kind. An input that is the destination
// buffer is read through the destination's own read_write binding, so
// in-place use (dst == an input) needs no second binding of the same buffer
// (WebGPU forbids a writable binding that aliases another one).

// ewKind says how an input of an elementwise kernel is indexed by the
// output element e.
type ewKind int8

const (
	ewFull ewKind = iota // in[e]
	ewCol                // in[e mod cols]: a per-column vector (bias, LayerScale)
	ewAxis               // in[o·inner + j] for e = (o, i, j) of (outer, n, inner): BroadcastAxis
	ewMask               // an int32 per row, mask[e div cols]: SelectRows
)

// ewIn is one input of an elementwise launch.
type ewIn struct {
	b    *Buffer
	kind ewKind
}

// ewShape holds the sizes the index maps need.
type ewShape struct {
	cols      int // ewCol, ewMask
	axisN     int // ewAxis: the broadcast axis length
	axisInner int // ewAxis: the inner size
}

// ewKey identifies an elementwise variant: the expression, the vector
// width, and for each input its binding slot (0 = the destination) and
// index kind.
type ewKey struct {
	expr string
	vec4 bool
	nIn  int
	slot [4]int8
	kind [4]ewKind
}

// ewExprs are the WGSL expressions of the elementwise operators over the
// inputs a, b, c, d and the scalars P.s0, P.s1.
var ewExprs = map[string]string{
	"add":     "a + b",
	"mul":     "a * b",
	"scale":   "P.s0 * a",
	"axpy":    "a + P.s0 * b",
	"exp":     "exp(a)",
	"ema":     "P.s0 * a + P.s1 * b",
	"bce":     "c * bce_loss(a, b)",
	"bceback": "a * d * (sigmoid(b) - c)",
	"select":  "select(a, b, c != 0)",
}

// ewBinding and ewLoad are the template data of elementwise.wgsl.
type ewBinding struct {
	Index  int
	Access string
	Elem   string
}

type ewLoad struct {
	Name string // a, b, c, d
	Expr string // WGSL that loads it for element i
}

type ewData struct {
	T        string
	Bindings []ewBinding
	NBind    int
	Loads    []ewLoad
	Expr     string
}

func (k ewKey) data() ewData {
	t := "f32"
	if k.vec4 {
		t = "vec4<f32>"
	}
	dt := ewData{T: t, Expr: ewExprs[k.expr]}
	dt.Bindings = append(dt.Bindings, ewBinding{0, "read_write", t})
	for i := 0; i < k.nIn; i++ {
		s := int(k.slot[i])
		if s != 0 {
			elem := t
			if k.kind[i] == ewMask {
				elem = "i32"
			}
			dt.Bindings = append(dt.Bindings, ewBinding{s, "read", elem})
		}
		var idx string
		switch k.kind[i] {
		case ewFull:
			idx = "i"
		case ewCol:
			idx = "i % P.cols"
		case ewAxis:
			idx = "(i / (P.axis_n * P.axis_inner)) * P.axis_inner + i % P.axis_inner"
		case ewMask:
			idx = "i / P.cols"
		}
		dt.Loads = append(dt.Loads, ewLoad{Name: string(rune('a' + i)), Expr: fmt.Sprintf("b%d[%s]", s, idx)})
	}
	dt.NBind = len(dt.Bindings)
	return dt
}

// elementwise queues dst[e] = expr(inputs at e) for e < n. The caller has
// checked every length; s0 and s1 are the expression's scalars. Sizes in
// sh are in elements; vec4 is used when they all divide by 4.
func (d *Device) elementwise(op, expr string, dst *Buffer, n int, ins []ewIn, sh ewShape, s0, s1 float64) error {
	for _, in := range ins {
		if in.kind != ewFull && in.b.buf == dst.buf {
			panic(fmt.Sprintf("%s: dst must not alias a broadcast input", op))
		}
	}
	if n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	vec4 := n%4 == 0
	for _, in := range ins {
		switch in.kind {
		case ewCol, ewMask:
			vec4 = vec4 && sh.cols%4 == 0
		case ewAxis:
			vec4 = vec4 && sh.axisInner%4 == 0
		}
	}
	key := ewKey{expr: expr, vec4: vec4, nIn: len(ins)}
	bufs := []*devBuf{dst.buf}
	for i, in := range ins {
		key.kind[i] = in.kind
		if in.b.buf != dst.buf {
			key.slot[i] = int8(len(bufs))
			bufs = append(bufs, in.b.buf)
		}
	}
	k, err := d.kernel(key, func() kernelSpec {
		bind := make([]access, len(bufs))
		bind[0] = readWrite
		return kernelSpec{file: "elementwise.wgsl", data: key.data(), bind: bind}
	})
	if err != nil {
		return err
	}
	units, cols, inner := n, sh.cols, sh.axisInner
	if vec4 {
		units, cols, inner = n/4, cols/4, inner/4
	}
	var p params
	p.int(units).int(cols).int(sh.axisN).int(inner).f32(s0).f32(s1)
	x, y := d.grid2D((units + 255) / 256)
	return d.dispatch(k, &p, bufs, x, y, 1)
}

// checkSame panics unless every named buffer is a live buffer of d with n
// elements.
func (d *Device) checkSame(op string, n int, names []string, bufs ...*Buffer) {
	for i, b := range bufs {
		d.checkBuffer(op, names[i], b)
		kernels.CheckLen(op, names[i], b.n, n)
	}
}

// Add queues dst = a + b elementwise (all of one length). dst may be a or b.
//
// Backward: da = db = dy.
func (d *Device) Add(dst, a, b *Buffer) error {
	const op = "gpu.Add"
	d.checkBuffer(op, "dst", dst)
	d.checkSame(op, dst.n, []string{"a", "b"}, a, b)
	return d.elementwise(op, "add", dst, dst.n, []ewIn{{a, ewFull}, {b, ewFull}}, ewShape{}, 0, 0)
}

// Mul queues dst = a ⊙ b elementwise. dst may be a or b.
//
// Backward: da = dy ⊙ b, db = dy ⊙ a (two more Mul calls).
func (d *Device) Mul(dst, a, b *Buffer) error {
	const op = "gpu.Mul"
	d.checkBuffer(op, "dst", dst)
	d.checkSame(op, dst.n, []string{"a", "b"}, a, b)
	return d.elementwise(op, "mul", dst, dst.n, []ewIn{{a, ewFull}, {b, ewFull}}, ewShape{}, 0, 0)
}

// Scale queues dst = s·x elementwise (s rounded to float32). dst may be x.
//
// Backward: dx = s·dy.
func (d *Device) Scale(dst, x *Buffer, s float64) error {
	const op = "gpu.Scale"
	d.checkBuffer(op, "dst", dst)
	d.checkSame(op, dst.n, []string{"x"}, x)
	return d.elementwise(op, "scale", dst, dst.n, []ewIn{{x, ewFull}}, ewShape{}, s, 0)
}

// Axpy queues y ← y + α·x in place (α rounded to float32); x may be y.
func (d *Device) Axpy(y *Buffer, alpha float64, x *Buffer) error {
	const op = "gpu.Axpy"
	d.checkBuffer(op, "y", y)
	d.checkSame(op, y.n, []string{"x"}, x)
	return d.elementwise(op, "axpy", y, y.n, []ewIn{{y, ewFull}, {x, ewFull}}, ewShape{}, alpha, 0)
}

// Exp queues dst = eˣ elementwise. dst may be x.
//
// Backward: dx = dy ⊙ y with y the output (a Mul call).
func (d *Device) Exp(dst, x *Buffer) error {
	const op = "gpu.Exp"
	d.checkBuffer(op, "dst", dst)
	d.checkSame(op, dst.n, []string{"x"}, x)
	return d.elementwise(op, "exp", dst, dst.n, []ewIn{{x, ewFull}}, ewShape{}, 0, 0)
}

// AddBias queues dst[r,c] = x[r,c] + bias[c] for a rows×cols x. dst may
// be x.
//
// Backward: dx = dy, dbias = SumRows(dy).
func (d *Device) AddBias(dst, x, bias *Buffer, rows, cols int) error {
	const op = "gpu.AddBias"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "x", x)
	d.checkBuffer(op, "bias", bias)
	kernels.CheckRows(op, "x", x.n, rows, cols)
	kernels.CheckRows(op, "dst", dst.n, rows, cols)
	kernels.CheckLen(op, "bias", bias.n, cols)
	return d.elementwise(op, "add", dst, dst.n, []ewIn{{x, ewFull}, {bias, ewCol}}, ewShape{cols: cols}, 0, 0)
}

// EMA queues teacher ← m·teacher + (1−m)·student in place, m = momentum
// (m and 1−m formed in float64, then rounded to float32). There is no
// backward.
func (d *Device) EMA(teacher, student *Buffer, momentum float64) error {
	const op = "gpu.EMA"
	d.checkBuffer(op, "teacher", teacher)
	d.checkSame(op, teacher.n, []string{"student"}, student)
	if student.buf == teacher.buf {
		return nil // t ← m·t + (1−m)·t = t
	}
	return d.elementwise(op, "ema", teacher, teacher.n, []ewIn{{teacher, ewFull}, {student, ewFull}}, ewShape{}, momentum, 1-momentum)
}
