package pretrain

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// writeBackbone saves a random native backbone of cfg (DINOv2 names) and
// returns its path and weights.
func writeBackbone(t *testing.T, cfg cxformer.Config, seed uint64) (string, map[string][]float32) {
	t.Helper()
	v, err := cxformer.NewViT(cfg, tensor.CPU, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backbone.safetensors")
	if err := state.WriteSafetensors(path, v.State()); err != nil {
		t.Fatal(err)
	}
	return path, v.Params.Values()
}

// --init from a backbone without registers loads every backbone weight into
// student and teacher, keeps the fresh register tokens (and says so), and
// leaves the heads identical in both.
func TestInitFromBackboneWithoutRegisters(t *testing.T) {
	c := smallConfig()
	src := c.SSL.Backbone
	src.Registers = 0
	path, want := writeBackbone(t, src, 99)

	tr := newTestTrainer(t, c)
	regs := tr.Student.Backbone.Registers.Value.Data()
	notes, err := tr.Init(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "register") {
		t.Errorf("notes %q: want one about the registers", notes)
	}
	for _, m := range []*cxformer.SSLModel{tr.Student, tr.Teacher} {
		for _, p := range m.Backbone.Params {
			got := p.V.Value.Data()
			if p.Name == "register_tokens" {
				if !sameBits(got, regs) {
					t.Error("register tokens changed")
				}
				continue
			}
			if !sameBits(got, want[p.Name]) {
				t.Errorf("%s not loaded", p.Name)
			}
		}
	}
	s, te := snapshot(tr.Student), snapshot(tr.Teacher)
	for name, v := range s {
		if !sameBits(v, te[name]) {
			t.Errorf("%s differs between student and teacher after Init", name)
		}
	}
	step(t, tr)
	if _, err := tr.Init(path); err == nil {
		t.Error("Init after a step was accepted")
	}
}

func TestInitRejectsAnotherArchitecture(t *testing.T) {
	c := smallConfig()
	src := c.SSL.Backbone
	src.Depth = 3
	src.ImgSize = 42
	path, _ := writeBackbone(t, src, 1)
	_, err := newTestTrainer(t, c).Init(path)
	if err == nil || !strings.Contains(err.Error(), "student.depth") || !strings.Contains(err.Error(), "student.img_size") {
		t.Errorf("err %v: want the depth and img_size mismatches named", err)
	}
}

// --init from a gocx pretraining checkpoint takes its teacher backbone.
func TestInitFromOwnCheckpoint(t *testing.T) {
	c := smallConfig()
	tr := newTestTrainer(t, c)
	step(t, tr)
	step(t, tr)
	path, err := tr.SaveCheckpoint(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c2 := c
	c2.Seed = 7
	fresh := newTestTrainer(t, c2)
	if _, err := fresh.Init(path); err != nil {
		t.Fatal(err)
	}
	want := snapshot(tr.Teacher)
	for name, v := range snapshot(fresh.Student) {
		if strings.HasPrefix(name, "backbone.") && !sameBits(v, want[name]) {
			t.Errorf("%s is not the checkpoint's teacher weight", name)
		}
	}
}

// --init from the golden Hugging Face directories: with registers (all
// weights, as LoadModel reads them) and without (fresh registers, a note).
func TestInitFromHuggingFace(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		imgSize int
		notes   int
	}{{"hf/dinov2_reg_tiny_56", 56, 0}, {"hf/dinov2_tiny_518", 518, 1}} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Dir(golden.Path(t, tc.dir+"/config.json"))
			c := smallConfig()
			c.SSL.Backbone.Depth, c.SSL.Backbone.ImgSize = 3, tc.imgSize
			tr := newTestTrainer(t, c)
			notes, err := tr.Init(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(notes) != tc.notes {
				t.Errorf("notes %q, want %d", notes, tc.notes)
			}
			ref, err := cxformer.LoadModel(dir, tensor.CPU, cxformer.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := ref.Params.Values()
			for _, m := range []*cxformer.SSLModel{tr.Student, tr.Teacher} {
				for _, p := range m.Backbone.Params {
					if w, ok := want[p.Name]; ok && !sameBits(p.V.Value.Data(), w) {
						t.Errorf("%s differs from LoadModel's", p.Name)
					}
				}
			}
			step(t, tr)
		})
	}
}
