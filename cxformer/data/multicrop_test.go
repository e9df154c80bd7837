package data

import (
	"math"
	"slices"
	"testing"
)

// synthGray is a deterministic test image with structure in both directions.
func synthGray(w, h int, seed uint64) *Gray {
	g := NewGray(w, h)
	r := NewRNG(seed, 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 30 + 150*float64(x)/float64(w) + 50*math.Sin(float64(y)/7) + 20*r.Float64()
			if (x/16+y/16)%5 == 0 {
				v += 40
			}
			g.Pix[y*w+x] = uint8(min(max(v, 0), 255))
		}
	}
	return g
}

func smallMultiCrop(t testing.TB) *MultiCrop {
	c := CXformerMultiCrop()
	c.GlobalSize, c.LocalSize, c.NumLocal = 56, 28, 4
	m, err := NewMultiCrop(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMultiCropDeterministic(t *testing.T) {
	m := smallMultiCrop(t)
	img := synthGray(90, 70, 3)
	a, err := m.Apply(img, SampleKey{Seed: 5, Epoch: 2, Index: 11})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Apply(img, SampleKey{Seed: 5, Epoch: 2, Index: 11})
	for c := range a.Global {
		if !slices.Equal(a.Global[c], b.Global[c]) {
			t.Fatalf("global crop %d differs between identical keys", c)
		}
	}
	for c := range a.Local {
		if !slices.Equal(a.Local[c], b.Local[c]) {
			t.Fatalf("local crop %d differs between identical keys", c)
		}
	}
	for _, k := range []SampleKey{{Seed: 5, Epoch: 3, Index: 11}, {Seed: 5, Epoch: 2, Index: 12}, {Seed: 6, Epoch: 2, Index: 11}} {
		o, _ := m.Apply(img, k)
		if slices.Equal(a.Global[0], o.Global[0]) && slices.Equal(a.Local[0], o.Local[0]) {
			t.Errorf("key %+v gives the same crops as the base key", k)
		}
	}
}

func TestMultiCropShapes(t *testing.T) {
	m := smallMultiCrop(t)
	v, err := m.Apply(synthGray(64, 80, 1), SampleKey{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Global) != 2 || len(v.Local) != 4 {
		t.Fatalf("%d global, %d local crops", len(v.Global), len(v.Local))
	}
	for _, g := range v.Global {
		if len(g) != 3*56*56 {
			t.Fatalf("global crop length %d", len(g))
		}
	}
	for _, l := range v.Local {
		if len(l) != 3*28*28 {
			t.Fatalf("local crop length %d", len(l))
		}
	}
	// The three planes of a replicated gray image differ only through mean/std.
	n := 56 * 56
	for i := 0; i < n; i += 97 {
		r := v.Global[0][i]*ImageNetStd[0] + ImageNetMean[0]
		b := v.Global[0][2*n+i]*ImageNetStd[2] + ImageNetMean[2]
		if math.Abs(float64(r-b)) > 1e-5 {
			t.Fatalf("pixel %d: channels do not come from one gray value (%v vs %v)", i, r, b)
		}
	}
}

// rate counts how often f holds over plans for many keys.
func planRates(m *MultiCrop, n int, f func(ImagePlan) []bool) []float64 {
	var counts []int
	for i := range n {
		bs := f(m.Plan(640, 512, SampleKey{Seed: 99, Epoch: 0, Index: i}))
		if counts == nil {
			counts = make([]int, len(bs))
		}
		for j, b := range bs {
			if b {
				counts[j]++
			}
		}
	}
	out := make([]float64, len(counts))
	for j, c := range counts {
		out[j] = float64(c) / float64(n)
	}
	return out
}

func TestMultiCropProbabilities(t *testing.T) {
	m, _ := NewMultiCrop(CXformerMultiCrop())
	const n = 4000
	// Binomial standard deviation at p = 0.5, n = 4000 is 0.0079; bounds are ~4σ.
	check := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s rate %.4f, want %.2f ± %.3f", what, got, want, tol)
		}
	}
	r := planRates(m, n, func(p ImagePlan) []bool {
		return []bool{
			p.Global[0].Flip, p.Global[1].Flip, p.Local[3].Flip,
			p.Global[0].Jitter != nil, p.Local[0].Jitter != nil,
			p.Global[0].Grayscale, p.Local[7].Grayscale,
			p.Global[0].BlurSigma > 0, p.Global[1].BlurSigma > 0, p.Local[5].BlurSigma > 0,
			p.Global[1].Solarize, p.Global[0].Solarize, p.Local[2].Solarize,
			p.Global[0].Affine != nil, p.Global[1].Affine != nil, p.Local[1].Affine != nil,
		}
	})
	check("flip global 1", r[0], 0.5, 0.03)
	check("flip global 2", r[1], 0.5, 0.03)
	check("flip local", r[2], 0.5, 0.03)
	check("jitter global", r[3], 0.8, 0.025)
	check("jitter local", r[4], 0.8, 0.025)
	check("grayscale global", r[5], 0.2, 0.025)
	check("grayscale local", r[6], 0.2, 0.025)
	check("blur global 1", r[7], 0, 0)
	check("blur global 2", r[8], 0.9, 0.02)
	check("blur local", r[9], 0.5, 0.03)
	check("solarize global 2", r[10], 0.2, 0.025)
	check("solarize global 1", r[11], 0, 0)
	check("solarize local", r[12], 0, 0)
	check("affine global 1", r[13], 1, 0)
	check("affine global 2", r[14], 1, 0)
	check("affine local", r[15], 0, 0)

	nom, _ := NewMultiCrop(CXformerMultiCrop().WithNominalBlur())
	r = planRates(nom, n, func(p ImagePlan) []bool {
		return []bool{p.Global[0].BlurSigma > 0, p.Global[1].BlurSigma > 0}
	})
	check("nominal blur global 1", r[0], 1, 0)
	check("nominal blur global 2", r[1], 0.1, 0.02)
}

func TestMultiCropParameterRanges(t *testing.T) {
	cfg := CXformerMultiCrop()
	m, _ := NewMultiCrop(cfg)
	const w, h = 640, 512
	var gAreas, lAreas []float64
	for i := range 3000 {
		p := m.Plan(w, h, SampleKey{Seed: 3, Index: i})
		for _, cp := range append(slices.Clone(p.Global), p.Local...) {
			b := cp.Box
			if b.Top < 0 || b.Left < 0 || b.Top+b.H > h || b.Left+b.W > w {
				t.Fatalf("box %+v outside %dx%d", b, w, h)
			}
			area := float64(b.W*b.H) / float64(w*h)
			scale := cfg.LocalScale
			if cp.Global {
				scale = cfg.GlobalScale
				gAreas = append(gAreas, area)
			} else {
				lAreas = append(lAreas, area)
			}
			// Rounding w and h to integers moves the area by at most ~(w+h+1)/(w·h).
			slack := float64(b.W+b.H+1) / float64(w*h)
			if area < scale[0]-slack || area > scale[1]+slack {
				t.Fatalf("crop area fraction %.4f outside %v", area, scale)
			}
			ar := float64(b.W) / float64(b.H)
			arSlack := 1.0/float64(b.H) + ar/float64(b.H)
			if ar < cfg.Ratio[0]-arSlack || ar > cfg.Ratio[1]+arSlack {
				t.Fatalf("aspect %.3f outside %v (box %+v)", ar, cfg.Ratio, b)
			}
			if cp.BlurSigma != 0 && (cp.BlurSigma < 0.1 || cp.BlurSigma > 2) {
				t.Fatalf("σ %v outside [0.1, 2]", cp.BlurSigma)
			}
			if a := cp.Affine; a != nil {
				if math.Abs(a.Angle) > 20 || a.Scale < 0.8 || a.Scale > 1.2 ||
					math.Abs(float64(a.TX)) > 0.1*float64(cp.Size)+0.5 || math.Abs(float64(a.TY)) > 0.1*float64(cp.Size)+0.5 {
					t.Fatalf("affine %+v out of range", *a)
				}
			}
			if j := cp.Jitter; j != nil {
				if j.Brightness < 0.6 || j.Brightness > 1.4 || j.Contrast < 0.6 || j.Contrast > 1.4 {
					t.Fatalf("jitter %+v out of range", *j)
				}
			}
		}
	}
	// Accepted areas are U(scale) except where the box does not fit: the means must lie
	// inside the range, near its middle for the small local crops.
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	if lm := mean(lAreas); math.Abs(lm-0.185) > 0.01 {
		t.Errorf("mean local area fraction %.4f, want ≈ 0.185", lm)
	}
	if gm := mean(gAreas); gm < 0.5 || gm > 0.7 {
		t.Errorf("mean global area fraction %.4f, want ≈ 0.6", gm)
	}
}

func TestRandomResizedCropFallback(t *testing.T) {
	r := NewRNG(1, 1)
	// A 1000x10 strip cannot hold any crop with aspect in [3/4, 4/3] and area ≥ 32%: the
	// fallback is the largest centred crop with aspect 4/3.
	b := RandomResizedCropParams(r, 1000, 10, [2]float64{0.32, 1}, [2]float64{3.0 / 4, 4.0 / 3})
	if b != (CropBox{Top: 0, Left: (1000 - 13) / 2, H: 10, W: 13}) {
		t.Fatalf("fallback box %+v", b)
	}
	b = RandomResizedCropParams(r, 10, 1000, [2]float64{0.32, 1}, [2]float64{3.0 / 4, 4.0 / 3})
	if b != (CropBox{Top: (1000 - 13) / 2, Left: 0, H: 13, W: 10}) {
		t.Fatalf("fallback box %+v", b)
	}
}

func TestRenderFollowsPlan(t *testing.T) {
	m := smallMultiCrop(t)
	img := synthGray(80, 64, 7)
	base := CropPlan{Global: false, Size: 28, Origin: CropBox{H: 64, W: 80}, Box: CropBox{Top: 5, Left: 9, H: 40, W: 50}}
	plain := make([]float32, 3*28*28)
	if err := m.RenderCrop(img, base, plain); err != nil {
		t.Fatal(err)
	}
	flipped := make([]float32, 3*28*28)
	fp := base
	fp.Flip = true
	if err := m.RenderCrop(img, fp, flipped); err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		for y := range 28 {
			for x := range 28 {
				if plain[c*784+y*28+x] != flipped[c*784+y*28+27-x] {
					t.Fatalf("flip: channel %d (%d,%d) not mirrored", c, x, y)
				}
			}
		}
	}
	// Solarise maps every 8-bit value v ≥ 128 of the unsolarised crop to 255-v.
	sp := base
	sp.Solarize = true
	sol := make([]float32, 3*28*28)
	if err := m.RenderCrop(img, sp, sol); err != nil {
		t.Fatal(err)
	}
	for i := range 784 {
		v := int(math.Round(float64((plain[i]*ImageNetStd[0] + ImageNetMean[0]) * 255)))
		s := int(math.Round(float64((sol[i]*ImageNetStd[0] + ImageNetMean[0]) * 255)))
		want := v
		if v >= 128 {
			want = 255 - v
		}
		if s != want {
			t.Fatalf("solarize: pixel %d is %d, want %d", i, s, want)
		}
	}
	bad := base
	bad.Box.W = 200
	if err := m.RenderCrop(img, bad, plain); err == nil {
		t.Fatal("plan for a larger image rendered")
	}
}

func TestMultiCropConfigValidation(t *testing.T) {
	bad := []func(*MultiCropConfig){
		func(c *MultiCropConfig) { c.GlobalSize = 0 },
		func(c *MultiCropConfig) { c.LocalScale = [2]float64{0.5, 0.2} },
		func(c *MultiCropConfig) { c.BlurP[1] = 1.5 },
		func(c *MultiCropConfig) { c.BlurKernel = 8 },
		func(c *MultiCropConfig) {
			c.GlobalAffine = &AffineConfig{Degrees: 10, Translate: 2, Scale: [2]float64{1, 1}}
		},
	}
	for i, f := range bad {
		c := CXformerMultiCrop()
		f(&c)
		if _, err := NewMultiCrop(c); err == nil {
			t.Errorf("bad config %d accepted", i)
		}
	}
}

func TestNormalizeValues(t *testing.T) {
	g := &Gray{W: 256, H: 1, Pix: make([]uint8, 256)}
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	out := Normalize(g)
	for c := range 3 {
		for v := range 256 {
			want := (float64(v)/255 - float64(ImageNetMean[c])) / float64(ImageNetStd[c])
			if d := math.Abs(float64(out[c*256+v]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("channel %d value %d: %v, want %v", c, v, out[c*256+v], want)
			}
		}
	}
}

func TestClassifyTransforms(t *testing.T) {
	img := synthGray(120, 90, 4)
	aug := CXformerClassifyAug()
	aug.Size = 42
	a, err := aug.Apply(img, SampleKey{Seed: 1, Index: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := aug.Apply(img, SampleKey{Seed: 1, Index: 3})
	if len(a) != 3*42*42 || !slices.Equal(a, b) {
		t.Fatal("ClassifyAug not deterministic or wrong size")
	}
	jit, blur := 0, 0
	for i := range 2000 {
		p := aug.Plan(120, 90, SampleKey{Seed: 2, Index: i})
		if p.Jitter != nil {
			jit++
		}
		if p.BlurSigma > 0 {
			blur++
		}
		if p.Affine == nil || p.Solarize {
			t.Fatal("classification plan must always have affine and never solarise")
		}
	}
	if math.Abs(float64(jit)/2000-0.5) > 0.045 || math.Abs(float64(blur)/2000-0.5) > 0.045 {
		t.Errorf("jitter rate %v, blur rate %v, want 0.5", float64(jit)/2000, float64(blur)/2000)
	}
	ev := ClassifyEval(img, 64)
	if len(ev) != 3*64*64 {
		t.Fatalf("eval length %d", len(ev))
	}
	// Resize shorter side: 120x90 → 85x64 (int(64·120/90) = 85), centre crop 64.
	want := Normalize(CenterCrop(ResizeBicubic(img, 85, 64), 64))
	if !slices.Equal(ev, want) {
		t.Fatal("ClassifyEval differs from resize+crop+normalize")
	}
}

func TestSegmentEval(t *testing.T) {
	img := synthGray(60, 40, 2)
	mask := &LabelMap{W: 60, H: 40, Pix: make([]uint8, 60*40)}
	for y := 0; y < 40; y++ {
		for x := 30; x < 60; x++ {
			mask.Pix[y*60+x] = 2
		}
	}
	g, m, err := SegmentEval(img, mask, 20)
	if err != nil {
		t.Fatal(err)
	}
	if g.W != 20 || g.H != 20 || m.W != 20 || m.H != 20 {
		t.Fatalf("sizes %dx%d / %dx%d", g.W, g.H, m.W, m.H)
	}
	// 60x40 → 30x20, centre crop starts at column 5: source column floor((x+5)·2) ≥ 30 ⇔ x ≥ 10.
	for y := range 20 {
		for x := range 20 {
			want := uint8(0)
			if x >= 10 {
				want = 2
			}
			if m.Pix[y*20+x] != want {
				t.Fatalf("label (%d,%d) = %d, want %d", x, y, m.Pix[y*20+x], want)
			}
		}
	}
	if _, _, err := SegmentEval(img, &LabelMap{W: 3, H: 3, Pix: make([]uint8, 9)}, 20); err == nil {
		t.Fatal("mismatched mask accepted")
	}
}

func TestAffineIdentityAndFill(t *testing.T) {
	g := synthGray(31, 17, 9)
	expectSame(t, "identity affine", Affine(g, AffineParams{Scale: 1}), g)
	// A pure translation moves content and fills the uncovered band with 0.
	s := Affine(g, AffineParams{Scale: 1, TX: 4})
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			want := uint8(0)
			if x >= 4 {
				want = g.At(x-4, y)
			}
			if s.At(x, y) != want {
				t.Fatalf("translate: (%d,%d) = %d, want %d", x, y, s.At(x, y), want)
			}
		}
	}
}

// TestAffineFloatPath covers Pillow's double-precision loop, taken when source
// coordinates do not fit 16.16 fixed point: a pure translation must shift exactly.
func TestAffineFloatPath(t *testing.T) {
	g := &Gray{W: 33000, H: 3, Pix: make([]uint8, 33000*3)}
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	out := Affine(g, AffineParams{Scale: 1, TX: -3, TY: 1})
	for y := 0; y < 3; y++ {
		for x := 0; x < g.W; x += 997 {
			want := uint8(0)
			if sx, sy := x+3, y-1; sx < g.W && sy >= 0 {
				want = g.At(sx, sy)
			}
			if out.At(x, y) != want {
				t.Fatalf("(%d,%d) = %d, want %d", x, y, out.At(x, y), want)
			}
		}
	}
}
