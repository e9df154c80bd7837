package pretrain

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// A run stopped after 3 steps and resumed from its checkpoint reproduces
// the uninterrupted run bit for bit: every loss term of steps 3-5 and every
// final weight of student and teacher.
func TestResumeIsExact(t *testing.T) {
	for _, centering := range []cxformer.Centering{cxformer.SoftmaxCentering, cxformer.SinkhornKnopp} {
		t.Run(centering.String(), func(t *testing.T) {
			c := smallConfig()
			c.SSL.Centering = centering
			c.EpochLength, c.WarmupEpochs, c.FreezeLastLayerEpochs = 2, 1, 1 // schedules move during the 6 steps

			full := newTestTrainer(t, c)
			var want []Metrics
			for range 6 {
				want = append(want, step(t, full))
			}

			first := newTestTrainer(t, c)
			for range 3 {
				step(t, first)
			}
			dir := t.TempDir()
			if _, err := first.SaveCheckpoint(dir); err != nil {
				t.Fatal(err)
			}
			c2 := c
			c2.CheckpointEvery = 7 // may differ
			resumed := newTestTrainer(t, c2)
			if err := resumed.Resume(dir); err != nil {
				t.Fatal(err)
			}
			if resumed.StepCount() != 3 {
				t.Fatalf("resumed at step %d, want 3", resumed.StepCount())
			}
			for i := 3; i < 6; i++ {
				got := step(t, resumed)
				w := want[i]
				if got.Losses != w.Losses || got.Entropy != w.Entropy || got.CenterNorm != w.CenterNorm {
					t.Errorf("step %d: resumed %+v (H %v |c| %v), uninterrupted %+v (H %v |c| %v)",
						i, got.Losses, got.Entropy, got.CenterNorm, w.Losses, w.Entropy, w.CenterNorm)
				}
			}
			for _, side := range []struct {
				name string
				a, b map[string][]float32
			}{{"student", snapshot(full.Student), snapshot(resumed.Student)}, {"teacher", snapshot(full.Teacher), snapshot(resumed.Teacher)}} {
				for name, v := range side.a {
					if !sameBits(v, side.b[name]) {
						t.Errorf("%s %s differs after the resumed run", side.name, name)
					}
				}
			}
		})
	}
}

// A short run of the (shrunk) tiny preset on random crops learns: once the
// center has settled, the total loss falls, and the teacher entropy stays
// clear of both collapse signatures throughout.
//
// The comparison starts at step 10: DINOv2's center starts at 0, so the
// first targets still carry the logits' common component and are sharper
// (lower loss) than any later ones; the center's time constant is
// 1/(1−0.9) = 10 steps.
func TestTinyRunLowersLossWithoutCollapse(t *testing.T) {
	c := smallConfig()
	tr := newTestTrainer(t, c)
	const steps, window, burnIn = 120, 10, 10
	var early, late float64
	mon := DefaultCollapseMonitor()
	for i := range steps {
		m := step(t, tr)
		if i >= burnIn && i < burnIn+window {
			early += m.Total / window
		}
		if i >= steps-window {
			late += m.Total / window
		}
		if m.EntropyRatio < mon.Low || m.EntropyRatio > mon.High {
			t.Errorf("step %d: teacher entropy %.3f·ln K outside [%g, %g]", i, m.EntropyRatio, mon.Low, mon.High)
		}
		if m.Collapse != "" {
			t.Errorf("step %d: collapse reported: %s", i, m.Collapse)
		}
		if i == 0 && m.CenterNorm != 0 {
			t.Errorf("step 0 used center norm %g, want 0", m.CenterNorm)
		}
	}
	t.Logf("mean total loss, steps %d-%d: %.4f; last %d steps: %.4f", burnIn, burnIn+window-1, early, window, late)
	if !(late < early-0.2) {
		t.Errorf("total loss did not fall: %.4f → %.4f", early, late)
	}
}

// With DINOv2's from-scratch LayerScale of 1e-5 the toy backbone's output
// hardly depends on its input, centering flattens the teacher and the
// monitor must report the uniform signature.
func TestCollapseMonitorCatchesUniformTeacher(t *testing.T) {
	c := smallConfig()
	c.SSL.Backbone.LayerScaleInit = 1e-5
	tr := newTestTrainer(t, c)
	var log strings.Builder
	tr.Log = &log
	for range 60 {
		if m := step(t, tr); m.Collapse != "" {
			if m.Collapse != "uniform" {
				t.Fatalf("signature %q, want uniform (entropy ratio %.3f)", m.Collapse, m.EntropyRatio)
			}
			if !strings.Contains(log.String(), "uniform") {
				t.Errorf("no warning logged: %q", log.String())
			}
			return
		}
	}
	t.Fatal("no collapse reported in 60 steps")
}

func TestCollapseMonitorThresholds(t *testing.T) {
	m := CollapseMonitor{Low: 0.05, High: 0.98, Patience: 3}
	seq := []struct {
		ratio float64
		sig   string
		fired bool
	}{
		{0.5, "", false}, {0.01, "", false}, {0.02, "", false}, {0.03, "one-hot", true}, {0.04, "one-hot", false},
		{0.5, "", false}, {0.99, "", false}, {0.99, "", false}, {0.5, "", false},
		{0.99, "", false}, {0.995, "", false}, {1, "uniform", true},
	}
	for i, s := range seq {
		sig, fired := m.Observe(s.ratio)
		if sig != s.sig || fired != s.fired {
			t.Errorf("observation %d (%.3f): (%q, %v), want (%q, %v)", i, s.ratio, sig, fired, s.sig, s.fired)
		}
	}
}

// A NaN in one head makes exactly its loss terms non-finite: the step stops
// naming them, nothing changes, and the last checkpoint still loads.
func TestNaNLossStopsAndKeepsLastCheckpoint(t *testing.T) {
	c := smallConfig()
	tr := newTestTrainer(t, c)
	step(t, tr)
	step(t, tr)
	dir := t.TempDir()
	path, err := tr.SaveCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Poison one prototype of the student's DINO head.
	v := tr.Student.DINO.WeightV.Value
	data := v.Data()
	data[3] = float32(math.NaN())
	v.Load(data)

	student, teacher := snapshot(tr.Student), snapshot(tr.Teacher)
	dinoCenter := tr.Centers.DINO.Current()
	optSteps := tr.Opt.Steps()

	_, err = tr.Step()
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("step with a NaN weight: err %v, want a *NonFiniteError", err)
	}
	t.Log(err)
	if strings.Join(nf.Terms, ",") != "dino_local,dino_global" || !strings.Contains(err.Error(), "dino_local") || nf.Step != 2 {
		t.Errorf("terms %v at step %d, want dino_local,dino_global at step 2 (message %q)", nf.Terms, nf.Step, err)
	}
	if tr.StepCount() != 2 || tr.Opt.Steps() != optSteps {
		t.Errorf("the failed step advanced the step count (%d) or the optimiser (%d → %d)", tr.StepCount(), optSteps, tr.Opt.Steps())
	}
	if !sameBits(tr.Centers.DINO.Current(), dinoCenter) {
		t.Error("the failed step changed the DINO center")
	}
	for name, v := range snapshot(tr.Student) {
		if !sameBits(v, student[name]) && !strings.Contains(name, "weight_v") {
			t.Errorf("student %s changed", name)
		}
	}
	for name, v := range snapshot(tr.Teacher) {
		if !sameBits(v, teacher[name]) {
			t.Errorf("teacher %s changed", name)
		}
	}
	// The last good checkpoint is still there and loads.
	if latest, err := LatestCheckpoint(dir); err != nil || latest != path {
		t.Fatalf("latest checkpoint %q (%v), want %q", latest, err, path)
	}
	fresh := newTestTrainer(t, c)
	if err := fresh.Resume(dir); err != nil {
		t.Fatalf("last good checkpoint does not load: %v", err)
	}
	step(t, fresh)
}

// An infinite input pixel makes the losses non-finite: the step stops.
func TestNaNInputStops(t *testing.T) {
	c := smallConfig()
	src := &poisonedSource{RandomCrops: NewRandomCrops(c), at: 1}
	tr, err := NewTrainer(c, tensor.CPU, src)
	if err != nil {
		t.Fatal(err)
	}
	step(t, tr)
	_, err = tr.Step()
	var nf *NonFiniteError
	if !errors.As(err, &nf) || len(nf.Terms) == 0 {
		t.Fatalf("err %v, want a *NonFiniteError", err)
	}
}

type poisonedSource struct {
	*RandomCrops
	at int
}

func (p *poisonedSource) Next(step int) (cxformer.Batch, error) {
	b, err := p.RandomCrops.Next(step)
	if err == nil && step == p.at {
		d := b.Global.Data()
		d[0] = float32(math.Inf(1))
		b.Global.Load(d)
	}
	return b, err
}

func TestTruncatedOrCorruptCheckpointIsAnError(t *testing.T) {
	c := smallConfig()
	tr := newTestTrainer(t, c)
	dir := t.TempDir()
	step(t, tr)
	prev, err := tr.SaveCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	prevBytes, _ := os.ReadFile(prev)
	step(t, tr)
	newest, err := tr.SaveCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(newest)

	// Truncated.
	if err := os.WriteFile(newest, good[:len(good)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	err = newTestTrainer(t, c).Resume(dir)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), prev) {
		t.Errorf("truncated checkpoint: err %v; want an error naming the previous checkpoint %s", err, prev)
	}
	// One flipped bit in the data.
	bad := append([]byte(nil), good...)
	bad[len(bad)-5] ^= 0x10
	if err := os.WriteFile(newest, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := newTestTrainer(t, c).Resume(newest); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("corrupt checkpoint: err %v", err)
	}
	// The previous one is intact and loads.
	if now, _ := os.ReadFile(prev); string(now) != string(prevBytes) {
		t.Error("the previous checkpoint changed")
	}
	fresh := newTestTrainer(t, c)
	if err := fresh.Resume(prev); err != nil {
		t.Fatalf("previous checkpoint: %v", err)
	}
	if fresh.StepCount() != 1 {
		t.Errorf("previous checkpoint resumed at %d, want 1", fresh.StepCount())
	}
	// A checkpoint of another config is refused.
	other := c
	other.BaseLR *= 2
	if err := newTestTrainer(t, other).Resume(prev); err == nil || !strings.Contains(err.Error(), "different config") {
		t.Errorf("other config: err %v", err)
	}
}

func TestSaveCheckpointKeepsTwo(t *testing.T) {
	c := smallConfig()
	tr := newTestTrainer(t, c)
	dir := t.TempDir()
	for range 3 {
		step(t, tr)
		if _, err := tr.SaveCheckpoint(dir); err != nil {
			t.Fatal(err)
		}
	}
	steps, err := listCheckpoints(dir)
	if err != nil || len(steps) != 2 || steps[0] != 2 || steps[1] != 3 {
		t.Errorf("checkpoints %v (%v), want [2 3]", steps, err)
	}
	if latest, _ := LatestCheckpoint(dir); latest != CheckpointPath(dir, 3) {
		t.Errorf("latest %s", latest)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// During FreezeBackboneIters the backbone of student and teacher stays
// bit-identical while the heads train; afterwards the backbone moves.
func TestFrozenBackboneWarmup(t *testing.T) {
	c := smallConfig()
	c.FreezeBackboneIters = 2
	c.WarmupEpochs, c.FreezeLastLayerEpochs = 0, 0
	tr := newTestTrainer(t, c)
	s0, t0 := snapshot(tr.Student), snapshot(tr.Teacher)
	for range 2 {
		if m := step(t, tr); !m.BackboneFrozen {
			t.Fatal("metrics do not report the frozen backbone")
		}
	}
	s2, t2 := snapshot(tr.Student), snapshot(tr.Teacher)
	for name := range s0 {
		backbone := strings.HasPrefix(name, "backbone.")
		if same := sameBits(s0[name], s2[name]); same != backbone {
			t.Errorf("student %s: unchanged = %v during the backbone freeze", name, same)
		}
		if backbone && !sameBits(t0[name], t2[name]) {
			t.Errorf("teacher %s changed during the backbone freeze", name)
		}
	}
	step(t, tr)
	if sameBits(s2["backbone.blocks.0.attn.qkv.weight"], snapshot(tr.Student)["backbone.blocks.0.attn.qkv.weight"]) {
		t.Error("backbone did not move after the freeze")
	}
}

// During the last-layer freeze weight_g and weight_v keep their values
// while their Adam moments accumulate.
func TestLastLayerFreeze(t *testing.T) {
	c := smallConfig()
	c.EpochLength, c.FreezeLastLayerEpochs, c.WarmupEpochs = 2, 1, 0
	tr := newTestTrainer(t, c)
	frozen := []string{"dino_head.last_layer.weight_g", "dino_head.last_layer.weight_v",
		"ibot_head.last_layer.weight_g", "ibot_head.last_layer.weight_v"}
	before := snapshot(tr.Student)
	moments := func() map[string][]float32 {
		st := tr.Opt.State()
		out := map[string][]float32{}
		for _, n := range frozen {
			if a := st.Get(n + ".exp_avg"); a != nil {
				out[n] = a.F32
			}
		}
		return out
	}
	step(t, tr)
	m1 := moments()
	step(t, tr)
	m2 := moments()
	after := snapshot(tr.Student)
	for _, n := range frozen {
		if !sameBits(before[n], after[n]) {
			t.Errorf("%s moved during the last-layer freeze", n)
		}
		if m1[n] == nil || sameBits(m1[n], m2[n]) {
			t.Errorf("%s: Adam moments did not advance during the freeze", n)
		}
	}
	if sameBits(before["dino_head.mlp.0.weight"], after["dino_head.mlp.0.weight"]) {
		t.Error("the rest of the head did not train")
	}
	step(t, tr)
	if sameBits(before["dino_head.last_layer.weight_v"], snapshot(tr.Student)["dino_head.last_layer.weight_v"]) {
		t.Error("weight_v did not move after the freeze")
	}
}

// The teacher starts as an exact copy of the student, and the optimiser
// groups follow DINOv2 (patch_embed ×0.2, no decay on norms and biases).
func TestTrainerStart(t *testing.T) {
	tr := newTestTrainer(t, smallConfig())
	s, te := snapshot(tr.Student), snapshot(tr.Teacher)
	for name, v := range s {
		if !sameBits(v, te[name]) {
			t.Errorf("teacher %s differs from the student at the start", name)
		}
	}
	groups := map[string]optim.ParamGroup{}
	for _, g := range tr.Opt.Groups() {
		groups[g.Key()] = g
	}
	if g := groups["backbone.patch_embed.proj.weight"]; g.LRMult != 0.2 {
		t.Errorf("patch_embed lr mult %g", g.LRMult)
	}
	if g := groups["backbone.blocks.0.norm1.weight"]; g.WDMult != 0 {
		t.Errorf("norm wd mult %g", g.WDMult)
	}
	if g := groups["dino_head.last_layer.weight_g"]; !g.IsLastLayer {
		t.Error("weight_g is not in the last-layer group")
	}
	if len(groups) != len(s) {
		t.Errorf("%d optimiser groups for %d parameters", len(groups), len(s))
	}
}

// A non-finite gradient stops the update before the optimiser or the EMA
// touch anything, naming the module.
func TestNonFiniteGradientStopsUpdate(t *testing.T) {
	tr := newTestTrainer(t, smallConfig())
	step(t, tr)
	tr.packed.grads.Zero()
	g := tr.Student.IBOTParams[0].V.Grad
	d := g.Data()
	d[0] = float32(math.NaN())
	g.Load(d)
	student, teacher := snapshot(tr.Student), snapshot(tr.Teacher)
	optSteps := tr.Opt.Steps()
	_, err := update(tr.packed, tr.Opt, 3, tr.Sched.At(5), false)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || strings.Join(nf.Terms, ",") != "grad:ibot_head" {
		t.Fatalf("err %v, want a *NonFiniteError naming grad:ibot_head", err)
	}
	if tr.Opt.Steps() != optSteps {
		t.Errorf("the optimiser's step count moved from %d to %d", optSteps, tr.Opt.Steps())
	}
	for name, v := range snapshot(tr.Student) {
		if !sameBits(v, student[name]) {
			t.Errorf("student %s changed", name)
		}
	}
	for name, v := range snapshot(tr.Teacher) {
		if !sameBits(v, teacher[name]) {
			t.Errorf("teacher %s changed", name)
		}
	}
}
