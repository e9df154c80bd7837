package pretrain

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/optim"
	"github.com/gocx/gocx/tensor"
)

// Trainer runs DINOv2/CXformer self-supervised pretraining (spec §7.5) on
// one device: a student and an EMA teacher (backbone, DINO head, iBOT
// head), the teacher centers, AdamW with DINOv2's parameter groups and the
// per-iteration schedules. It is not safe for concurrent use.
type Trainer struct {
	Cfg              Config
	Dev              tensor.Device
	Student, Teacher *cxformer.SSLModel
	Centers          *cxformer.Centers
	Opt              *optim.AdamW
	Sched            Schedules
	Source           DataSource
	// Monitor watches the teacher entropy for the two collapse signatures.
	Monitor CollapseMonitor
	// Log receives warnings (collapse, notes of Init); nil discards them.
	Log io.Writer

	step   int
	masker *Masker
	packed *packedModels // the models' arenas (see packModels)
}

// NewTrainer builds a freshly initialised student on dev (seeded by
// cfg.Seed), a teacher that is an exact copy of it (spec §7.5), zero
// centers and the optimiser. source delivers the batches.
func NewTrainer(cfg Config, dev tensor.Device, source DataSource) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if dev == nil {
		return nil, errors.New("pretrain.NewTrainer: nil device")
	}
	if source == nil {
		return nil, errors.New("pretrain.NewTrainer: nil data source")
	}
	student, err := cxformer.NewSSLModel(cfg.SSL, dev, cfg.Seed)
	if err != nil {
		return nil, err
	}
	teacher, err := cxformer.NewSSLModel(cfg.SSL, dev, cfg.Seed+1)
	if err != nil {
		return nil, err
	}
	copyModel(teacher, student)
	for _, p := range teacher.AllParams() {
		p.V.SetRequiresGrad(false)
	}
	masker, err := NewMasker(cfg)
	if err != nil {
		return nil, err
	}
	opt, err := optim.NewAdamW(studentGroups(cfg, student), optim.DINOv2AdamW)
	if err != nil {
		return nil, err
	}
	packed, err := packModels(student, teacher, opt)
	if err != nil {
		return nil, err
	}
	return &Trainer{
		Cfg: cfg, Dev: dev, Student: student, Teacher: teacher,
		Centers: cxformer.NewCenters(cfg.SSL, dev), Opt: opt, Sched: NewSchedules(cfg),
		Source: source, Monitor: DefaultCollapseMonitor(), masker: masker, packed: packed,
	}, nil
}

// studentGroups are DINOv2's parameter groups, built per student module.
func studentGroups(cfg Config, m *cxformer.SSLModel) []optim.ParamGroup {
	var groups []optim.ParamGroup
	for _, mod := range m.Modules() {
		depth := 0
		if mod.Name == "backbone" {
			depth = cfg.SSL.Backbone.Depth
		}
		groups = append(groups, optim.DINOv2Groups(mod.Params, mod.Name, depth, cfg.LayerwiseDecay, cfg.PatchEmbedLRMult)...)
	}
	return groups
}

// copyModel sets every parameter of dst to the value of src's parameter of
// the same module and name.
func copyModel(dst, src *cxformer.SSLModel) {
	srcMods := src.Modules()
	for i, mod := range dst.Modules() {
		copyParams(mod.Params, srcMods[i].Params)
	}
}

func copyParams(dst, src nn.Params) {
	byName := src.Map()
	for _, p := range dst {
		p.V.Value.CopyFrom(byName[p.Name].Value)
	}
}

// StepCount is the number of iterations done: the index of the next one.
func (t *Trainer) StepCount() int { return t.step }

// Losses are the values of one step's loss terms (spec §3.7); a term that
// is off is 0.
type Losses struct {
	Total, DINOLocal, DINOGlobal, KoLeo, IBOT float64
}

// Metrics describe one finished step.
type Metrics struct {
	Step int // the iteration this was (0-based)
	Losses
	// Entropy is the mean entropy (nats) of the rows of the teacher's DINO
	// targets (at most the first 256 rows); EntropyRatio = Entropy / ln K.
	Entropy, EntropyRatio float64
	// CenterNorm is the L2 norm of the DINO center used by this step (0
	// with Sinkhorn-Knopp, which has no center).
	CenterNorm float64
	// GradNorm is each module's gradient norm before clipping.
	GradNorm map[string]float64
	Values   // the step's hyper-parameters
	// Collapse is "" or the collapse signature the monitor has seen for
	// its patience or longer ("one-hot" or "uniform").
	Collapse       string
	BackboneFrozen bool
	Images         int
	Elapsed        time.Duration
}

// NonFiniteError reports a step whose loss or gradient is NaN or ±Inf. The
// trainer's model, optimiser and centers are left as before the step.
type NonFiniteError struct {
	Step  int
	Terms []string // the loss terms (or "grad:<module>") that were not finite
	Msg   string
}

func (e *NonFiniteError) Error() string { return e.Msg }

// Step runs one iteration exactly as spec §7.5: the schedules at the
// current iteration, zero gradients, the SSL forward (teacher first, its
// center update recorded), backward, per-module gradient clipping
// (backbone, dino_head, ibot_head separately), the AdamW step with the
// last-layer lr (0 during its freeze) and the teacher EMA. During
// FreezeBackboneIters the backbone gets no gradient, no update and no EMA.
//
// A NaN or infinite loss term or gradient norm returns a *NonFiniteError
// naming it, and leaves the model, optimiser, centers and step count as
// they were before the call.
//
// The update needs nothing from the host: clipping coefficients and the
// NaN guard are computed on the device and the optimiser and EMA read them
// there (see packedModels), so on a GPU the step's only wait is the single
// read of its results at the end (losses, norms, entropy, center norm).
func (t *Trainer) Step() (Metrics, error) {
	start := time.Now()
	it := t.step
	v := t.Sched.At(it)
	m := Metrics{Step: it, Values: v, Images: t.Cfg.BatchSize}

	batch, err := t.nextBatch(it)
	if err != nil {
		return m, err
	}
	defer releaseBatch(batch)

	frozen := it < t.Cfg.FreezeBackboneIters
	m.BackboneFrozen = frozen
	for _, p := range t.Student.Backbone.Params {
		p.V.SetRequiresGrad(!frozen)
	}
	t.packed.grads.Zero()
	saved := saveCenters(t.Centers)
	defer saved.release()

	tp := autograd.NewTape()
	defer tp.Release()
	out, err := cxformer.SSLForward(tp, t.Cfg.SSL, t.Student, t.Teacher, t.Centers, batch, v.TeacherTemp)
	if err != nil {
		saved.restore(t.Centers)
		return m, fmt.Errorf("step %d: %w", it, err)
	}
	terms, losses := lossTerms(out)
	defer losses.Release()
	tp.Backward(out.Total)
	up := t.packed.update(t.Opt, t.Cfg.ClipGrad, v, frozen, losses)
	defer up.release()

	// Everything the host wants from the step comes back in one read: the
	// step's only wait on a GPU.
	stats := []*tensor.Tensor{losses, up.sumsq, tensor.MeanRowEntropy(out.TargetsDINO, 256)}
	centered := t.Cfg.SSL.Centering == cxformer.SoftmaxCentering
	if centered {
		c := t.Centers.DINO.Value
		sq := tensor.Mul(c, c)
		stats = append(stats, tensor.Sum(sq))
		sq.Release()
	}
	all := tensor.Concat1D(stats...)
	for _, s := range stats[2:] {
		s.Release()
	}
	vals := all.Data()
	all.Release()
	for i, name := range terms {
		m.Losses.set(name, float64(vals[i]))
	}
	vals = vals[len(terms):]
	m.GradNorm = gradNorms(up.names, vals)
	vals = vals[len(up.names):]
	if bad := nonFiniteTerms(m.Losses, out); len(bad) > 0 {
		t.Opt.UndoStep()
		saved.restore(t.Centers)
		return m, &NonFiniteError{Step: it, Terms: bad, Msg: fmt.Sprintf(
			"step %d: non-finite loss term: %s (%s); the model is left as before this step",
			it, strings.Join(bad, ", "), m.Losses.describe())}
	}
	if bad := nonFiniteNorms(m.GradNorm, up.names); len(bad) > 0 {
		t.Opt.UndoStep()
		saved.restore(t.Centers)
		return m, &NonFiniteError{Step: it, Terms: bad, Msg: fmt.Sprintf(
			"step %d: gradient norm of %s is not finite; the model is left as before this step",
			it, strings.Join(bad, ", "))}
	}

	k := t.Cfg.SSL.DINOHead.Prototypes
	m.Entropy = float64(vals[0])
	m.EntropyRatio = m.Entropy / math.Log(float64(k))
	if centered {
		m.CenterNorm = math.Sqrt(float64(vals[1]))
	}
	if sig, fired := t.Monitor.Observe(m.EntropyRatio); sig != "" {
		m.Collapse = sig
		if fired && t.Log != nil {
			fmt.Fprintf(t.Log, "warning: step %d: teacher collapse (%s): DINO target entropy %.3g nats = %.3f·ln K for %d steps\n",
				it, sig, m.Entropy, m.EntropyRatio, t.Monitor.Patience)
		}
	}
	t.step++
	m.Elapsed = time.Since(start)
	return m, nil
}

// nextBatch fetches the step's batch, checks its layout, adds masks and
// moves it to the trainer's device.
func (t *Trainer) nextBatch(it int) (cxformer.Batch, error) {
	batch, err := t.Source.Next(it)
	if err != nil {
		return batch, fmt.Errorf("step %d: data: %w", it, err)
	}
	if batch.Global == nil {
		return batch, fmt.Errorf("step %d: data: batch without global crops", it)
	}
	b, g := t.Cfg.BatchSize, t.Cfg.GlobalCropSize
	if want := []int{2 * b, 3, g, g}; !slices.Equal(batch.Global.Shape(), want) {
		releaseBatch(batch)
		return batch, fmt.Errorf("step %d: data: global crops %s, config wants %s (2·batch_size, 3, global_crops_size²)",
			it, tensor.ShapeString(batch.Global.Shape()), tensor.ShapeString(want))
	}
	if t.Cfg.SSL.NLocal > 0 {
		l := t.Cfg.LocalCropSize
		want := []int{t.Cfg.SSL.NLocal * b, 3, l, l}
		if batch.Local == nil || !slices.Equal(batch.Local.Shape(), want) {
			got := "none"
			if batch.Local != nil {
				got = tensor.ShapeString(batch.Local.Shape())
			}
			releaseBatch(batch)
			return batch, fmt.Errorf("step %d: data: local crops %s, config wants %s", it, got, tensor.ShapeString(want))
		}
	}
	if err := t.masker.addMasks(&batch, it); err != nil {
		releaseBatch(batch)
		return batch, err
	}
	if t.Cfg.SSL.Backbone.DropPath > 0 && batch.DropPath == nil {
		// Drawn from (seed, step) like the crops and masks, so a resumed
		// run draws the same paths.
		batch.DropPath = tensor.NewRNG(seedFor(t.Cfg.Seed, it, 0, saltDropPath))
	}
	batch.Global = moveTo(batch.Global, t.Dev)
	if batch.Local != nil {
		batch.Local = moveTo(batch.Local, t.Dev)
	}
	return batch, nil
}

func moveTo(x *tensor.Tensor, dev tensor.Device) *tensor.Tensor {
	if x.Device() == dev {
		return x
	}
	y := x.To(dev)
	x.Release()
	return y
}

func releaseBatch(b cxformer.Batch) {
	if b.Global != nil && !b.Global.Released() {
		b.Global.Release()
	}
	if b.Local != nil && !b.Local.Released() {
		b.Local.Release()
	}
}

// update is the whole optimisation step of packed models, read back (the
// audit step and tests use it; Step reads it together with its other
// results): per-module clipping to clip (0: none), AdamW and the teacher
// EMA. A non-finite gradient norm leaves everything as it was and returns a
// *NonFiniteError naming the module.
func update(pm *packedModels, opt *optim.AdamW, clip float64, v Values, frozenBackbone bool) (map[string]float64, error) {
	none := tensor.Zeros(pm.params.Device(), 1)
	defer none.Release()
	up := pm.update(opt, clip, v, frozenBackbone, none)
	defer up.release()
	norms := gradNorms(up.names, up.sumsq.Data())
	if bad := nonFiniteNorms(norms, up.names); len(bad) > 0 {
		opt.UndoStep()
		return norms, &NonFiniteError{Terms: bad, Msg: fmt.Sprintf("gradient norm of %s is not finite",
			strings.Join(bad, ", "))}
	}
	return norms, nil
}

// gradNorms maps each module of names to √sumsq, its gradient norm, from
// the squared norms that lead sumsq.
func gradNorms(names []string, sumsq []float32) map[string]float64 {
	norms := make(map[string]float64, len(names))
	for i, name := range names {
		norms[name] = math.Sqrt(float64(sumsq[i]))
	}
	return norms
}

// nonFiniteNorms names ("grad:<module>") the modules whose gradient norm is
// NaN or infinite, in the order of names.
func nonFiniteNorms(norms map[string]float64, names []string) []string {
	var bad []string
	for _, name := range names {
		if n := norms[name]; math.IsNaN(n) || math.IsInf(n, 0) {
			bad = append(bad, "grad:"+name)
		}
	}
	return bad
}

func readLosses(out cxformer.StepOutput) Losses {
	val := func(v *autograd.Var) float64 {
		if v == nil {
			return 0
		}
		return float64(v.Value.Item())
	}
	return Losses{Total: val(out.Total), DINOLocal: val(out.DINOLocal), DINOGlobal: val(out.DINOGlobal),
		KoLeo: val(out.KoLeo), IBOT: val(out.IBOT)}
}

// nonFiniteTerms names the loss terms that are NaN or infinite, the
// individual terms first (the total is only named when they are all
// finite).
func nonFiniteTerms(l Losses, out cxformer.StepOutput) []string {
	var bad []string
	check := func(name string, v float64, on bool) {
		if on && (math.IsNaN(v) || math.IsInf(v, 0)) {
			bad = append(bad, name)
		}
	}
	check("dino_local", l.DINOLocal, out.DINOLocal != nil)
	check("dino_global", l.DINOGlobal, out.DINOGlobal != nil)
	check("koleo", l.KoLeo, out.KoLeo != nil)
	check("ibot", l.IBOT, out.IBOT != nil)
	if len(bad) == 0 {
		check("total", l.Total, true)
	}
	return bad
}

func (l Losses) describe() string {
	return fmt.Sprintf("total %g, dino_local %g, dino_global %g, koleo %g, ibot %g",
		l.Total, l.DINOLocal, l.DINOGlobal, l.KoLeo, l.IBOT)
}

// savedCenters is a copy of the centering state taken before a step, to
// undo the step's center update when the step fails.
type savedCenters struct {
	dino, ibot [2]*tensor.Tensor // value, pending
}

func saveCenters(c *cxformer.Centers) savedCenters {
	clone := func(x *tensor.Tensor) *tensor.Tensor {
		if x == nil {
			return nil
		}
		return x.Clone()
	}
	return savedCenters{
		dino: [2]*tensor.Tensor{clone(c.DINO.Value), clone(c.DINO.Pending)},
		ibot: [2]*tensor.Tensor{clone(c.IBOT.Value), clone(c.IBOT.Pending)},
	}
}

// restore puts the saved state back into c (and hands its tensors to c).
func (s *savedCenters) restore(c *cxformer.Centers) {
	put := func(ctr *cxformer.Center, v [2]*tensor.Tensor) {
		ctr.Value.Release()
		if ctr.Pending != nil {
			ctr.Pending.Release()
		}
		ctr.Value, ctr.Pending = v[0], v[1]
	}
	put(c.DINO, s.dino)
	put(c.IBOT, s.ibot)
	*s = savedCenters{}
}

func (s *savedCenters) release() {
	for _, t := range []*tensor.Tensor{s.dino[0], s.dino[1], s.ibot[0], s.ibot[1]} {
		if t != nil && !t.Released() {
			t.Release()
		}
	}
}
