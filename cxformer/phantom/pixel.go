package phantom

import "math"

// cover returns how much of the pixel at x lies inside [a, b]: a linear ramp
// over one pixel (of size 1/n) at each end.
func cover(x, a, b, n float64) float64 {
	return clamp01(fmin(x-a, b-x)*n + 0.5)
}

// render writes the picture and the class map. Per pixel it adds up the
// attenuation of the body, subtracts the lungs' air (less where fluid,
// consolidation or the heart replace it), adds vessels, findings and bones,
// adds noise and applies the contrast curve.
func (rd *renderer) render(img, mask []uint8) {
	p, n := rd.p, rd.n
	fn := float64(n)
	f := &p.findings
	pixelKey := streamKey(p.seed, p.index, streamPixels)
	noduleR2 := f.NoduleRadius * f.NoduleRadius
	invSpine := 1 / p.spineHalfW
	lutScale := float64(len(rd.lut)-1) / (p.hi - p.lo)
	rd.coarseRow = make([]float32, rd.coarse.cells+1)
	rd.fineRow = make([]float32, rd.fine.cells+1)
	for j := 0; j < n; j++ {
		ri := rd.row(j)
		rd.coarse.rowValues(&rd.rAxis[0], j, rd.coarseRow)
		rd.fine.rowValues(&rd.rAxis[1], j, rd.fineRow)
		y := ri.y
		for i := 0; i < n; i++ {
			x := rd.xs[i]
			dx := x - p.midX
			ad := math.Abs(dx)
			s := 0
			if dx >= 0 {
				s = 1
			}
			k := j*n + i
			var D float64
			var class uint8

			if ad < ri.bodyW {
				t := ad * ri.invBody
				D = p.soft * math.Sqrt(1-t*t) * (0.92 + 0.16*float64(atRow(&rd.cAxis[0], i, rd.coarseRow)))

				// Heart silhouette (and its pixel coverage, for soft edges).
				heartCov := 0.0
				inHeart := false
				for h := 0; h < 2; h++ {
					if ri.hasHeart[h] {
						heartCov = fmax(heartCov, cover(x, ri.heart[h][0], ri.heart[h][1], fn))
						inHeart = inHeart || (x >= ri.heart[h][0] && x <= ri.heart[h][1])
					}
				}
				if inHeart && y < rd.clip[i] {
					class = ClassHeart
				}
				// Below the diaphragm the heart merges into the abdomen: the
				// spine is not dimmed there.
				spineDim := 1 - 0.5*heartCov*clamp01((rd.clip[i]-y)*fn+0.5)

				// Lung field.
				if ri.active[s] && ad >= ri.med[s]-rd.px && ad <= ri.lat[s]+rd.px {
					yd := rd.dia[s][i]
					lung := cover(ad, ri.med[s], ri.lat[s], fn) * clamp01((yd-y)*fn+0.5) * (1 - heartCov)
					inKnob := false
					if ri.hasKnob {
						lung *= 1 - cover(x, ri.knob[0], ri.knob[1], fn)
						inKnob = x >= ri.knob[0] && x <= ri.knob[1]
					}
					if class == 0 && ad >= ri.med[s] && ad <= ri.lat[s] && y < yd && !inKnob && !inHeart {
						class = ClassRightLung
						if s == 1 {
							class = ClassLeftLung
						}
					}
					if lung > 0 {
						D += lung * rd.lungPixel(&ri, s, i, j, k, ad, yd)
					}
				}

				// Nodule: a sphere in the lung.
				if f.Nodule && f.NoduleSide.has(s) && (class == ClassLeftLung || class == ClassRightLung) {
					ex, ey := x-f.NoduleX, y-f.NoduleY
					if r2 := ex*ex + ey*ey; r2 < noduleR2 {
						D += p.noduleGain * p.air * math.Sqrt(1-r2/noduleR2)
					}
				}

				// Spine: vertebral bodies with darker disc spaces, faint
				// behind the heart.
				if ad < p.spineHalfW {
					t := ad * invSpine
					fr := ri.yVert - math.Floor(ri.yVert)
					disc := 1.0
					if fr > 0.84 {
						disc = 0.75
					}
					D += p.bone * 0.6 * math.Sqrt(1-t*t) * disc * spineDim
				}
				// Trachea and main bronchi: air columns in the mediastinum.
				if y < p.carinaY+0.07 && math.Abs(x-p.tracheaX) < 0.09 {
					D -= 0.16 * rd.airway(x, y)
				}
				// Ribs: posterior arcs from the spine, anterior arcs fading
				// medially, both dimmed below the diaphragm.
				if ri.ribs && ad > 0.02 && ad < ri.ribEdge[s] {
					fade := rd.ribFade[i] * smoothstep((ri.ribEdge[s]-ad)*100)
					fade *= 0.3 + 0.7*smoothstep((rd.dia[s][i]-y)*(1/0.03)+0.5)
					D += p.bone * fade * rd.posterior.at(ri.yRib-rd.ribPost[i])
					if fa := rd.antFade[i]; fa > 0 {
						D += 0.5 * p.bone * fade * fa * rd.anterior.at(ri.yRib-rd.ribAnt[i])
					}
				}
				// Clavicles.
				if cy := rd.clavY[i]; !math.IsNaN(cy) {
					if e := math.Abs(y-cy) * rd.clavInvHW[i]; e < 1 {
						D += p.bone * 1.3 * math.Sqrt(1-e*e)
					}
				}
				// Humeral heads.
				for h := range p.humerus {
					if ri.hasHumerus[h] && x >= ri.humerus[h][0] && x <= ri.humerus[h][1] {
						if q := p.humerus[h].q(x, y); q < 1 {
							D += p.bone * 1.4 * math.Sqrt(1-q)
						}
					}
				}
				// Gastric bubble under the left hemidiaphragm, flat air-fluid level.
				if p.hasBubble && y < p.bubble.cy+0.35*p.bubble.b && y > p.bubble.cy-p.bubble.b {
					if q := p.bubble.q(x, y); q < 1 {
						D -= 0.22 * math.Sqrt(1-q)
					}
				}
			}
			mask[k] = class

			D += (p.noise*(0.5+0.8*D) + p.grain) * float64(gauss(splitmix64(pixelKey+uint64(k))))
			idx := int((D-p.lo)*lutScale + 0.5)
			if idx < 0 {
				idx = 0
			} else if idx >= len(rd.lut) {
				idx = len(rd.lut) - 1
			}
			img[k] = rd.lut[idx]
		}
	}
}

// lungPixel returns the attenuation change of a lung pixel (before its
// coverage weight): minus the air, plus vessels, texture and the findings
// that live in the lung. ad is the distance from the midline and yd the
// diaphragm under the pixel.
func (rd *renderer) lungPixel(ri *rowInfo, s, i, j, k int, ad, yd float64) float64 {
	p := rd.p
	f := &p.findings
	x, y := rd.xs[i], ri.y
	u := clamp01((ad - ri.med[s]) * ri.invWidth[s])
	// Air thickness across the lung: high medially (the lung wraps behind
	// the mediastinum), highest in the middle, falling to zero at the
	// chest wall; less just above the domes and at the apex.
	tau := math.Sqrt(1-u) * (0.7 + 0.9*u)
	tau *= (0.75 + 0.25*smoothstep((yd-y)*(1/0.06))) * ri.apex[s]
	air := p.air * tau
	vessel := float64(rd.vessels[k])
	markings := 1.0 // lung texture, absent in a pneumothorax
	extra := 0.0

	// Pleural effusion: fluid up to a meniscus rising toward the chest wall.
	if f.Effusion && f.EffusionSide.has(s) {
		g := &p.lungs[s]
		uc := clamp01((ad - g.M) / (g.L - g.M))
		level := g.yCP - f.EffusionHeight*(g.yCP-g.yTop) - p.effRise*uc*uc
		o := smoothstep((y - level) / p.effEdge)
		air *= 1 - 0.97*o
		vessel *= 1 - o
		extra += 0.03 * o
	}
	// Pneumothorax: air without lung markings lateral to the visceral
	// pleural line, which shows as a thin bright line.
	if f.Pneumothorax && f.PneumothoraxSide.has(s) {
		// Depth below the pleura: a soft minimum of the distances to the
		// chest wall and to the apex, which rounds the collapsed lung's top.
		a, b := ri.lat[s]-ad, y-p.lungs[s].yTop
		depth := 0.0
		if a > 0 && b > 0 {
			depth = a * b / math.Sqrt(a*a+b*b)
		}
		w := f.PneumothoraxWidth
		markings = smoothstep((depth - w) * float64(rd.n) / 3)
		vessel *= markings
		if depth < w {
			extra -= 0.15 * p.air
		} else {
			extra += 0.03 * p.air // the collapsed lung is a little denser
		}
		e := (depth - w) / fmax(0.6*rd.px, 0.0012)
		if e > -6 && e < 6 {
			extra += p.ptxLine * math.Exp(-0.5*e*e)
		}
	}
	// Consolidation: a lobulated, patchy opacity; the bronchi inside stay
	// air-filled and show dark (air bronchograms) where the vessels were.
	if f.Consolidation && f.ConsolidationSide.has(s) {
		cx, cy := x-f.ConsolidationX, y-f.ConsolidationY
		R := f.ConsolidationRadius
		if math.Abs(cx) < 1.6*R && math.Abs(cy) < 1.6*R {
			th := math.Atan2(cy, cx)
			l := &p.consLobes
			re := R * (1 + 0.22*math.Sin(2*th+l[0]) + 0.14*math.Sin(3*th+l[1]) + 0.08*math.Sin(5*th+l[2]))
			o := clamp01((1 - math.Sqrt(cx*cx+cy*cy)/re) * 2.5)
			o *= clamp01(0.35 + 0.9*float64(rd.patchy.at(&rd.cAxis[2], &rd.rAxis[2], i, j)))
			o *= p.consGain
			air *= 1 - o
			extra -= o * p.air * 0.5 * vessel
			vessel *= 1 - o
		}
	}
	// Hilar vessel shadows.
	hx, hy := x-p.hila[s][0], y-p.hila[s][1]
	if h2 := (hx*hx + hy*hy) / (p.hilumR * p.hilumR); h2 < 1 {
		extra += 0.3 * p.air * (1 - h2) * (1 - h2)
	}
	texture := 0.05 * (float64(atRow(&rd.cAxis[1], i, rd.fineRow)) - 0.5)
	return -air + p.vessel*vessel + markings*texture + extra
}

// airway returns the trachea and main bronchi's air column strength at (x, y).
func (rd *renderer) airway(x, y float64) float64 {
	p := rd.p
	hw := p.tracheaHalfW
	if y <= p.carinaY {
		e := math.Abs(x-p.tracheaX) / hw
		if e >= 1 {
			return 0
		}
		return math.Sqrt(1 - e*e)
	}
	// Main bronchi leave the carina about 40° from the vertical.
	best := 0.0
	for _, sg := range [2]float64{-1, 1} {
		ddx := (x - p.tracheaX) * sg
		ddy := y - p.carinaY
		along := ddx*0.64 + ddy*0.77
		across := math.Abs(-ddx*0.77 + ddy*0.64)
		if along > 0 && along < 0.07 && across < hw*0.8 {
			e := across / (hw * 0.8)
			best = fmax(best, math.Sqrt(1-e*e)*(1-along/0.07))
		}
	}
	return best
}
