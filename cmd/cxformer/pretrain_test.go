package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/phantom"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// tinyTestConfig writes a config that shrinks the tiny preset for a fast
// command-line run.
func tinyTestConfig(t *testing.T) string {
	t.Helper()
	doc := `{"student": {"embed_dim": 48, "depth": 1, "img_size": 56},
	         "crops": {"global_crops_size": 56, "local_crops_size": 28, "local_crops_number": 2},
	         "train": {"batch_size": 4}}`
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pretrain runs, checkpoints, resumes to the same losses as an
// uninterrupted run, and leaves a teacher backbone that LoadModel reads.
func TestPretrainCommandResumes(t *testing.T) {
	dir := pretrainResumes(t)
	checkTeacherBackbone(t, dir)
}

// The same on a folder of images (--data images:DIR): phantom PNGs in
// nested folders and one broken file, 7 images in batches of 4, so the 4
// steps span 4 epochs of reshuffled order. The resumed run is given no
// --data: it trains on the data its checkpoint records.
func TestPretrainCommandResumesOnImages(t *testing.T) {
	root := t.TempDir()
	for i := range 6 {
		s, err := phantom.Generate(5, i, 64, phantom.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(root, strconv.Itoa(i%2))
		os.MkdirAll(sub, 0o755)
		if err := phantom.WritePNG(filepath.Join(sub, strconv.Itoa(i)+".png"), s); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "broken.png"), []byte("not a PNG"), 0o644)
	dir := pretrainResumes(t, "--data", "images:"+root)
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"dataset_path": "images:`+root) {
		t.Errorf("config.json does not record the data (%v):\n%s", err, cfg)
	}
	// That config.json as --config, without --data, trains on its data.
	var buf bytes.Buffer
	pretrainStdout = &buf
	defer func() { pretrainStdout = os.Stdout }()
	again := t.TempDir()
	if err := run([]string{"pretrain", "--config", filepath.Join(dir, "config.json"), "--device", "cpu", "--steps", "1", "--out", again, "--json"}, nil); err != nil {
		t.Fatal(err)
	}
	if cfg2, _ := os.ReadFile(filepath.Join(again, "config.json")); !strings.Contains(string(cfg2), `"dataset_path": "images:`+root) {
		t.Errorf("a run from that config lost the data:\n%s", cfg2)
	}
}

// pretrainResumes runs 4 steps at once and 2+2 with a resume, with the
// extra flags on the first runs, checks that the losses agree exactly, and
// returns the resumed run's directory.
func pretrainResumes(t *testing.T, extra ...string) string {
	t.Helper()
	cfg := tinyTestConfig(t)
	var buf bytes.Buffer
	pretrainStdout = &buf
	defer func() { pretrainStdout = os.Stdout }()

	full := t.TempDir()
	if err := run(append([]string{"pretrain", "--config", cfg, "--device", "cpu", "--steps", "4", "--out", full, "--json"}, extra...), nil); err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(buf.String()), "\n")

	buf.Reset()
	dir := t.TempDir()
	if err := run(append([]string{"pretrain", "--config", cfg, "--device", "cpu", "--steps", "2", "--out", dir, "--json"}, extra...), nil); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"pretrain", "--resume", "--device", "cpu", "--steps", "4", "--out", dir, "--json"}, nil); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(got) != 4 || len(want) != 4 {
		t.Fatalf("%d and %d JSON lines, want 4", len(got), len(want))
	}
	for i := range got {
		var a, b struct {
			Step int                `json:"step"`
			Loss map[string]float64 `json:"loss"`
		}
		if err := json.Unmarshal([]byte(got[i]), &a); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(want[i]), &b)
		if a.Step != i || len(a.Loss) != 5 {
			t.Errorf("line %d: %s", i, got[i])
		}
		for k, v := range b.Loss {
			if a.Loss[k] != v {
				t.Errorf("step %d %s: resumed %v, uninterrupted %v", i, k, a.Loss[k], v)
			}
		}
	}
	return dir
}

// checkTeacherBackbone checks the checkpoints and the teacher backbone of
// a 4-step run of tinyTestConfig in dir.
func checkTeacherBackbone(t *testing.T, dir string) {
	t.Helper()
	if latest, err := pretrain.LatestCheckpoint(dir); err != nil || filepath.Base(latest) != "ckpt-000004.safetensors" {
		t.Errorf("latest %s (%v)", latest, err)
	}
	// No Heads: the file records them (48 wide, 3 heads: D/64 would fail).
	v, err := cxformer.LoadModel(filepath.Join(dir, teacherBackboneName), tensor.CPU, cxformer.LoadOptions{})
	if err != nil {
		t.Fatalf("teacher backbone: %v", err)
	}
	if v.Cfg.EmbedDim != 48 || v.Cfg.Depth != 1 || v.Cfg.Registers != 4 || v.Cfg.Heads != 3 {
		t.Errorf("teacher backbone config %+v", v.Cfg)
	}
}

func TestPretrainCommandBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"dino": {"head_n_prototypes": 0}}`), 0o644)
	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"--config", bad}, "dino.head_n_prototypes"},
		{[]string{"--preset", "huge"}, "huge"},
		{[]string{"--centering", "kmeans"}, "kmeans"},
		{[]string{"--batch", "1"}, "train.batch_size"},
		{[]string{"--resume", "--batch", "4"}, "--batch"},
		{[]string{"--resume"}, "no checkpoint"},
	} {
		args := append([]string{"pretrain", "--device", "cpu", "--steps", "1", "--out", t.TempDir()}, tc.args...)
		err := run(args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%v: err %v, want it to mention %q", tc.args, err, tc.mention)
		}
	}
}

// audit-step on the golden SSL files writes every golden key of its
// centering within the pretraining issue's CPU bounds.
func TestAuditStepCommandMatchesGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "audit")
	err := run([]string{"audit-step", "--config", golden.Path(t, "ssl/config.json"),
		"--weights", golden.Path(t, "ssl/weights.safetensors"), "--batch", golden.Path(t, "ssl/io.safetensors"),
		"--centering", "centering", "--out", out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := state.ReadSafetensors(out + ".safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want := golden.Load(t, "ssl/io.safetensors")
	n := 0
	for _, key := range want.SortedNames() {
		if !strings.HasPrefix(key, "centering.step1.") && !strings.HasPrefix(key, "opt.") {
			continue
		}
		tol := 1e-3
		if strings.Contains(key, ".loss.") {
			tol = 1e-5
		}
		if !got.Has(key) {
			t.Errorf("%s missing", key)
			continue
		}
		if e := golden.RelErr(golden.F64(t, got, key), golden.F64(t, want, key)); e > tol {
			t.Errorf("%s: rel err %.3g > %g", key, e, tol)
		}
		n++
	}
	if n < 150 {
		t.Errorf("only %d keys compared", n)
	}
	err = run([]string{"audit-step", "--config", golden.Path(t, "ssl/config.json"), "--out", out}, nil)
	if err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("missing flags: err %v", err)
	}
}
