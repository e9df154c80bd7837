package gpu

import (
	"fmt"
	"sync"
)

// Row kernels (softmax.wgsl, layernorm.wgsl) come in two forms:
//
//   - the register path (rows.wgsl): a row of cols values is held in the
//     registers of a group of T invocations, R values (vec4<f32> when
//     cols % 4 == 0, else f32) each, so the row is read from memory once
//     and written once; a workgroup of W invocations handles W/T rows, and
//     the reductions run within each group (subgroup operations when the
//     probe allowed them and T is a multiple of the subgroup size, else a
//     tree in workgroup memory). All R loads are issued before the first
//     reduction, so an invocation keeps R·16 (or R·4) bytes in flight.
//   - the loop path (common.wgsl's common_reduce): one workgroup per row,
//     strided loops over the row for each pass. Rows too long for the
//     registers of 256 invocations take it, and so do CPU adapters by
//     default (see RowAuto); RowTuning.Path picks either (to compare them
//     on a device, and in tests).
//
// LayerNormBackward on the register path also sums dγ and dβ in the same
// pass (each workgroup over the rows it handles, then a small colsum
// kernel over the workgroups), so dy and x are read once instead of twice.

// rowVariant is the template data and cache key of the one-workgroup-per-row
// kernels of softmax.wgsl and layernorm.wgsl (the reduction pattern of
// common.wgsl): the file, the operation within it, the workgroup size W,
// and whether the reductions use subgroup operations (when the probe at
// Open verified them).
type rowVariant struct {
	File      string
	Mode      string
	W         int
	Subgroups bool
	ReduceOps []string
}

// Reg tells the templates that this is the loop path (see rowRegVariant).
func (rowVariant) Reg() bool { return false }

// rowKey is rowVariant without the slice, so it can key the cache.
type rowKey struct {
	File, Mode string
	W          int
	Subgroups  bool
}

// rowWidth picks the workgroup size for rows of cols elements: enough
// invocations to keep several loads in flight per row without leaving most
// of them idle on short rows.
func rowWidth(cols int) int {
	switch {
	case cols <= 256:
		return 64
	case cols <= 2048:
		return 128
	}
	return 256
}

// rowKernel returns the row kernel (file, mode) for rows of cols elements.
// ops lists the reductions the mode uses ("sum", "max").
func (d *Device) rowKernel(file, mode string, cols int, ops []string, bind []access) (*kernel, error) {
	key := rowKey{File: file, Mode: mode, W: rowWidth(cols), Subgroups: d.subgroupOK && !d.noSubgroups}
	return d.kernel(key, func() kernelSpec {
		v := rowVariant{File: key.File, Mode: key.Mode, W: key.W, Subgroups: key.Subgroups, ReduceOps: ops}
		return kernelSpec{file: file, data: v, bind: bind}
	})
}

// rowDispatch launches one workgroup per row, folded into two grid
// dimensions.
func (d *Device) rowDispatch(k *kernel, p *params, bufs []*devBuf, rows int) error {
	x, y := d.grid2D(rows)
	return d.dispatch(k, p, bufs, x, y, 1)
}

// SetSubgroups turns the subgroup variants of the row kernels off (false)
// or back on (true, where the probe allowed them), for tests and
// benchmarks that compare the two paths.
func (d *Device) SetSubgroups(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.noSubgroups = !on
}

// RowTuning selects among the variants of the row kernels (Softmax,
// LogSoftmax, LayerNorm and their backwards) and of the streaming kernels
// (Gelu, GeluBackward), for benchmarks that compare them on one device
// (cmd/gpubench) and tests that cover every path. The zero value is the
// default. It is process-wide: set it with SetRowTuning between ops, not
// while another goroutine queues them.
type RowTuning struct {
	// Stream shapes the elementwise kernels.
	Stream StreamShape
	// Path selects the row-kernel path (RowAuto, RowRegisters, RowLoop).
	Path RowPath
	// MaxSlots is the most values (vec4 or f32) of one row an invocation
	// holds before the group per row doubles; 0 means 8 vec4 or 16 f32.
	MaxSlots int
	// MinGroup is the fewest invocations per row (rounded up to a power of
	// two); 0 means the subgroup size on the subgroup path and 32 (or the
	// row length, if shorter) on the workgroup-memory path. Below the
	// subgroup size the subgroup reductions are not used.
	MinGroup int
	// Partials is the number of LayerNormBackward workgroups per compute
	// unit on the register path (each adds one row of partial dγ, dβ
	// sums); 0 means 4.
	Partials int
}

// RowPath selects how the row kernels cover a row.
type RowPath int

const (
	// RowAuto is the register path wherever the row fits on a GPU, and
	// the loop path on a CPU adapter (lavapipe), whose compiler spends up
	// to a second on each register-path variant but runs either path at
	// the same speed.
	RowAuto RowPath = iota
	// RowRegisters is the register path wherever the row fits (rows of up
	// to 256·8 vec4 or 256·16 f32), on any adapter.
	RowRegisters
	// RowLoop is the loop path for every row: one workgroup per row, one
	// strided pass over memory per reduction.
	RowLoop
)

// StreamShape says how an elementwise kernel spreads its n elements (vec4
// when n % 4 == 0) over invocations.
type StreamShape struct {
	// PerInvocation is the number of elements (1, 2 or 4; 0 means the
	// default, 4) an invocation loads (all of them) before it stores any;
	// consecutive invocations take consecutive elements, so every load of
	// a workgroup is contiguous.
	PerInvocation int
	// WorkgroupsPerUnit 0 launches one invocation per PerInvocation
	// elements (a one-shot grid); k > 0 launches k workgroups per compute
	// unit that loop over the array (a grid-stride loop).
	WorkgroupsPerUnit int
}

var (
	rowTuningMu sync.Mutex
	rowTuning   RowTuning
)

// SetRowTuning replaces the row and streaming kernel tuning and returns
// the previous one. Each variant is a separate pipeline, compiled on first
// use. Values out of range panic.
func SetRowTuning(t RowTuning) (previous RowTuning) {
	t.Stream.check("gpu.SetRowTuning")
	if t.Path < RowAuto || t.Path > RowLoop || t.MaxSlots < 0 || t.MaxSlots > 32 || t.MinGroup < 0 || t.MinGroup > maxRowGroup || t.Partials < 0 {
		panic(fmt.Sprintf("gpu.SetRowTuning: %+v: Path must be RowAuto, RowRegisters or RowLoop, MaxSlots 0 to 32, MinGroup 0 to %d, Partials at least 0", t, maxRowGroup))
	}
	rowTuningMu.Lock()
	defer rowTuningMu.Unlock()
	previous, rowTuning = rowTuning, t
	return previous
}

func currentRowTuning() RowTuning {
	rowTuningMu.Lock()
	defer rowTuningMu.Unlock()
	return rowTuning
}

// computeUnits is the number of compute units the persistent (grid-stride)
// grids are sized for: an H100/H200's 132 on a GPU (WebGPU does not report
// it), a handful of threads on a CPU adapter.
func (d *Device) computeUnits() int {
	if d.info.DeviceType == "CPU" {
		return 4
	}
	return gemmEngines
}

// rowPlan is how the register path covers rows of cols values.
type rowPlan struct {
	V int // floats per value: 4 (vec4<f32>, cols % 4 == 0) or 1
	T int // invocations per row, a power of two
	W int // invocations per workgroup: W/T rows per workgroup
	R int // values per invocation, ⌈cols/V/T⌉
	S int // subgroup size of the reductions (T % S == 0); 0: workgroup-memory tree
}

// maxRowGroup is the widest group per row of the register path; longer
// rows take the loop path.
const maxRowGroup = 256

// planRows chooses the register-path layout for rows of cols values, or
// reports that the loop path should run (the row is too long for the
// register path, or RowTuning.Path asks for the loop path). T is the
// smallest power of two from the minimum group that keeps R within the
// slot budget.
func (d *Device) planRows(cols int, tu RowTuning) (rowPlan, bool) {
	cpu := d.info.DeviceType == "CPU"
	if tu.Path == RowLoop || tu.Path == RowAuto && cpu || cols <= 0 {
		return rowPlan{}, false
	}
	p := rowPlan{V: 1, S: 0}
	slots := 16
	if cols%4 == 0 {
		p.V, slots = 4, 8
	}
	if tu.MaxSlots > 0 {
		slots = tu.MaxSlots
	}
	units := cols / p.V
	sgSize := 0
	if d.subgroupOK && !d.noSubgroups && d.subgroupSize <= maxRowGroup {
		sgSize = d.subgroupSize
	}
	minT := tu.MinGroup
	if minT <= 0 {
		minT = sgSize
		if minT == 0 {
			minT = min(32, units)
		}
	}
	p.T = 1
	for p.T < minT {
		p.T *= 2
	}
	for (units+p.T-1)/p.T > slots {
		p.T *= 2
	}
	if p.T > maxRowGroup {
		return rowPlan{}, false
	}
	p.R = (units + p.T - 1) / p.T
	if sgSize > 0 && p.T%sgSize == 0 {
		p.S = sgSize
	}
	// CPU adapters compile a 256-invocation kernel several times slower
	// than a 64-invocation one (see rkGroupSize); GPUs want 256 so that
	// short rows still make big workgroups.
	p.W = max(p.T, 256)
	if cpu {
		p.W = max(p.T, 64)
	}
	if p.S > 0 && p.W%p.S != 0 {
		p.S = 0
	}
	return p, true
}

// rowRegVariant is the template data and cache key of a register-path row
// kernel: the file and mode, the plan, and values derived from it.
type rowRegVariant struct {
	File, Mode string
	rowPlan
	RPW  int    // rows per workgroup, W/T
	K    int    // subgroups per group, T/S (subgroup path)
	NSG  int    // subgroups per workgroup, W/S (subgroup path)
	E    string // WGSL type of one value: f32 or vec4<f32>
	Max  bool   // the mode needs grp_max
	Pair bool   // the mode needs grp_sum2
}

// Reg tells the templates that this is the register path.
func (rowRegVariant) Reg() bool { return true }

func newRowRegVariant(file, mode string, p rowPlan, needMax, needPair bool) rowRegVariant {
	v := rowRegVariant{File: file, Mode: mode, rowPlan: p, RPW: p.W / p.T, E: "f32", Max: needMax, Pair: needPair}
	if p.V == 4 {
		v.E = "vec4<f32>"
	}
	if p.S > 0 {
		v.K, v.NSG = p.T/p.S, p.W/p.S
	}
	return v
}

// rowRegKernel returns the register-path kernel (file, mode) for plan p;
// needMax and needPair say whether it uses grp_max and grp_sum2.
func (d *Device) rowRegKernel(file, mode string, p rowPlan, needMax, needPair bool, bind []access) (*kernel, rowRegVariant, error) {
	v := newRowRegVariant(file, mode, p, needMax, needPair)
	k, err := d.kernel(v, func() kernelSpec { return kernelSpec{file: file, data: v, bind: bind} })
	return k, v, err
}

// rowRegDispatch launches ⌈rows/RPW⌉ workgroups, folded into two grid
// dimensions (surplus workgroups and rows past the end idle).
func (d *Device) rowRegDispatch(k *kernel, v rowRegVariant, p *params, bufs []*devBuf, rows int) error {
	x, y := d.grid2D((rows + v.RPW - 1) / v.RPW)
	return d.dispatch(k, p, bufs, x, y, 1)
}
