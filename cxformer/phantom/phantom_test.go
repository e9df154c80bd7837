package phantom

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func mustGenerate(t testing.TB, seed uint64, index, size int, cfg Config) Sample {
	t.Helper()
	s, err := Generate(seed, index, size, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeterministicAndOrderIndependent(t *testing.T) {
	cfg := DefaultConfig()
	const seed, n, size = 42, 10, 64
	set, err := Dataset(seed, n, size, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Backwards, one at a time: the same bytes as the parallel set.
	for i := n - 1; i >= 0; i-- {
		s := mustGenerate(t, seed, i, size, cfg)
		if !bytes.Equal(s.Image, set[i].Image) || !bytes.Equal(s.Mask, set[i].Mask) || s.Findings != set[i].Findings {
			t.Fatalf("sample %d differs between Dataset and Generate", i)
		}
	}
	if bytes.Equal(set[0].Image, set[1].Image) {
		t.Error("samples 0 and 1 are identical")
	}
	other := mustGenerate(t, seed+1, 0, size, cfg)
	if bytes.Equal(other.Image, set[0].Image) {
		t.Error("seed does not change the sample")
	}
	// The patient does not depend on the size.
	big := mustGenerate(t, seed, 3, 3*size+1, cfg)
	if big.Findings != set[3].Findings || big.Anatomy != set[3].Anatomy {
		t.Errorf("sample 3 differs between sizes:\n%+v\n%+v", big.Findings, set[3].Findings)
	}
}

// measure returns the horizontal extent in pixels of the pixels whose class
// is in classes, or 0 if there are none.
func extent(s Sample, classes ...uint8) (lo, hi int) {
	lo, hi = s.Size, -1
	for k, c := range s.Mask {
		for _, want := range classes {
			if c == want {
				x := k % s.Size
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	return lo, hi
}

func TestCardiothoracicRatioFromMasks(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Prevalence[Cardiomegaly] = 0.5
	const size = 256
	set, err := Dataset(7, 40, size, cfg)
	if err != nil {
		t.Fatal(err)
	}
	seen := [2]int{}
	for i, s := range set {
		a, f := s.Anatomy, s.Findings
		if got := a.HeartWidth / a.ThoracicWidth; math.Abs(got-f.CTR) > 1e-12 {
			t.Errorf("sample %d: geometry CTR %v, drawn %v", i, got, f.CTR)
		}
		if f.Cardiomegaly != (f.CTR > 0.5) || s.Labels[Cardiomegaly] != f.Cardiomegaly {
			t.Errorf("sample %d: CTR %v but label %v", i, f.CTR, s.Labels[Cardiomegaly])
		}
		h0, h1 := extent(s, ClassHeart)
		l0, l1 := extent(s, ClassLeftLung, ClassRightLung)
		heart, thorax := float64(h1-h0+1), float64(l1-l0+1)
		measured := heart / thorax
		// Rasterising each border moves it by at most about a pixel.
		tol := 2.5 / thorax
		if math.Abs(measured-f.CTR) > tol {
			t.Errorf("sample %d: CTR from masks %.4f (heart %v px, thorax %v px), drawn %.4f", i, measured, heart, thorax, f.CTR)
		}
		if math.Abs(f.CTR-0.5) > tol && (measured > 0.5) != s.Labels[Cardiomegaly] {
			t.Errorf("sample %d: CTR from masks %.4f contradicts label %v", i, measured, s.Labels[Cardiomegaly])
		}
		// The mask widths agree with the reported geometry.
		if math.Abs(thorax-a.ThoracicWidth*size) > 1.5 || math.Abs(heart-a.HeartWidth*size) > 1.5 {
			t.Errorf("sample %d: widths %v/%v px, geometry %v/%v", i, heart, thorax, a.HeartWidth*size, a.ThoracicWidth*size)
		}
		if f.Cardiomegaly {
			seen[1]++
		} else {
			seen[0]++
		}
	}
	if seen[0] == 0 || seen[1] == 0 {
		t.Errorf("only one class of cardiomegaly drawn: %v", seen)
	}
}

func TestMasksAnatomical(t *testing.T) {
	cfg := DefaultConfig()
	const size = 96
	for i := 0; i < 20; i++ {
		s := mustGenerate(t, 3, i, size, cfg)
		p := newPatient(3, i, cfg)
		var count [NumClasses]int
		var sumX [NumClasses]float64
		for k, c := range s.Mask {
			if c >= NumClasses {
				t.Fatalf("sample %d: class %d", i, c)
			}
			x := (float64(k%size) + 0.5) / size
			y := (float64(k/size) + 0.5) / size
			count[c]++
			sumX[c] += x
			if c != ClassBackground && math.Abs(x-p.midX) >= p.bodyHalfWidth(y) {
				t.Fatalf("sample %d: class %d pixel at (%.3f, %.3f) outside the body", i, c, x, y)
			}
		}
		for c := 1; c < NumClasses; c++ {
			if count[c] < size*size/100 {
				t.Errorf("sample %d: class %d has %d pixels", i, c, count[c])
			}
		}
		mid := s.Anatomy.MidlineX
		// Radiographic convention: the patient's left is on the image's right.
		if sumX[ClassLeftLung]/float64(count[ClassLeftLung]) <= mid ||
			sumX[ClassRightLung]/float64(count[ClassRightLung]) >= mid ||
			sumX[ClassHeart]/float64(count[ClassHeart]) <= mid {
			t.Errorf("sample %d: lungs or heart on the wrong side of the midline", i)
		}
		// Lungs are dark and the heart bright.
		var mean [NumClasses]float64
		for k, c := range s.Mask {
			mean[c] += float64(s.Image[k])
		}
		for c := range mean {
			mean[c] /= float64(count[c])
		}
		if !(mean[ClassLeftLung] < mean[ClassHeart]-20 && mean[ClassRightLung] < mean[ClassHeart]-20) {
			t.Errorf("sample %d: mean intensity lungs %.0f/%.0f, heart %.0f", i, mean[1], mean[2], mean[3])
		}
	}
}

func TestPrevalence(t *testing.T) {
	cfg := Config{Prevalence: [NumFindings]float64{0.3, 0.1, 0.5, 0.9, 0.3}}
	const n = 2000
	set, err := Dataset(11, n, 64, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var count [NumFindings]int
	both := 0
	for _, s := range set {
		for k, v := range s.Labels {
			if v {
				count[k]++
			}
		}
		if s.Labels[Cardiomegaly] && s.Labels[Nodule] {
			both++
		}
		if s.Labels != s.Findings.Labels() {
			t.Fatal("Labels and Findings disagree")
		}
	}
	for k, p := range cfg.Prevalence {
		sd := math.Sqrt(p * (1 - p) / n)
		if got := float64(count[k]) / n; math.Abs(got-p) > 4*sd {
			t.Errorf("%s: prevalence %.3f, want %.2f ± %.3f", FindingNames[k], got, p, 4*sd)
		}
	}
	// Independent findings: P(cardiomegaly and nodule) ≈ 0.09.
	if got, sd := float64(both)/n, math.Sqrt(0.09*0.91/n); math.Abs(got-0.09) > 4*sd {
		t.Errorf("joint prevalence %.3f, want 0.09 ± %.3f", got, 4*sd)
	}
	none := Config{}
	for i := 0; i < 20; i++ {
		if s := mustGenerate(t, 11, i, 32, none); s.Labels != [NumFindings]bool{} {
			t.Fatalf("zero Config drew findings %v", s.Labels)
		}
	}
}

// dilate grows a pixel map by r pixels (a square neighbourhood).
func dilate(m []bool, size, r int) []bool {
	out := make([]bool, len(m))
	for k, v := range m {
		if !v {
			continue
		}
		x, y := k%size, k/size
		for yy := max(y-r, 0); yy <= min(y+r, size-1); yy++ {
			for xx := max(x-r, 0); xx <= min(x+r, size-1); xx++ {
				out[yy*size+xx] = true
			}
		}
	}
	return out
}

// TestFindingsChangeTheirRegion draws each patient with and without one
// finding (the other random draws are shared, so nothing else moves): the
// pictures must agree outside the finding's region and differ clearly
// inside it.
func TestFindingsChangeTheirRegion(t *testing.T) {
	const size = 128
	px := 1.0 / size
	for k := 0; k < NumFindings; k++ {
		on, off := Config{}, Config{}
		on.Prevalence[k] = 1
		for i := 0; i < 8; i++ {
			a := mustGenerate(t, 5, i, size, on)
			b := mustGenerate(t, 5, i, size, off)
			p := newPatient(5, i, on)
			f := a.Findings
			if !a.Labels[k] || b.Labels != [NumFindings]bool{} {
				t.Fatalf("%s: labels %v / %v", FindingNames[k], a.Labels, b.Labels)
			}
			// allowed: where the finding may change pixels (its region
			// dilated by 2 px for soft edges); core: where it must.
			allowed := make([]bool, size*size)
			core := make([]bool, size*size)
			side := [NumFindings]Side{Effusion: f.EffusionSide, Consolidation: f.ConsolidationSide,
				Pneumothorax: f.PneumothoraxSide, Nodule: f.NoduleSide}[k]
			for k2 := range allowed {
				x := (float64(k2%size) + 0.5) * px
				y := (float64(k2/size) + 0.5) * px
				s := 0
				if x >= p.midX {
					s = 1
				}
				g := &p.lungs[s]
				d := math.Abs(x - p.midX)
				inSideLung := side.has(s) && (a.Mask[k2] == ClassLeftLung || a.Mask[k2] == ClassRightLung)
				switch k {
				case Cardiomegaly:
					allowed[k2] = a.Mask[k2] != b.Mask[k2] || a.Mask[k2] == ClassHeart || b.Mask[k2] == ClassHeart
					core[k2] = a.Mask[k2] == ClassHeart && b.Mask[k2] != ClassHeart
				case Effusion, Pneumothorax:
					allowed[k2] = side.has(s) && g.inside(d, y) // the lung outline, heart included
					if k == Effusion {
						core[k2] = inSideLung && y > g.yCP-f.EffusionHeight*(g.yCP-g.yTop)+0.03
					} else {
						w := f.PneumothoraxWidth
						core[k2] = inSideLung && y > g.yTop+w && g.lateral(y)-d < 0.5*w
					}
				case Consolidation:
					R := 1.6 * f.ConsolidationRadius
					allowed[k2] = math.Abs(x-f.ConsolidationX) < R && math.Abs(y-f.ConsolidationY) < R
					core[k2] = inSideLung && math.Hypot(x-f.ConsolidationX, y-f.ConsolidationY) < 0.3*f.ConsolidationRadius
				case Nodule:
					allowed[k2] = math.Hypot(x-f.NoduleX, y-f.NoduleY) < f.NoduleRadius
					core[k2] = inSideLung && math.Hypot(x-f.NoduleX, y-f.NoduleY) < 0.6*f.NoduleRadius
				}
			}
			allowed = dilate(allowed, size, 2)
			sign, minDiff := 1.0, 15.0
			if k == Pneumothorax {
				sign, minDiff = -1, 8 // darker
			}
			var sum float64
			var inCore int
			for k2 := range a.Image {
				d := float64(a.Image[k2]) - float64(b.Image[k2])
				if d != 0 && !allowed[k2] {
					t.Fatalf("%s, sample %d: pixel (%d, %d) changed by %v outside the finding",
						FindingNames[k], i, k2%size, k2/size, d)
				}
				if core[k2] {
					sum += d
					inCore++
				}
			}
			if inCore == 0 {
				if k == Nodule && f.NoduleRadius*0.6 < 1.5*px {
					continue // too small to hold a core pixel at this size
				}
				t.Errorf("%s, sample %d: empty core region (%+v)", FindingNames[k], i, f)
				continue
			}
			if mean := sign * sum / float64(inCore); mean < minDiff {
				t.Errorf("%s, sample %d: mean change %+.1f over %d core pixels, want at least %v in size",
					FindingNames[k], i, sign*mean, inCore, minDiff)
			}
		}
	}
}

func TestArgumentErrors(t *testing.T) {
	if _, err := Generate(1, 0, MinSize-1, DefaultConfig()); err == nil {
		t.Error("size below MinSize accepted")
	}
	bad := DefaultConfig()
	bad.Prevalence[Nodule] = 1.5
	if _, err := Generate(1, 0, 64, bad); err == nil {
		t.Error("prevalence 1.5 accepted")
	}
	bad.Prevalence[Nodule] = math.NaN()
	if _, err := Dataset(1, 3, 64, bad); err == nil {
		t.Error("NaN prevalence accepted")
	}
	if _, err := Dataset(1, -1, 64, DefaultConfig()); err == nil {
		t.Error("negative count accepted")
	}
	if set, err := Dataset(1, 0, 64, DefaultConfig()); err != nil || len(set) != 0 {
		t.Errorf("empty data set: %v %v", len(set), err)
	}
}

func TestWritePNGRoundTrip(t *testing.T) {
	s := mustGenerate(t, 1, 2, 40, DefaultConfig())
	path := filepath.Join(t.TempDir(), "x.png")
	if err := WritePNG(path, s); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < s.Size; y++ {
		for x := 0; x < s.Size; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			if uint8(r>>8) != s.Image[y*s.Size+x] {
				t.Fatalf("pixel (%d, %d) = %d, want %d", x, y, r>>8, s.Image[y*s.Size+x])
			}
		}
	}
	sheet := filepath.Join(t.TempDir(), "sheet.png")
	if err := WriteContactSheet(sheet, []Sample{s, s, s}, 2, true); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(path, Sample{Size: 3}); err == nil {
		t.Error("empty sample written")
	}
}
