package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures are written by testdata/metrics/make_fixtures.py with
// scikit-learn; null stands for "scikit-learn raises or warns" (undefined).
type sklearnFixtures struct {
	SklearnVersion string `json:"sklearn_version"`
	Cases          []struct {
		Name       string    `json:"name"`
		Scores     []float64 `json:"scores"`
		Labels     []int     `json:"labels"`
		AUROC      *float64  `json:"auroc"`
		AP         *float64  `json:"ap"`
		FPR        []float64 `json:"fpr"`
		TPR        []float64 `json:"tpr"`
		Thresholds []float64 `json:"thresholds"`
	} `json:"cases"`
	MultiLabel struct {
		Scores   [][]float64  `json:"scores"`
		Labels   [][]*float64 `json:"labels"`
		PerClass []*struct {
			AUROC float64 `json:"auroc"`
			AP    float64 `json:"ap"`
		} `json:"per_class"`
		MacroAUROC float64 `json:"macro_auroc"`
		MacroAP    float64 `json:"macro_ap"`
	} `json:"multilabel"`
	Percentile struct {
		Values   []float64 `json:"values"`
		P        []float64 `json:"p"`
		Expected []float64 `json:"expected"`
	} `json:"percentile"`
	Dice struct {
		Pred     []uint8   `json:"pred"`
		Truth    []uint8   `json:"truth"`
		Classes  int       `json:"classes"`
		Expected []float64 `json:"expected"`
	} `json:"dice"`
}

const fixtureTol = 1e-12

func loadFixtures(t *testing.T) *sklearnFixtures {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "metrics", "sklearn_fixtures.json"))
	if err != nil {
		t.Fatalf("reading fixtures: %v", err)
	}
	var fx sklearnFixtures
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatalf("parsing fixtures: %v", err)
	}
	if len(fx.Cases) == 0 {
		t.Fatal("fixtures hold no cases")
	}
	return &fx
}

func boolLabels(l []int) []bool {
	b := make([]bool, len(l))
	for i, v := range l {
		b[i] = v == 1
	}
	return b
}

func near(a, b float64) bool { return math.Abs(a-b) <= fixtureTol }

func TestBinaryMetricsMatchSklearn(t *testing.T) {
	fx := loadFixtures(t)
	curves := 0
	for _, c := range fx.Cases {
		labels := boolLabels(c.Labels)
		auc, err := AUROC(c.Scores, labels)
		switch {
		case c.AUROC == nil:
			if !errors.Is(err, ErrUndefined) {
				t.Errorf("%s: AUROC = %v, %v; want ErrUndefined", c.Name, auc, err)
			}
		case err != nil:
			t.Errorf("%s: AUROC: %v", c.Name, err)
		case !near(auc, *c.AUROC):
			t.Errorf("%s: AUROC = %.17g, sklearn %.17g", c.Name, auc, *c.AUROC)
		}

		ap, err := AveragePrecision(c.Scores, labels)
		switch {
		case c.AP == nil:
			if !errors.Is(err, ErrUndefined) {
				t.Errorf("%s: AP = %v, %v; want ErrUndefined", c.Name, ap, err)
			}
		case err != nil:
			t.Errorf("%s: AP: %v", c.Name, err)
		case !near(ap, *c.AP):
			t.Errorf("%s: AP = %.17g, sklearn %.17g", c.Name, ap, *c.AP)
		}

		if c.FPR == nil {
			continue
		}
		curves++
		fpr, tpr, thr, err := ROCCurve(c.Scores, labels)
		if err != nil {
			t.Errorf("%s: ROCCurve: %v", c.Name, err)
			continue
		}
		if len(fpr) != len(c.FPR) || len(tpr) != len(c.TPR) || len(thr) != len(c.Thresholds) {
			t.Errorf("%s: ROCCurve has %d/%d/%d points, sklearn %d/%d/%d", c.Name,
				len(fpr), len(tpr), len(thr), len(c.FPR), len(c.TPR), len(c.Thresholds))
			continue
		}
		if !math.IsInf(thr[0], 1) {
			t.Errorf("%s: first threshold %v, want +Inf", c.Name, thr[0])
		}
		for k := range fpr {
			// sklearn < 1.3 puts max+1 first; later versions +Inf like ours.
			if k > 0 && thr[k] != c.Thresholds[k] {
				t.Errorf("%s: threshold[%d] = %v, sklearn %v", c.Name, k, thr[k], c.Thresholds[k])
			}
			if !near(fpr[k], c.FPR[k]) || !near(tpr[k], c.TPR[k]) {
				t.Errorf("%s: point %d = (%v, %v), sklearn (%v, %v)", c.Name, k, fpr[k], tpr[k], c.FPR[k], c.TPR[k])
			}
		}
	}
	if curves < 10 {
		t.Errorf("only %d cases carried a ROC curve", curves)
	}
}

func TestMultiLabelMatchesSklearn(t *testing.T) {
	ml := loadFixtures(t).MultiLabel
	labels := make([][]float64, len(ml.Labels))
	for i, row := range ml.Labels {
		labels[i] = make([]float64, len(row))
		for j, v := range row {
			if v == nil {
				labels[i][j] = math.NaN()
			} else {
				labels[i][j] = *v
			}
		}
	}
	rep, err := MultiLabel(ml.Scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.PerClass) != len(ml.PerClass) {
		t.Fatalf("%d classes, fixture %d", len(rep.PerClass), len(ml.PerClass))
	}
	defined := 0
	for j, want := range ml.PerClass {
		got := rep.PerClass[j]
		if want == nil {
			if got.Defined || !math.IsNaN(got.AUROC) {
				t.Errorf("class %d: %+v, want undefined", j, got)
			}
			continue
		}
		defined++
		if !got.Defined || !near(got.AUROC, want.AUROC) || !near(got.AUPRC, want.AP) {
			t.Errorf("class %d: AUROC %v AUPRC %v, sklearn %v %v", j, got.AUROC, got.AUPRC, want.AUROC, want.AP)
		}
	}
	if rep.Defined != defined || !near(rep.MacroAUROC, ml.MacroAUROC) || !near(rep.MacroAUPRC, ml.MacroAP) {
		t.Errorf("macro: %d classes %v %v, want %d %v %v", rep.Defined, rep.MacroAUROC, rep.MacroAUPRC,
			defined, ml.MacroAUROC, ml.MacroAP)
	}
}

func TestPercentileMatchesNumpy(t *testing.T) {
	p := loadFixtures(t).Percentile
	for k, q := range p.P {
		if got := Percentile(p.Values, q); !near(got, p.Expected[k]) {
			t.Errorf("Percentile(%v) = %v, numpy %v", q, got, p.Expected[k])
		}
	}
}

func TestDiceMatchesSklearnF1(t *testing.T) {
	d := loadFixtures(t).Dice
	got := DiceDataset(d.Pred, d.Truth, d.Classes)
	if len(got) != len(d.Expected) {
		t.Fatalf("%d classes, fixture %d", len(got), len(d.Expected))
	}
	for c := range got {
		if !near(got[c], d.Expected[c]) {
			t.Errorf("Dice[%d] = %v, sklearn f1 %v", c, got[c], d.Expected[c])
		}
	}
}
