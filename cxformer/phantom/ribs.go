package phantom

// ribPosterior is the offset of a posterior rib's centre line at distance d
// from the midline: slightly rising from the spine, then curving down, most
// steeply at the lateral chest wall (lm is the mean lateral lung extent).
func (p *patient) ribPosterior(d, lm float64) float64 {
	q := d / lm
	q3 := q * q * q
	return -p.ribPost1*d + p.ribPost2*d*d + p.ribPost3*p.ribStep*q3*q3
}

// ribProfile tabulates the projected bone of the ribs over one rib period:
// rib k occupies phases [k, k+width), flat-topped with brighter cortical
// edges, both edges softened over about a pixel; there are count ribs.
type ribProfile struct {
	count int
	v     []float32
}

func newRibProfile(width, periodPx float64, count int) ribProfile {
	// At least four entries per pixel of the period.
	v := make([]float32, max(256, int(4*periodPx)))
	for e := range v {
		fr := (float64(e) + 0.5) / float64(len(v))
		if fr >= width {
			continue
		}
		z := fr / width // 0..1 across the rib
		soft := clamp01(fmin(z, 1-z) * width * periodPx)
		c := 2*z - 1
		v[e] = float32(soft * (0.6 + 0.4*c*c*c*c))
	}
	return ribProfile{count, v}
}

// at returns the bone at rib phase ph.
func (r *ribProfile) at(ph float64) float64 {
	if ph < 0 || ph >= float64(r.count) {
		return 0
	}
	return float64(r.v[int((ph-float64(int(ph)))*float64(len(r.v)))])
}
