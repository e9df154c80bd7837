package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// pairwiseAUROC is the definition written out: the fraction of
// (positive, negative) pairs ordered correctly, ties counting one half.
func pairwiseAUROC(s []float64, y []bool) float64 {
	var good, pairs float64
	for i := range s {
		for j := range s {
			if y[i] && !y[j] {
				pairs++
				switch {
				case s[i] > s[j]:
					good++
				case s[i] == s[j]:
					good += 0.5
				}
			}
		}
	}
	return good / pairs
}

// trapezoidAUROC integrates ROCCurve with the trapezoid rule.
func trapezoidAUROC(t *testing.T, s []float64, y []bool) float64 {
	fpr, tpr, _, err := ROCCurve(s, y)
	if err != nil {
		t.Fatal(err)
	}
	var a float64
	for k := 1; k < len(fpr); k++ {
		a += (fpr[k] - fpr[k-1]) * (tpr[k] + tpr[k-1]) / 2
	}
	return a
}

func randomBinary(r *rand.Rand, n int, decimals float64) ([]float64, []bool) {
	s := make([]float64, n)
	y := make([]bool, n)
	for i := range s {
		y[i] = r.Float64() < 0.3
		v := r.NormFloat64()
		if y[i] {
			v += 0.7
		}
		s[i] = math.Round(v*decimals) / decimals
	}
	y[0], y[n-1] = true, false
	return s, y
}

func TestAUROCAgainstDefinitions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 3, 5, 17, 64, 101, 400} {
		for _, dec := range []float64{1, 10, 1e6} {
			s, y := randomBinary(r, n, dec)
			got, err := AUROC(s, y)
			if err != nil {
				t.Fatal(err)
			}
			if want := pairwiseAUROC(s, y); math.Abs(got-want) > 1e-12 {
				t.Errorf("n=%d dec=%g: AUROC %v, pairwise %v", n, dec, got, want)
			}
			if tr := trapezoidAUROC(t, s, y); math.Abs(got-tr) > 1e-12 {
				t.Errorf("n=%d dec=%g: AUROC %v, trapezoid of ROCCurve %v", n, dec, got, tr)
			}
			neg := make([]float64, n)
			for i := range s {
				neg[i] = -s[i]
			}
			if inv, _ := AUROC(neg, y); math.Abs(inv-(1-got)) > 1e-12 {
				t.Errorf("n=%d: AUROC(-s) = %v, want 1-%v", n, inv, got)
			}
		}
	}
}

func TestAveragePrecisionProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s, y := randomBinary(r, 200, 1e6) // no ties: AP is the mean precision at each positive
	ap, err := AveragePrecision(s, y)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	pos := 0
	for i := range s {
		if !y[i] {
			continue
		}
		pos++
		above, abovePos := 0, 0
		for j := range s {
			if s[j] >= s[i] {
				above++
				if y[j] {
					abovePos++
				}
			}
		}
		want += float64(abovePos) / float64(above)
	}
	want /= float64(pos)
	if math.Abs(ap-want) > 1e-12 {
		t.Errorf("AP %v, mean precision at positives %v", ap, want)
	}
	// All scores tied: one step with precision = prevalence.
	tied := make([]float64, len(y))
	ap, _ = AveragePrecision(tied, y)
	if math.Abs(ap-float64(pos)/float64(len(y))) > 1e-15 {
		t.Errorf("AP of tied scores %v, want prevalence %v", ap, float64(pos)/float64(len(y)))
	}
}

func TestBinaryErrors(t *testing.T) {
	_, err := AUROC([]float64{1, 2, 3}, []bool{true, true, true})
	if !errors.Is(err, ErrUndefined) || !strings.Contains(err.Error(), "only one class present") {
		t.Errorf("constant labels: %v", err)
	}
	if _, _, _, err := ROCCurve([]float64{1, 2}, []bool{false, false}); !errors.Is(err, ErrUndefined) {
		t.Errorf("ROCCurve of constant labels: %v", err)
	}
	if _, err := AUROC([]float64{1, 2}, []bool{true}); err == nil || errors.Is(err, ErrUndefined) {
		t.Errorf("length mismatch: %v", err)
	}
	if _, err := AveragePrecision([]float64{1, math.NaN()}, []bool{true, false}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN score: %v", err)
	}
	if _, err := AUROC(nil, nil); !errors.Is(err, ErrUndefined) {
		t.Errorf("empty input: %v", err)
	}
}

func TestMultiLabelIgnoresNaNAndValidates(t *testing.T) {
	nan := math.NaN()
	scores := [][]float64{{0.9, 0.1}, {0.2, 0.8}, {0.7, 0.3}, {0.4, 0.6}, {0.5, 0.5}}
	labels := [][]float64{{1, 0}, {0, 1}, {1, nan}, {0, nan}, {nan, 1}}
	rep, err := MultiLabel(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	want0, _ := AUROC([]float64{0.9, 0.2, 0.7, 0.4}, []bool{true, false, true, false})
	want1, _ := AUROC([]float64{0.1, 0.8, 0.5}, []bool{false, true, true})
	if rep.PerClass[0].AUROC != want0 || rep.PerClass[1].AUROC != want1 {
		t.Errorf("per class %v %v, want %v %v", rep.PerClass[0].AUROC, rep.PerClass[1].AUROC, want0, want1)
	}
	if rep.PerClass[1].Positives != 2 || rep.PerClass[1].Negatives != 1 {
		t.Errorf("class 1 counts %+v", rep.PerClass[1])
	}
	if math.Abs(rep.MacroAUROC-(want0+want1)/2) > 1e-15 {
		t.Errorf("macro %v", rep.MacroAUROC)
	}
	if _, err := MultiLabel(scores, [][]float64{{1, 0}}); err == nil {
		t.Error("row count mismatch accepted")
	}
	bad := [][]float64{{1, 0}, {0, 1}, {2, 0}, {0, 1}, {1, 0}}
	if _, err := MultiLabel(scores, bad); err == nil || !strings.Contains(err.Error(), "label [2][0]") {
		t.Errorf("label 2 accepted: %v", err)
	}
	ragged := [][]float64{{0.9}, {0.2, 0.8}, {0.7, 0.3}, {0.4, 0.6}, {0.5, 0.5}}
	if _, err := MultiLabel(ragged, labels); err == nil {
		t.Error("ragged scores accepted")
	}
	allNeg := [][]float64{{0, 0}, {0, 0}, {0, nan}, {0, 0}, {nan, 0}}
	if _, err := MultiLabel(scores, allNeg); !errors.Is(err, ErrUndefined) {
		t.Errorf("no defined class: %v", err)
	}
}

func TestBootstrapResamplesAndSkips(t *testing.T) {
	// The mean of n standard normals: the CI should be about ±1.96/√n.
	r := rand.New(rand.NewPCG(5, 6))
	n := 400
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	mean := func(idx []int) (float64, error) {
		var s float64
		for _, i := range idx {
			if i < 0 || i >= n {
				t.Fatalf("index %d out of range", i)
			}
			s += x[i]
		}
		return s / float64(len(idx)), nil
	}
	ci, err := Bootstrap(n, 500, 7, mean)
	if err != nil {
		t.Fatal(err)
	}
	half := (ci.Hi - ci.Lo) / 2
	if ci.Used != 500 || ci.Skipped != 0 || !(ci.Lo < ci.Median && ci.Median < ci.Hi) {
		t.Errorf("CI %+v", ci)
	}
	if want := 1.96 / math.Sqrt(float64(n)); math.Abs(half-want) > 0.25*want {
		t.Errorf("half width %v, want about %v", half, want)
	}
	again, _ := Bootstrap(n, 500, 7, mean)
	other, _ := Bootstrap(n, 500, 8, mean)
	if again != ci || other == ci {
		t.Errorf("seed dependence: same %v/%v, other %v", ci, again, other)
	}

	// AUROC with a single positive among 20: about (19/20)^20 ≈ 36% of
	// resamples miss it and must be skipped.
	s, y := make([]float64, 20), make([]bool, 20)
	for i := range s {
		s[i] = float64(i)
	}
	y[19] = true
	sub := func(idx []int) (float64, error) {
		ss, yy := make([]float64, len(idx)), make([]bool, len(idx))
		for k, i := range idx {
			ss[k], yy[k] = s[i], y[i]
		}
		return AUROC(ss, yy)
	}
	ci, err = Bootstrap(20, 500, 1, sub)
	if err != nil {
		t.Fatal(err)
	}
	if ci.Used+ci.Skipped != 500 || ci.Skipped < 130 || ci.Skipped > 230 || ci.Median != 1 {
		t.Errorf("single-positive bootstrap %+v", ci)
	}

	boom := errors.New("boom")
	if _, err := Bootstrap(10, 5, 1, func([]int) (float64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("metric error not returned: %v", err)
	}
	undefined := func([]int) (float64, error) { return 0, ErrUndefined }
	if ci, err := Bootstrap(10, 5, 1, undefined); !errors.Is(err, ErrUndefined) || ci.Skipped != 5 {
		t.Errorf("all undefined: %+v %v", ci, err)
	}
	if _, err := Bootstrap(0, 5, 1, mean); err == nil {
		t.Error("n = 0 accepted")
	}
}

func TestBootstrapMultiLabelUsesBootstrapResamples(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	n, c := 60, 3
	scores := make([][]float64, n)
	labels := make([][]float64, n)
	for i := range scores {
		scores[i] = make([]float64, c)
		labels[i] = make([]float64, c)
		for j := range scores[i] {
			if r.Float64() < []float64{0.5, 0.3, 0.04}[j] {
				labels[i][j] = 1
			}
			scores[i][j] = r.Float64() + 0.5*labels[i][j]
		}
	}
	labels[0][2] = 1 // the rare class 2 has at least one positive
	got, err := BootstrapMultiLabel(scores, labels, 200, 42)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < c; j++ {
		col := func(idx []int) (float64, error) {
			s, y := make([]float64, len(idx)), make([]bool, len(idx))
			for k, i := range idx {
				s[k], y[k] = scores[i][j], labels[i][j] == 1
			}
			return AUROC(s, y)
		}
		want, err := Bootstrap(n, 200, 42, col)
		if err != nil {
			t.Fatal(err)
		}
		if got.PerClass[j].AUROC != want {
			t.Errorf("class %d: %+v, Bootstrap %+v", j, got.PerClass[j].AUROC, want)
		}
	}
	// The macro is skipped whenever the rare class is.
	if got.MacroAUROC.Skipped < got.PerClass[2].AUROC.Skipped || got.MacroAUROC.Skipped == 0 {
		t.Errorf("macro skipped %d, rare class skipped %d", got.MacroAUROC.Skipped, got.PerClass[2].AUROC.Skipped)
	}
	if got.MacroAUROC.Used+got.MacroAUROC.Skipped != 200 {
		t.Errorf("macro %+v", got.MacroAUROC)
	}
}

func TestDice(t *testing.T) {
	pred := []uint8{0, 1, 1, 2, 3, 3, 0, 0}
	truth := []uint8{0, 1, 2, 2, 3, 0, 0, 1}
	d := DiceDataset(pred, truth, 5)
	want := []float64{2 * 2.0 / 6, 2 * 1.0 / 4, 2 * 1.0 / 3, 2 * 1.0 / 3, 1}
	for c := range want {
		if math.Abs(d[c]-want[c]) > 1e-15 {
			t.Errorf("Dice[%d] = %v, want %v", c, d[c], want[c])
		}
	}
	if m := MeanForeground(d); math.Abs(m-(want[1]+want[2]+want[3]+want[4])/4) > 1e-15 {
		t.Errorf("MeanForeground %v", m)
	}
	// Dataset level: counts of two halves add up to the counts of the whole.
	s := CountDice(pred[:3], truth[:3], 5)
	s.Add(CountDice(pred[3:], truth[3:], 5))
	for c, v := range s.Dice() {
		if v != d[c] {
			t.Errorf("split Dice[%d] %v, whole %v", c, v, d[c])
		}
	}
	// Lungs as one structure: pred {1,1,2} vs truth {1,2,2,1}: inter 3.
	if u := DiceUnion(pred, truth, 1, 2); math.Abs(u-2*3.0/7) > 1e-15 {
		t.Errorf("DiceUnion %v", u)
	}
	mustPanic(t, "length", func() { DiceDataset(pred, truth[:3], 4) })
	mustPanic(t, "class", func() { DiceDataset(pred, truth, 3) })
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}
