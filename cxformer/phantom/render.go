package phantom

import (
	"math"
	"sync"
)

// scratch recycles the vessel layers between samples: allocating and
// zeroing a fresh one per image costs about as much as drawing it.
var scratch sync.Pool

func getScratch(n int) []float32 {
	if v, ok := scratch.Get().(*[]float32); ok && cap(*v) >= n {
		b := (*v)[:n]
		clear(b)
		return b
	}
	return make([]float32, n)
}

func putScratch(b []float32) { scratch.Put(&b) }

// renderer draws one patient at one size. The picture is built as an
// attenuation value D per pixel (0 = air outside the body, about 1 = thick
// soft tissue plus bone), then mapped through the patient's contrast curve
// to 8 bits. Quantities that depend only on the column or only on the row
// are computed once per column or row.
type renderer struct {
	p  *patient
	n  int
	px float64 // one pixel in normalised units

	// Per column.
	xs      []float64    // pixel centre x
	dia     [2][]float64 // diaphragm row under the column, per lung
	clip    []float64    // lower limit of the heart
	ribPost []float64    // posterior rib centre-line offset
	ribAnt  []float64    // anterior rib centre-line offset
	ribFade []float64    // ribs fade toward the spine
	antFade []float64    // anterior ribs fade medially (costal cartilage)
	clavY   []float64    // clavicle centre line (NaN: none)

	clavInvHW []float64 // 1 / clavicle half-thickness

	posterior, anterior ribProfile

	vessels []float32 // vessel attenuation, max-combined, before masking
	coarse  valueNoise
	fine    valueNoise
	patchy  valueNoise
	cAxis   [3]axis // column axes of coarse, fine, patchy
	rAxis   [3]axis

	coarseRow, fineRow []float32 // the current row of coarse and fine
	lut                [1024]uint8
}

func newRenderer(p *patient, n int) *renderer {
	rd := &renderer{p: p, n: n, px: 1 / float64(n)}
	tex := newStream(p.seed, p.index, streamTexture)
	rd.coarse = newValueNoise(tex, 5)
	rd.fine = newValueNoise(tex, 28)
	rd.patchy = newValueNoise(tex, 40)
	for k, vn := range []valueNoise{rd.coarse, rd.fine, rd.patchy} {
		rd.cAxis[k] = vn.axis(n)
		rd.rAxis[k] = vn.axis(n)
	}
	rd.columns()
	rd.drawVessels()
	for i := range rd.lut {
		v := float64(i) / float64(len(rd.lut)-1)
		rd.lut[i] = uint8(math.Round(255 * math.Pow(v, p.gamma)))
	}
	return rd
}

func (rd *renderer) columns() {
	p, n := rd.p, rd.n
	rd.xs = make([]float64, n)
	rd.clip = make([]float64, n)
	rd.ribPost = make([]float64, n)
	rd.ribAnt = make([]float64, n)
	rd.clavY = make([]float64, n)
	rd.clavInvHW = make([]float64, n)
	rd.ribFade = make([]float64, n)
	rd.antFade = make([]float64, n)
	rd.posterior = newRibProfile(p.ribWidth, p.ribStep*float64(n), p.ribCount)
	rd.anterior = newRibProfile(p.ribWidth*1.15, p.ribStep*float64(n), p.ribCount-3)
	for s := range rd.dia {
		rd.dia[s] = make([]float64, n)
	}
	lMean := (p.lungs[0].L + p.lungs[1].L) / 2
	for i := 0; i < n; i++ {
		x := (float64(i) + 0.5) * rd.px
		rd.xs[i] = x
		for s := range p.lungs {
			d := (x - p.midX) * sideSign(s)
			rd.dia[s][i] = p.lungs[s].diaphragm(d)
		}
		rd.clip[i] = p.clipY(x)
		ad := math.Abs(x - p.midX)
		// Rib offsets in units of the rib period, subtracted from the row's phase.
		rd.ribPost[i] = p.ribPosterior(ad, lMean) / p.ribStep
		rd.ribAnt[i] = (p.ribPosterior(lMean, lMean) + p.ribAntSlope*(lMean-ad)) / p.ribStep
		rd.ribFade[i] = smoothstep((ad - 0.02) / 0.03)
		rd.antFade[i] = smoothstep((ad - 0.35*lMean) / (0.2 * lMean))
		rd.clavY[i] = math.NaN()
		if ad >= p.clavD0 && ad <= p.clavD1 {
			s := (ad - p.clavD0) / (p.clavD1 - p.clavD0)
			rd.clavY[i] = p.clavY0 + (p.clavY1-p.clavY0)*s - p.clavBow*math.Sin(2*math.Pi*s)
			rd.clavInvHW[i] = 1 / (p.clavHalfW * (1.25 - 0.4*s))
		}
	}
}

// rowInfo is what a row needs to know about the lungs, the heart and the
// other shapes crossing it.
type rowInfo struct {
	y, yRib, yVert float64 // row centre; rib and vertebra phases of the row
	active         [2]bool
	apex           [2]float64 // less air toward the apex
	med, lat       [2]float64 // lung border distances from the midline
	invWidth       [2]float64 // 1/(lat − med)
	ribEdge        [2]float64 // lateral end of the ribs
	heart          [2][2]float64
	hasHeart       [2]bool
	knob           [2]float64
	hasKnob        bool
	humerus        [2][2]float64
	hasHumerus     [2]bool
	bodyW, invBody float64
	ribs           bool // the row crosses the rib cage
}

func (rd *renderer) row(j int) rowInfo {
	p := rd.p
	y := (float64(j) + 0.5) * rd.px
	ri := rowInfo{y: y, yRib: (y - p.ribY0) / p.ribStep, yVert: (y - p.ribY0) / p.vertPeriod}
	for s := range p.lungs {
		g := &p.lungs[s]
		ri.active[s] = y >= g.yTop && y <= g.yCP
		ri.ribEdge[s] = g.L + 0.03
		if ri.active[s] {
			ri.med[s], ri.lat[s] = g.medial(y), g.lateral(y)
			ri.invWidth[s] = 1 / (ri.lat[s] - ri.med[s])
			ri.apex[s] = 0.6 + 0.4*smoothstep((y-g.yTop)*(1/0.07))
			ri.ribEdge[s] = ri.lat[s] + 0.025
		} else if y < g.yTop {
			ri.ribEdge[s] = g.a0 + 0.1
		}
	}
	for k, e := range []ellipse{p.lv, p.ra} {
		x0, x1, ok := e.rowSpan(y)
		ri.heart[k], ri.hasHeart[k] = [2]float64{x0, x1}, ok
	}
	x0, x1, ok := p.knob.rowSpan(y)
	ri.knob, ri.hasKnob = [2]float64{x0, x1}, ok
	for h, e := range p.humerus {
		x0, x1, ok := e.rowSpan(y)
		ri.humerus[h], ri.hasHumerus[h] = [2]float64{x0, x1}, ok
	}
	ri.bodyW = p.bodyHalfWidth(y)
	ri.invBody = 1 / ri.bodyW
	ri.ribs = y > p.ribY0-0.01 && y < p.ribY0+float64(p.ribCount)*p.ribStep+0.1
	return ri
}

// bodyHalfWidth is the half-width of the body outline at row y: the neck,
// widening through the shoulders (which hold the humeral heads) to the
// chest wall, narrowing again at the waist.
func (p *patient) bodyHalfWidth(y float64) float64 {
	shoulder := p.bodyW + 0.05
	if y < p.shoulderY+0.02 {
		return p.neckW + (shoulder-p.neckW)*smoothstep((y-(p.shoulderY-0.07))/0.09)
	}
	w := p.bodyW + 0.05*(1-smoothstep((y-p.shoulderY-0.02)/0.15))
	return w - 0.05*smoothstep((y-p.lungs[0].yCP)/0.25)
}
