package pretrain

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/ckpt"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// Checkpoint layout (one safetensors file):
//
//	student.<module>.<param>    float32, module ∈ backbone, dino_head, ibot_head
//	teacher.<module>.<param>    float32
//	optim.<module>.<param>.{step,exp_avg,exp_avg_sq}, optim.steps   AdamW state
//	dino_center, ibot_center    (K) float32: the centers the next step uses
//	step                        int64 scalar: iterations done
//
// with metadata format, config (the Config as JSON), step and sha256 (a
// digest of every array, checked on load). The RNG needs no state: crops
// and masks are drawn from generators seeded by (seed, step).
const (
	checkpointFormat = "gocx-pretrain/1"
	latestName       = "latest"
	optimPrefix      = "optim."
)

var checkpointName = regexp.MustCompile(`^ckpt-(\d+)\.safetensors$`)

// CheckpointPath is the file name of the checkpoint after step iterations.
func CheckpointPath(dir string, step int) string {
	return filepath.Join(dir, fmt.Sprintf("ckpt-%06d.safetensors", step))
}

// State returns everything an exact resume needs as one state file (see
// the layout above). Pending center updates are folded in with the same
// operator the next step would use, so the saved centers are bit-identical
// to the ones that step will see.
func (t *Trainer) State() (*state.File, error) {
	f := t.Student.State("student.")
	tf := t.Teacher.State("teacher.")
	for _, name := range tf.Order {
		f.MustAdd(tf.Arrays[name])
	}
	of := t.Opt.State()
	for _, name := range of.Order {
		a := *of.Arrays[name]
		a.Name = optimPrefix + name
		f.MustAdd(&a)
	}
	f.MustAdd(state.NewF32("dino_center", []int{t.Cfg.SSL.DINOHead.Prototypes}, nextCenter(t.Centers.DINO)))
	f.MustAdd(state.NewF32("ibot_center", []int{t.Cfg.SSL.IBOTHeadConfig().Prototypes}, nextCenter(t.Centers.IBOT)))
	f.MustAdd(state.NewI64("step", []int{}, []int64{int64(t.step)}))
	cfg, err := json.Marshal(t.Cfg)
	if err != nil {
		return nil, err
	}
	f.Metadata["format"] = checkpointFormat
	f.Metadata["config"] = string(cfg)
	f.Metadata["step"] = strconv.Itoa(t.step)
	f.Metadata["rng"] = "none: crops and masks of step s come from generators seeded by (seed, s)"
	f.Metadata["sha256"] = digest(f)
	return f, nil
}

// nextCenter is the center the next Targets call will use: Value with any
// pending update applied by the same tensor operator.
func nextCenter(c *cxformer.Center) []float32 {
	if c.Pending == nil {
		return c.Value.Data()
	}
	v := c.Value.Clone()
	defer v.Release()
	tensor.EMA(v, c.Pending, c.Momentum)
	return v.Data()
}

// SaveCheckpoint writes the trainer's state to dir/ckpt-<step>.safetensors
// atomically (temporary file, fsync, rename), then points dir/latest at it
// (atomically too) and only then deletes checkpoints older than the
// previous one: at every moment the previous complete checkpoint exists.
func (t *Trainer) SaveCheckpoint(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := t.State()
	if err != nil {
		return "", err
	}
	path := CheckpointPath(dir, t.step)
	if err := state.WriteSafetensors(path, f); err != nil {
		return "", fmt.Errorf("pretrain: writing checkpoint: %w", err)
	}
	base := filepath.Base(path)
	if err := state.WriteAtomic(filepath.Join(dir, latestName), func(w io.Writer) error {
		_, err := io.WriteString(w, base+"\n")
		return err
	}); err != nil {
		return "", fmt.Errorf("pretrain: updating %s: %w", latestName, err)
	}
	return path, pruneCheckpoints(dir, base, 2)
}

// pruneCheckpoints keeps the newest keep checkpoints of dir (by step),
// never deleting current.
func pruneCheckpoints(dir, current string, keep int) error {
	steps, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	for i := 0; i < len(steps)-keep; i++ {
		name := filepath.Base(CheckpointPath(dir, steps[i]))
		if name == current {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// listCheckpoints returns the steps of dir's checkpoints, ascending.
func listCheckpoints(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, e := range entries {
		if m := checkpointName.FindStringSubmatch(e.Name()); m != nil {
			s, err := strconv.Atoi(m[1])
			if err == nil {
				steps = append(steps, s)
			}
		}
	}
	sort.Ints(steps)
	return steps, nil
}

// LatestCheckpoint returns the checkpoint dir/latest points at, or, without
// that file, the checkpoint of the highest step in dir.
func LatestCheckpoint(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, latestName))
	if err == nil {
		name := strings.TrimSpace(string(b))
		if !checkpointName.MatchString(name) {
			return "", fmt.Errorf("pretrain: %s: %q is not a checkpoint name", filepath.Join(dir, latestName), name)
		}
		return filepath.Join(dir, name), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	steps, err := listCheckpoints(dir)
	if err != nil {
		return "", err
	}
	if len(steps) == 0 {
		return "", fmt.Errorf("pretrain: no checkpoint in %s", dir)
	}
	return CheckpointPath(dir, steps[len(steps)-1]), nil
}

// previousCheckpoint names the newest checkpoint of path's directory older
// than path, or "".
func previousCheckpoint(path string) string {
	dir := filepath.Dir(path)
	m := checkpointName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return ""
	}
	cur, _ := strconv.Atoi(m[1])
	steps, err := listCheckpoints(dir)
	if err != nil {
		return ""
	}
	prev := ""
	for _, s := range steps {
		if s < cur {
			prev = CheckpointPath(dir, s)
		}
	}
	return prev
}

// ReadCheckpoint reads and verifies a checkpoint file (or the latest one of
// a directory): a truncated file, a wrong format or a digest that does not
// match the arrays is an error. It returns the file and its config.
func ReadCheckpoint(path string) (*state.File, Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if path, err = LatestCheckpoint(path); err != nil {
			return nil, Config{}, err
		}
	}
	f, err := readVerified(path)
	if err != nil {
		if prev := previousCheckpoint(path); prev != "" {
			err = fmt.Errorf("%w (the previous checkpoint %s is untouched; resume from it instead)", err, prev)
		}
		return nil, Config{}, err
	}
	var cfg Config
	if err := cfg.UnmarshalJSON([]byte(f.Metadata["config"])); err != nil {
		return nil, Config{}, fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, Config{}, fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	return f, cfg, nil
}

func readVerified(path string) (*state.File, error) {
	f, err := state.ReadSafetensors(path)
	if err != nil {
		return nil, fmt.Errorf("pretrain: corrupt or truncated checkpoint: %w", err)
	}
	if got := f.Metadata["format"]; got != checkpointFormat {
		return nil, fmt.Errorf("pretrain: %s is not a gocx pretraining checkpoint (format %q, want %q)", path, got, checkpointFormat)
	}
	want := f.Metadata["sha256"]
	if got := digest(f); got != want {
		return nil, fmt.Errorf("pretrain: corrupt checkpoint %s: array digest %s does not match the recorded %s", path, got[:16], short(want))
	}
	return f, nil
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

// digest is a SHA-256 over every array (by sorted name: name, dtype,
// shape, little-endian data).
func digest(f *state.File) string {
	h := sha256.New()
	for _, name := range f.SortedNames() {
		a := f.Arrays[name]
		io.WriteString(h, name)
		io.WriteString(h, a.DType.String())
		for _, d := range a.Shape {
			writeU64(h, uint64(d))
		}
		switch {
		case a.F32 != nil:
			buf := make([]byte, 4*len(a.F32))
			for i, v := range a.F32 {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			h.Write(buf)
		case a.F64 != nil:
			for _, v := range a.F64 {
				writeU64(h, math.Float64bits(v))
			}
		case a.I64 != nil:
			for _, v := range a.I64 {
				writeU64(h, uint64(v))
			}
		default:
			h.Write(a.U8)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeU64(h hash.Hash, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
}

// Resume restores the state of a checkpoint file (or of a directory's
// latest checkpoint) into t: student, teacher, optimiser, centers and step.
// The checkpoint's config must equal t's (the checkpoint period may
// differ). Continuing then reproduces the uninterrupted run's losses
// exactly on the CPU. The checkpoint is verified completely before
// anything of t changes.
func (t *Trainer) Resume(path string) error {
	f, cfg, err := ReadCheckpoint(path)
	if err != nil {
		return err
	}
	mine, theirs := t.Cfg, cfg
	mine.CheckpointEvery, theirs.CheckpointEvery = 0, 0
	if !equalConfig(mine, theirs) {
		a, _ := json.Marshal(mine)
		b, _ := json.Marshal(theirs)
		return fmt.Errorf("pretrain: checkpoint %s was made with a different config:\n  trainer:    %s\n  checkpoint: %s", path, a, b)
	}
	step, err := scalar(f, "step")
	if err != nil {
		return fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	dino, err := centerArray(f, "dino_center", cfg.SSL.DINOHead.Prototypes)
	if err != nil {
		return fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	ibot, err := centerArray(f, "ibot_center", cfg.SSL.IBOTHeadConfig().Prototypes)
	if err != nil {
		return fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	opt, _ := ckpt.SplitPrefix(f, optimPrefix)
	// Every part is checked before any is loaded (AdamW.LoadState changes
	// nothing on error).
	for _, side := range []struct {
		m      *cxformer.SSLModel
		prefix string
	}{{t.Student, "student."}, {t.Teacher, "teacher."}} {
		if err := checkArrays(side.m, f, side.prefix); err != nil {
			return fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
		}
	}
	if err := t.Opt.LoadState(opt); err != nil {
		return fmt.Errorf("pretrain: checkpoint %s: %w", path, err)
	}
	if err := t.Student.LoadState(f, "student."); err != nil {
		return err
	}
	if err := t.Teacher.LoadState(f, "teacher."); err != nil {
		return err
	}
	setCenter(t.Centers.DINO, dino)
	setCenter(t.Centers.IBOT, ibot)
	t.step = int(step)
	t.Monitor.lowRun, t.Monitor.highRun = 0, 0
	return nil
}

// checkArrays reports a parameter of m missing from f (as prefix + module
// + "." + name) or stored with another shape or a non-float type.
func checkArrays(m *cxformer.SSLModel, f *state.File, prefix string) error {
	var bad []string
	for _, p := range m.AllParams() {
		a := f.Get(prefix + p.Name)
		switch {
		case a == nil:
			bad = append(bad, "missing "+prefix+p.Name)
		case !a.IsFloat() || !slices.Equal(a.Shape, p.V.Value.Shape()):
			bad = append(bad, fmt.Sprintf("%s%s is %v %v, want float %v", prefix, p.Name, a.DType, a.Shape, p.V.Value.Shape()))
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

func equalConfig(a, b Config) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && slices.Equal(x, y)
}

func scalar(f *state.File, name string) (int64, error) {
	a := f.Get(name)
	if a == nil {
		return 0, fmt.Errorf("missing %q", name)
	}
	v, err := a.AsInt64()
	if err != nil || len(v) != 1 || v[0] < 0 {
		return 0, fmt.Errorf("%q must be one non-negative integer", name)
	}
	return v[0], nil
}

func centerArray(f *state.File, name string, k int) ([]float32, error) {
	a := f.Get(name)
	if a == nil {
		return nil, fmt.Errorf("missing %q", name)
	}
	if !slices.Equal(a.Shape, []int{k}) || !a.IsFloat() {
		return nil, fmt.Errorf("%q is %v %v, want float (%d)", name, a.DType, a.Shape, k)
	}
	return a.AsFloat32()
}

func setCenter(c *cxformer.Center, v []float32) {
	c.Value.Load(v)
	if c.Pending != nil {
		c.Pending.Release()
		c.Pending = nil
	}
}

// SaveTeacherBackbone writes the teacher's backbone alone, with DINOv2's
// native names (cls_token, blocks.0.attn.qkv.weight, …), atomically: the
// file every backbone loader (cxformer.LoadModel, --model of the other
// commands) reads as a pretrained model.
func (t *Trainer) SaveTeacherBackbone(path string) error {
	f := t.Teacher.Backbone.State()
	f.Metadata["format"] = "dinov2-native backbone (gocx pretraining teacher)"
	f.Metadata["step"] = strconv.Itoa(t.step)
	f.Metadata[cxformer.HeadsMetadata] = strconv.Itoa(t.Teacher.Backbone.Cfg.Heads)
	return state.WriteSafetensors(path, f)
}
