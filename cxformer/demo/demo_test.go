package demo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/tensor"
)

// A miniature end-to-end run: every stage executes and the report, its
// plots and the JSON results are written and consistent.
func TestRunWritesReport(t *testing.T) {
	cfg := Config{Out: t.TempDir(), Device: tensor.CPU, Seed: 3, ImageSize: 56, PretrainPool: 16, PretrainSteps: 4,
		Batch: 4, LocalCrops: 2, ProbeImages: 60, SegImages: 20, ProbeEpochs: 2, SegEpochs: 2, Bootstrap: 20}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append([]string{"report.md", "results.json", "teacher_backbone.safetensors"}, res.Files...) {
		if st, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty (%v)", f, err)
		}
	}
	for _, want := range []string{"loss.png", "attention.png", "segmentation.png", "roc_cardiomegaly.png"} {
		found := false
		for _, f := range res.Files {
			found = found || f == want
		}
		if !found {
			t.Errorf("no %s among %v", want, res.Files)
		}
	}
	// The report says to load the teacher with `cxformer embed --model`,
	// which passes no head count: the file must carry it.
	teacher, err := cxformer.LoadModel(filepath.Join(cfg.Out, "teacher_backbone.safetensors"), tensor.CPU, cxformer.LoadOptions{})
	if err != nil {
		t.Errorf("the demo's teacher backbone does not load as the report says: %v", err)
	} else if want := pretrain.Tiny().SSL.Backbone; teacher.Cfg.Heads != want.Heads || teacher.Cfg.EmbedDim != want.EmbedDim {
		t.Errorf("teacher backbone loads as %+v, trained as %+v", teacher.Cfg, want)
	}
	md, _ := os.ReadFile(filepath.Join(cfg.Out, "report.md"))
	for _, want := range []string{"Cardiomegaly", "Pneumothorax", "macro", "lung", "heart"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md does not mention %q", want)
		}
	}
	var back map[string]any
	js, _ := os.ReadFile(filepath.Join(cfg.Out, "results.json"))
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	c := res.Comparison
	if c.Beats != (c.Margin > c.CIWidth) || c.CIWidth <= 0 {
		t.Errorf("inconsistent comparison %+v", c)
	}
	if len(res.Pretrain.Curve) != cfg.PretrainSteps {
		t.Errorf("%d loss points for %d steps", len(res.Pretrain.Curve), cfg.PretrainSteps)
	}
}

func TestConfigValidation(t *testing.T) {
	c := Defaults(true)
	c.ImageSize = 100
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "100") {
		t.Fatalf("image size 100: %v", err)
	}
	c = Defaults(false)
	c.Out = ""
	if c.Validate() == nil {
		t.Fatal("empty output directory accepted")
	}
}

func TestEntropyNoteOnlyAtTheEnds(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		want  string
	}{{0.97, "uniform"}, {0.9, "uniform"}, {0.05, "single prototype"}, {0.1, "single prototype"}, {0.5, ""}, {0.89, ""}, {0.11, ""}} {
		got := entropyNote(c.ratio, 3.5, 0.9)
		if c.want == "" {
			if got != "" {
				t.Errorf("ratio %.2f: a note for a healthy entropy: %q", c.ratio, got)
			}
			continue
		}
		if !strings.Contains(got, c.want) || !strings.Contains(got, "3.500 → 0.900") {
			t.Errorf("ratio %.2f: %q lacks %q or the iBOT losses", c.ratio, got, c.want)
		}
	}
}
