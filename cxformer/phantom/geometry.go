package phantom

import "math"

// lung is the outline of one lung field, in distances d from the midline
// (d grows laterally) and image rows y (growing downward).
//
// Between the apex (yTop) and the costophrenic angle (yCP) the field spans
// medial(y) <= d <= lateral(y), and above the diaphragm: y < diaphragm(d).
// Both borders start at the apex point d = a0 with a vertical tangent, which
// rounds the apex; the lateral border widens to L at the costophrenic angle,
// the medial border narrows to the mediastinum M within the top tm of the
// lung height. The hemidiaphragm is a dome: a parabola from its top (dPeak,
// yDome) down to the costophrenic angle (L, yCP) laterally and by medDrop
// down to the mediastinum medially.
type lung struct {
	L, M, a0         float64
	yTop, yCP, yDome float64
	dPeak, medDrop   float64
	alpha, tm        float64 // lateral roundness mix, medial convergence height
	wave, waveFreq   float64 // gentle undulation of the mediastinal border
	wavePhase        float64
}

func (g *lung) t(y float64) float64 { return (y - g.yTop) / (g.yCP - g.yTop) }

// lateral returns the lateral border's distance from the midline at row y.
func (g *lung) lateral(y float64) float64 {
	t := clamp01(g.t(y))
	q := t * (2 - t)
	return g.a0 + (g.L-g.a0)*(g.alpha*math.Sqrt(q)+(1-g.alpha)*q)
}

// medial returns the medial border's distance from the midline at row y.
func (g *lung) medial(y float64) float64 {
	t := g.t(y)
	s := clamp01(t / g.tm)
	c := math.Sqrt(s * (2 - s))
	return g.a0 - (g.a0-g.M)*c + g.wave*c*math.Sin(2*math.Pi*(g.waveFreq*t+g.wavePhase))
}

// diaphragm returns the row of the hemidiaphragm's upper surface at distance d.
func (g *lung) diaphragm(d float64) float64 {
	if d >= g.dPeak {
		s := math.Min((d-g.dPeak)/(g.L-g.dPeak), 1)
		return g.yDome + (g.yCP-g.yDome)*s*s
	}
	s := math.Min((g.dPeak-d)/(g.dPeak-g.M), 1.5)
	return g.yDome + g.medDrop*s*s
}

// inside reports whether (d, y) lies in the lung field, heart not removed.
func (g *lung) inside(d, y float64) bool {
	return y >= g.yTop && y <= g.yCP && d >= g.medial(y) && d <= g.lateral(y) && y < g.diaphragm(d)
}

// ellipse is a rotated ellipse: centre (cx, cy), semi-axes a (along the
// direction θ) and b, stored with cos θ and sin θ.
type ellipse struct {
	cx, cy, a, b, cos, sin float64
}

func newEllipse(cx, cy, a, b, theta float64) ellipse {
	return ellipse{cx, cy, a, b, math.Cos(theta), math.Sin(theta)}
}

// q is 1 on the ellipse, below 1 inside.
func (e ellipse) q(x, y float64) float64 {
	dx, dy := x-e.cx, y-e.cy
	u := (dx*e.cos + dy*e.sin) / e.a
	v := (-dx*e.sin + dy*e.cos) / e.b
	return u*u + v*v
}

// coefficients of q(cx+dx, cy+dy) = A·dx² + B·dx·dy + C·dy².
func (e ellipse) quad() (A, B, C float64) {
	ia, ib := 1/(e.a*e.a), 1/(e.b*e.b)
	A = e.cos*e.cos*ia + e.sin*e.sin*ib
	B = 2 * e.cos * e.sin * (ia - ib)
	C = e.sin*e.sin*ia + e.cos*e.cos*ib
	return
}

// rowSpan returns the interval of x covered by the ellipse on row y.
func (e ellipse) rowSpan(y float64) (x0, x1 float64, ok bool) {
	A, B, C := e.quad()
	dy := y - e.cy
	b := B * dy
	c := C*dy*dy - 1
	disc := b*b - 4*A*c
	if disc < 0 {
		return 0, 0, false
	}
	s := math.Sqrt(disc)
	return e.cx + (-b-s)/(2*A), e.cx + (-b+s)/(2*A), true
}

// rightmost returns the point of largest x; the leftmost is its mirror
// through the centre.
func (e ellipse) rightmost() (x, y float64) {
	A, B, C := e.quad()
	// On the boundary, ∂q/∂dy = B·dx + 2C·dy = 0 at the x-extreme, and
	// q = 1 there gives dx = 1/√(A − B²/4C).
	dx := 1 / math.Sqrt(A-B*B/(4*C))
	return e.cx + dx, e.cy - B*dx/(2*C)
}

func (e ellipse) leftmost() (x, y float64) {
	x, y = e.rightmost()
	return 2*e.cx - x, 2*e.cy - y
}

// scaled returns the ellipse scaled by k about (ox, oy).
func (e ellipse) scaled(k, ox, oy float64) ellipse {
	e.cx = ox + k*(e.cx-ox)
	e.cy = oy + k*(e.cy-oy)
	e.a *= k
	e.b *= k
	return e
}

// clamp01, fmin and fmax are branchy versions of math's functions without
// the NaN and signed-zero handling, which costs a call per pixel.
func clamp01(x float64) float64 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func smoothstep(x float64) float64 {
	x = clamp01(x)
	return x * x * (3 - 2*x)
}
