package phantom

import (
	"math"
	"math/rand/v2"
)

// drawVessels grows the pulmonary vessel trees: from each hilum, primary
// branches fan out over the lung (upward for the upper lobe, laterally,
// downward for the lower lobe) and fork three times, each generation
// thinner, fainter and shorter, so that the markings fade toward the
// periphery. Branches stop where they leave the lung outline.
func (p *patient) drawVessels(r *rand.Rand) {
	for s := range p.lungs {
		g := &p.lungs[s]
		sg := sideSign(s)
		hy := g.yTop + uniform(r, 0.3, 0.4)*(g.yCP-g.yTop)
		hd := g.medial(hy) + uniform(r, 0.01, 0.03)
		p.hila[s] = [2]float64{p.midX + sg*hd, hy}
		n := 9 + r.IntN(4)
		for i := 0; i < n; i++ {
			frac := (float64(i) + uniform(r, 0.2, 0.8)) / float64(n)
			psi := (-80 + 165*frac) * math.Pi / 180 // −80° up ... +85° down
			// Lower-zone vessels are larger in an upright patient.
			radius := uniform(r, 0.0045, 0.0065) * (1 + 0.3*frac)
			length := uniform(r, 0.06, 0.1)
			p.branch(r, s, sg, p.midX+sg*hd, hy, psi, length, radius, 1, 0)
		}
	}
}

func (p *patient) branch(r *rand.Rand, s int, sg, x, y, psi, length, radius, weight float64, depth int) {
	steps := 3
	if depth >= 2 {
		steps = 1 // short peripheral branches need no bends
	}
	g := &p.lungs[s]
	for k := 0; k < steps; k++ {
		psi += r.NormFloat64() * 0.12
		x1 := x + sg*math.Cos(psi)*length/float64(steps)
		y1 := y + math.Sin(psi)*length/float64(steps)
		rad := radius * (1 - 0.08*float64(k))
		p.vessels = append(p.vessels, segment{x, y, x1, y1, rad, weight})
		x, y = x1, y1
		if !g.inside((x-p.midX)*sg, y) {
			return
		}
	}
	if depth == 4 {
		return
	}
	spread := uniform(r, 0.25, 0.55)
	bias := uniform(r, -0.15, 0.15)
	for _, turn := range []float64{-spread + bias, spread + bias} {
		p.branch(r, s, sg, x, y, psi+turn, length*uniform(r, 0.6, 0.78), radius*0.7, weight*0.8, depth+1)
	}
}

// drawVessels rasterises the vessel segments: each pixel near a segment
// takes the projected thickness of a cylinder of the segment's radius,
// √(1 − (dist/r)²); radii below 0.6 px are widened to 0.6 px with their
// weight lowered in proportion, which keeps thin peripheral vessels faint
// instead of aliased. Overlaps keep the maximum.
func (rd *renderer) drawVessels() {
	n := rd.n
	fn := float64(n)
	rd.vessels = getScratch(n * n)
	for _, sg := range rd.p.vessels {
		x0, y0, x1, y1 := sg.x0*fn-0.5, sg.y0*fn-0.5, sg.x1*fn-0.5, sg.y1*fn-0.5
		r := sg.r * fn
		w := sg.w
		if r < 0.6 {
			w *= r / 0.6
			r = 0.6
		}
		ia := max(int(math.Floor(fmin(x0, x1)-r)), 0)
		ib := min(int(math.Ceil(fmax(x0, x1)+r)), n-1)
		ja := max(int(math.Floor(fmin(y0, y1)-r)), 0)
		jb := min(int(math.Ceil(fmax(y0, y1)+r)), n-1)
		ex, ey := x1-x0, y1-y0
		il2 := 0.0
		if l2 := ex*ex + ey*ey; l2 > 0 {
			il2 = 1 / l2
		}
		ir2 := 1 / (r * r)
		for j := ja; j <= jb; j++ {
			row := rd.vessels[j*n : (j+1)*n]
			dy := float64(j) - y0
			for i := ia; i <= ib; i++ {
				dx := float64(i) - x0
				t := clamp01((dx*ex + dy*ey) * il2)
				qx, qy := dx-t*ex, dy-t*ey
				d2 := (qx*qx + qy*qy) * ir2
				if d2 >= 1 {
					continue
				}
				if v := float32(w * math.Sqrt(1-d2)); v > row[i] {
					row[i] = v
				}
			}
		}
	}
}
