package phantom

import (
	"math"
	"math/rand/v2"
)

// patient holds every parameter of one sample, in normalised image
// coordinates. lungs[0] is the patient's right lung (image left, drawn at
// x = midX − d), lungs[1] the left lung (x = midX + d).
type patient struct {
	seed  uint64
	index int

	midX  float64
	lungs [2]lung

	// Body outline: half-width neckW above the shoulders, bodyW below.
	shoulderY, neckW, bodyW float64

	// Heart: union of a ventricular (lv) and a right-atrial (ra) ellipse.
	lv, ra                 ellipse
	unitLV, unitRA         ellipse // the heart's shape at unit scale, x relative to the midline
	heartLeft, heartRight  float64
	knob                   ellipse // aortic knob, part of the mediastinum
	hilumR                 float64 // size of the hilar vessel shadows
	tracheaX, tracheaHalfW float64
	carinaY                float64
	spineHalfW, vertPeriod float64

	// Ribs: posterior rib k's centre line is y = ribY0 + k·ribStep + post(d);
	// its anterior part continues from the lateral wall downward-medially.
	ribY0, ribStep, ribPost1, ribPost2, ribPost3, ribAntSlope, ribWidth float64
	ribCount                                                            int

	// Clavicles: centre line from (clavD0, clavY0) medially to (clavD1, clavY1).
	clavD0, clavY0, clavD1, clavY1, clavBow, clavHalfW float64
	humerus                                            [2]ellipse
	bubble                                             ellipse // gastric air bubble
	hasBubble                                          bool

	// Attenuation of soft tissue (at the thickest), lung air, bone and
	// vessels; contrast curve v ↦ ((v−lo)/(hi−lo))^gamma; quantum noise
	// (scaled by the signal) and film grain.
	soft, air, bone, vessel, gamma, lo, hi, noise, grain float64

	// Vessel trees, as segments in normalised coordinates.
	vessels []segment
	hila    [2][2]float64 // hilum points (x, y) of the right and left lung

	findings Findings
	// Effusion meniscus shape, consolidation lobulation.
	effRise, effEdge     float64
	consLobes            [3]float64
	ptxLine              float64
	noduleGain, consGain float64
}

// segment is one straight piece of a vessel: from (x0, y0) to (x1, y1) with
// radius r and relative attenuation w.
type segment struct{ x0, y0, x1, y1, r, w float64 }

func newPatient(seed uint64, index int, cfg Config) *patient {
	p := &patient{seed: seed, index: index}
	p.drawAnatomy(newStream(seed, index, streamAnatomy))

	presence := newStream(seed, index, streamPresence)
	var present [NumFindings]bool
	for k := range present {
		// One draw per finding, always, so prevalences are independent.
		present[k] = presence.Float64() < cfg.Prevalence[k]
	}
	f := &p.findings

	r := newStream(seed, index, streamCardiomegaly)
	v := r.Float64()
	f.Cardiomegaly = present[Cardiomegaly]
	if f.Cardiomegaly {
		f.CTR = 0.62 - 0.12*v // (0.50, 0.62]
	} else {
		f.CTR = 0.38 + 0.12*v // [0.38, 0.50)
	}
	p.placeHeart(f.CTR)

	// Finding positions avoid the largest heart the generator draws, so they
	// do not depend on whether this patient has cardiomegaly.
	big := *p
	big.placeHeart(0.62)

	r = newStream(seed, index, streamEffusion)
	f.Effusion = present[Effusion]
	f.EffusionSide = pickSide(r, true)
	f.EffusionHeight = uniform(r, 0.07, 0.32)
	p.effRise = uniform(r, 0.06, 0.14)
	p.effEdge = uniform(r, 0.015, 0.03)

	r = newStream(seed, index, streamConsolidation)
	f.Consolidation = present[Consolidation]
	f.ConsolidationSide = pickSide(r, false)
	f.ConsolidationRadius = uniform(r, 0.05, 0.095)
	f.ConsolidationX, f.ConsolidationY = big.pointInLung(r, f.ConsolidationSide, 0.25, 0.85, 0.3, 0.75)
	for i := range p.consLobes {
		p.consLobes[i] = uniform(r, 0, 2*math.Pi)
	}
	p.consGain = uniform(r, 0.85, 1)

	r = newStream(seed, index, streamPneumothorax)
	f.Pneumothorax = present[Pneumothorax]
	f.PneumothoraxSide = pickSide(r, false)
	f.PneumothoraxWidth = uniform(r, 0.035, 0.095)
	p.ptxLine = uniform(r, 0.12, 0.2)

	r = newStream(seed, index, streamNodule)
	f.Nodule = present[Nodule]
	f.NoduleSide = pickSide(r, false)
	f.NoduleRadius = uniform(r, 2.5, 15) / 256
	f.NoduleX, f.NoduleY = big.pointInLung(r, f.NoduleSide, 0.15, 0.85, 0.2, 0.8)
	p.noduleGain = uniform(r, 0.45, 0.7)

	p.drawVessels(newStream(seed, index, streamVessels))
	return p
}

// pickSide draws the patient's right or left, or both when allowed.
func pickSide(r *rand.Rand, both bool) Side {
	u := r.Float64()
	switch {
	case both && u < 0.2:
		return Both
	case u < 0.6:
		return Right
	}
	return Left
}

func (p *patient) drawAnatomy(r *rand.Rand) {
	p.midX = 0.5 + uniform(r, -0.025, 0.025)
	scale := uniform(r, 0.9, 1.05)
	yTop := uniform(r, 0.1, 0.15)
	height := uniform(r, 0.6, 0.67) * scale
	height = math.Min(height, 0.86-yTop)
	for s := range p.lungs {
		g := &p.lungs[s]
		g.yTop = yTop
		g.L = uniform(r, 0.33, 0.37) * scale
		g.M = uniform(r, 0.045, 0.062)
		g.a0 = uniform(r, 0.11, 0.14) * g.L / 0.35
		g.alpha = uniform(r, 0.3, 0.6)
		g.tm = uniform(r, 0.15, 0.25)
		g.dPeak = g.M + uniform(r, 0.4, 0.55)*(g.L-g.M)
		g.medDrop = uniform(r, 0.02, 0.05)
		g.wave = uniform(r, 0.002, 0.008)
		g.waveFreq = uniform(r, 0.8, 1.6)
		g.wavePhase = r.Float64()
	}
	// The right hemidiaphragm (image left) is the higher one.
	p.lungs[0].yCP = yTop + height
	p.lungs[1].yCP = p.lungs[0].yCP + uniform(r, 0, 0.03)
	dome := uniform(r, 0.1, 0.16) * height
	p.lungs[0].yDome = p.lungs[0].yCP - dome
	p.lungs[1].yDome = p.lungs[0].yDome + uniform(r, 0.005, 0.035)
	p.shoulderY = yTop - uniform(r, 0.0, 0.05)
	p.neckW = uniform(r, 0.07, 0.1)
	p.bodyW = math.Max(p.lungs[0].L, p.lungs[1].L) + uniform(r, 0.04, 0.08)

	// Heart shape at unit scale (scaled to the CTR in placeHeart).
	p.unitLV = newEllipse(uniform(r, 0.04, 0.07), uniform(r, 0, 0.02), uniform(r, 0.14, 0.17),
		uniform(r, 0.085, 0.1), uniform(r, 38, 55)*math.Pi/180)
	p.unitRA = newEllipse(-uniform(r, 0.02, 0.04), uniform(r, 0.0, 0.03), uniform(r, 0.045, 0.06),
		uniform(r, 0.07, 0.09), uniform(r, -10, 10)*math.Pi/180)
	p.knob = newEllipse(p.midX+p.lungs[1].M+uniform(r, -0.012, 0.0), yTop+uniform(r, 0.1, 0.15),
		uniform(r, 0.02, 0.028), uniform(r, 0.02, 0.026), 0)
	p.hilumR = uniform(r, 0.03, 0.05)

	p.tracheaX = p.midX + uniform(r, -0.01, 0.01)
	p.tracheaHalfW = uniform(r, 0.011, 0.016)
	p.carinaY = yTop + uniform(r, 0.14, 0.19)
	p.spineHalfW = uniform(r, 0.026, 0.034)
	p.vertPeriod = height / uniform(r, 9, 10.5)

	p.ribStep = height / uniform(r, 8.6, 9.6)
	p.ribY0 = yTop - uniform(r, 0.0, 0.03)
	p.ribPost1 = uniform(r, 0.1, 0.3)
	p.ribPost2 = uniform(r, 0.7, 1.1)
	p.ribPost3 = uniform(r, 0.8, 1.4)
	p.ribAntSlope = uniform(r, 0.35, 0.55)
	p.ribWidth = uniform(r, 0.32, 0.42)
	p.ribCount = 10

	p.clavD0, p.clavY0 = uniform(r, 0.02, 0.035), yTop+uniform(r, 0.03, 0.06)
	p.clavD1, p.clavY1 = uniform(r, 0.27, 0.33), yTop-uniform(r, 0.02, 0.07)
	p.clavBow = uniform(r, 0.005, 0.02)
	p.clavHalfW = uniform(r, 0.008, 0.012)
	for s, sg := range [2]float64{-1, 1} {
		rad := uniform(r, 0.05, 0.07)
		p.humerus[s] = newEllipse(p.midX+sg*(p.bodyW-uniform(r, 0.0, 0.03)), p.shoulderY+uniform(r, 0.02, 0.05),
			rad, rad*uniform(r, 1, 1.15), 0)
	}
	p.hasBubble = r.Float64() < 0.75
	p.bubble = newEllipse(p.midX+uniform(r, 0.1, 0.18), p.lungs[1].yDome+uniform(r, 0.04, 0.07),
		uniform(r, 0.03, 0.055), uniform(r, 0.018, 0.03), 0)

	p.soft = uniform(r, 0.62, 0.78)
	p.air = uniform(r, 0.42, 0.55)
	p.bone = uniform(r, 0.1, 0.16)
	p.vessel = uniform(r, 0.09, 0.14)
	p.gamma = uniform(r, 0.8, 1.25)
	p.lo = uniform(r, -0.05, 0.05)
	p.hi = uniform(r, 0.9, 1.05)
	p.noise = uniform(r, 0.005, 0.014)
	p.grain = uniform(r, 0.003, 0.01)
}

// placeHeart scales the unit heart so that its width is ctr times the
// thoracic width, and lowers it until its widest points sit just above the
// diaphragm.
func (p *patient) placeHeart(ctr float64) {
	lv, ra := p.unitLV, p.unitRA
	left := math.Min(extremeX(ra.leftmost()), extremeX(lv.leftmost()))
	right := math.Max(extremeX(ra.rightmost()), extremeX(lv.rightmost()))
	k := ctr * p.thoracicWidth() / (right - left)
	lv, ra = lv.scaled(k, 0, 0), ra.scaled(k, 0, 0)
	lv.cx += p.midX
	ra.cx += p.midX
	// Lower the heart until one of its extreme points is 0.012 above the
	// diaphragm under it.
	shift := math.Inf(1)
	for _, e := range []ellipse{lv, ra} {
		for _, pt := range [][2]float64{point(e.leftmost()), point(e.rightmost())} {
			shift = math.Min(shift, p.clipY(pt[0])-0.012-pt[1])
		}
	}
	lv.cy += shift
	ra.cy += shift
	p.lv, p.ra = lv, ra
	p.heartLeft = math.Min(extremeX(ra.leftmost()), extremeX(lv.leftmost()))
	p.heartRight = math.Max(extremeX(ra.rightmost()), extremeX(lv.rightmost()))
}

func extremeX(x, _ float64) float64       { return x }
func point(x, y float64) [2]float64       { return [2]float64{x, y} }
func (p *patient) thoracicWidth() float64 { return p.lungs[0].L + p.lungs[1].L }

// clipY is the row of the diaphragm under image column x: each dome
// laterally, a straight line between the two medial ends.
func (p *patient) clipY(x float64) float64 {
	d := x - p.midX
	r, l := &p.lungs[0], &p.lungs[1]
	switch {
	case -d >= r.M:
		return r.diaphragm(-d)
	case d >= l.M:
		return l.diaphragm(d)
	}
	y0, y1 := r.diaphragm(r.M), l.diaphragm(l.M)
	return y0 + (y1-y0)*(d+r.M)/(r.M+l.M)
}

// inHeart reports whether (x, y) is in the cardiac silhouette.
func (p *patient) inHeart(x, y float64) bool {
	return (p.lv.q(x, y) <= 1 || p.ra.q(x, y) <= 1) && y < p.clipY(x)
}

// inLung reports whether (x, y) is in the lung field of side s (0 right, 1 left).
func (p *patient) inLung(s int, x, y float64) bool {
	d := (x - p.midX) * sideSign(s)
	return p.lungs[s].inside(d, y) && !(p.lv.q(x, y) <= 1 || p.ra.q(x, y) <= 1) && p.knob.q(x, y) > 1
}

func sideSign(s int) float64 { return float64(2*s - 1) }

// pointInLung draws a point of the side's lung field at a relative height
// t in [t0, t1] (apex 0, costophrenic angle 1) and a relative position u in
// [u0, u1] from the medial to the lateral border, by rejection; after 64
// misses it returns the last candidate's row centre.
func (p *patient) pointInLung(r *rand.Rand, side Side, t0, t1, u0, u1 float64) (x, y float64) {
	s := 0
	if side == Left {
		s = 1
	}
	g := &p.lungs[s]
	for try := 0; try < 64; try++ {
		y = g.yTop + uniform(r, t0, t1)*(g.yCP-g.yTop)
		d := g.medial(y) + uniform(r, u0, u1)*(g.lateral(y)-g.medial(y))
		x = p.midX + sideSign(s)*d
		if p.inLung(s, x, y) {
			return x, y
		}
	}
	y = g.yTop + 0.4*(g.yCP-g.yTop)
	return p.midX + sideSign(s)*(g.medial(y)+g.lateral(y))/2, y
}

func (p *patient) anatomy() Anatomy {
	a := Anatomy{
		MidlineX:      p.midX,
		ApexY:         p.lungs[0].yTop,
		ThoracicWidth: p.thoracicWidth(),
		HeartLeftX:    p.heartLeft,
		HeartRightX:   p.heartRight,
		HeartWidth:    p.heartRight - p.heartLeft,
	}
	for s := range p.lungs {
		a.CostophrenicY[s] = p.lungs[s].yCP
		a.DomeY[s] = p.lungs[s].yDome
		a.LateralX[s] = p.midX + sideSign(s)*p.lungs[s].L
	}
	return a
}
