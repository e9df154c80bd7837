package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gocx/gocx/kernels/gpu"
)

// Row-kernel, GELU and copy bandwidth, every variant side by side
// (gpu.RowTuning and gpu.StreamShape select them), so that one run on a
// device shows which to make the default. GB/s counts compulsory traffic:
// each input read once, each output written once.

// streamShapes are the copy and GELU variants: elements per invocation
// (1, 2, 4; loads before stores) × one-shot grid or k workgroups per
// compute unit looping over the array.
var streamShapes = []gpu.StreamShape{
	{PerInvocation: 1}, {PerInvocation: 2}, {PerInvocation: 4},
	{PerInvocation: 1, WorkgroupsPerUnit: 8}, {PerInvocation: 2, WorkgroupsPerUnit: 8},
	{PerInvocation: 4, WorkgroupsPerUnit: 4}, {PerInvocation: 4, WorkgroupsPerUnit: 8}, {PerInvocation: 4, WorkgroupsPerUnit: 16},
}

func shapeName(s gpu.StreamShape) string {
	n := fmt.Sprintf("x%d", s.PerInvocation)
	if s.WorkgroupsPerUnit > 0 {
		n += fmt.Sprintf("/s%d", s.WorkgroupsPerUnit)
	}
	return n
}

// gbs formats bytes moved in dt as GB/s.
func gbs(bytes float64, dt time.Duration) float64 { return bytes / dt.Seconds() / 1e9 }

// streamSpeed times a 1 GiB copy (CopyBufferToBuffer, the Copy kernel and
// every stream shape of CopyShaped) and GELU forward and backward over the
// ViT-S MLP activations (tok × 1536) under every stream shape. It returns
// the best copy-kernel figure, the yardstick of the row kernels.
func streamSpeed(d *gpu.Device, tok int, small bool) (float64, error) {
	n := 1 << 28 // floats: 1 GiB
	if small {
		n = 1 << 20
	}
	if n > d.MaxLen() {
		n = d.MaxLen() &^ 3
	}
	src, err := d.Alloc(n)
	if err != nil {
		return 0, err
	}
	defer src.Release()
	dst, err := d.Alloc(n)
	if err != nil {
		return 0, err
	}
	defer dst.Release()
	if err := d.Fill(src, 1); err != nil {
		return 0, err
	}
	bytes := 8 * float64(n)
	fmt.Printf("\ncopy of %d MiB (GB/s counts read + write):\n", n>>18)
	ts := make([]time.Duration, *runs)
	if err := d.CopyTransfer(dst, src, n); err != nil {
		return 0, err
	}
	for r := range ts {
		t0 := time.Now()
		if err := d.CopyTransfer(dst, src, n); err != nil {
			return 0, err
		}
		ts[r] = time.Since(t0)
	}
	slices.Sort(ts)
	fmt.Printf("  CopyBufferToBuffer (submit+wait each) %8.1f GB/s %8.3f ms\n", gbs(bytes, ts[len(ts)/2]), ts[len(ts)/2].Seconds()*1e3)
	dt, err := timeOp(d, func() error { return d.Copy(dst, 0, src, 0, n) })
	if err != nil {
		return 0, err
	}
	best := gbs(bytes, dt)
	fmt.Printf("  Copy (copy kernel, vec4 x1, queued)   %8.1f GB/s %8.3f ms\n", best, dt.Seconds()*1e3)
	var cols []string
	for _, s := range streamShapes {
		dt, err := timeOp(d, func() error { return d.CopyShaped(dst, 0, src, 0, n, s) })
		if err != nil {
			return 0, err
		}
		best = max(best, gbs(bytes, dt))
		cols = append(cols, fmt.Sprintf("%s %.4g", shapeName(s), gbs(bytes, dt)))
	}
	fmt.Printf("  CopyShaped GB/s by shape (xU: vec4 per invocation, /sK: grid-stride, K workgroups per unit):\n    %s\n", strings.Join(cols, "  "))

	rng := rand.New(rand.NewPCG(7, 8))
	m := tok * 1536
	var bufs []*gpu.Buffer
	for range 3 {
		b, err := randBuffer(d, rng, m)
		if err != nil {
			return 0, err
		}
		defer b.Release()
		bufs = append(bufs, b)
	}
	fmt.Printf("\nGELU %d×1536 GB/s by stream shape:\n", tok)
	for _, bwd := range []bool{false, true} {
		cols = cols[:0]
		for _, s := range streamShapes {
			prev := gpu.SetRowTuning(gpu.RowTuning{Stream: s})
			dt, err := timeOp(d, func() error {
				if bwd {
					return d.GeluBackward(bufs[2], bufs[0], bufs[1])
				}
				return d.Gelu(bufs[1], bufs[0])
			})
			gpu.SetRowTuning(prev)
			if err != nil {
				return 0, err
			}
			b := 8.0
			if bwd {
				b = 12
			}
			cols = append(cols, fmt.Sprintf("%s %.4g", shapeName(s), gbs(b*float64(m), dt)))
		}
		name := "Gelu        "
		if bwd {
			name = "GeluBackward"
		}
		fmt.Printf("  %s %s\n", name, strings.Join(cols, "  "))
	}
	return best, nil
}

// rowVariant is one row-kernel configuration rowSpeed times.
type rowVariant struct {
	name      string
	tu        gpu.RowTuning
	subgroups bool
	lnbOnly   bool // only differs from another variant for LayerNormBackward
}

var rowVariants = []rowVariant{
	{"loop", gpu.RowTuning{Path: gpu.RowLoop}, true, false},
	{"reg+sg", gpu.RowTuning{Path: gpu.RowRegisters}, true, false},
	{"reg+sg g64", gpu.RowTuning{Path: gpu.RowRegisters, MinGroup: 64}, true, false},
	{"reg+sg slots4", gpu.RowTuning{Path: gpu.RowRegisters, MaxSlots: 4}, true, false},
	{"reg tree", gpu.RowTuning{Path: gpu.RowRegisters}, false, false},
	{"reg tree g8", gpu.RowTuning{Path: gpu.RowRegisters, MinGroup: 8}, false, false},
	{"reg+sg p2", gpu.RowTuning{Path: gpu.RowRegisters, Partials: 2}, true, true},
	{"reg+sg p8", gpu.RowTuning{Path: gpu.RowRegisters, Partials: 8}, true, true},
}

// rowSpeed times the row kernels at the ViT-S shapes (batch 64 at 224 px,
// and batch 16 at 518 px for the 1374-key attention rows) under every row
// variant; ratio is GB/s over copyBest.
func rowSpeed(d *gpu.Device, tok int, small bool, copyBest float64) error {
	rng := rand.New(rand.NewPCG(5, 6))
	attn := tok * 6 // ViT-S: 6 heads, one softmax row per (image, head, query)
	attn518 := 16 * 6 * 1374
	if small {
		attn518 = 6 * 1374
	}
	ok, size := d.Subgroups()
	fmt.Printf("\nrow kernels GB/s (compulsory traffic; subgroups available=%v size %d; ratio to the best copy kernel %.4g GB/s):\n", ok, size, copyBest)
	fmt.Printf("  variants: loop = one workgroup per row (strided passes); reg = row in registers (rows.wgsl), +sg subgroup reductions,\n")
	fmt.Printf("  tree = workgroup-memory reductions, gN = at least N invocations per row, slotsN = at most N values per invocation,\n")
	fmt.Printf("  pN = LayerNormBackward workgroups per compute unit\n")
	type job struct {
		name  string
		bytes float64
		lens  []int
		op    func(b []*gpu.Buffer) error
	}
	jobs := []job{
		{fmt.Sprintf("Softmax %d×261", attn), 8 * float64(attn*261), []int{attn * 261, attn * 261},
			func(b []*gpu.Buffer) error { return d.Softmax(b[1], b[0], attn, 261) }},
		{fmt.Sprintf("SoftmaxBackward %d×261", attn), 12 * float64(attn*261), []int{attn * 261, attn * 261, attn * 261},
			func(b []*gpu.Buffer) error { return d.SoftmaxBackward(b[2], b[0], b[1], attn, 261) }},
		{fmt.Sprintf("Softmax %d×1374", attn518), 8 * float64(attn518*1374), []int{attn518 * 1374, attn518 * 1374},
			func(b []*gpu.Buffer) error { return d.Softmax(b[1], b[0], attn518, 1374) }},
		{fmt.Sprintf("LogSoftmax %d×65536", 64), 8 * float64(64*65536), []int{64 * 65536, 64 * 65536},
			func(b []*gpu.Buffer) error { return d.LogSoftmax(b[1], b[0], 64, 65536) }},
		{fmt.Sprintf("LayerNorm %d×384", tok), 8 * float64(tok*384), []int{tok * 384, 384, 384, tok * 384, tok, tok},
			func(b []*gpu.Buffer) error { return d.LayerNorm(b[3], b[4], b[5], b[0], b[1], b[2], tok, 384, 1e-6) }},
		{fmt.Sprintf("LayerNorm %d×768", tok), 8 * float64(tok*768), []int{tok * 768, 768, 768, tok * 768, tok, tok},
			func(b []*gpu.Buffer) error { return d.LayerNorm(b[3], b[4], b[5], b[0], b[1], b[2], tok, 768, 1e-6) }},
		// Residual add fused with LayerNorm: reads x, a; writes sum, y.
		{fmt.Sprintf("AddLayerNorm %d×384", tok), 16 * float64(tok*384), []int{tok * 384, tok * 384, 384, 384, tok * 384, tok * 384, tok, tok},
			func(b []*gpu.Buffer) error {
				return d.AddScaledLayerNorm(b[4], b[5], b[6], b[7], b[0], b[1], nil, b[2], b[3], tok, 384, 1e-6)
			}},
		// With LayerScale γ: one kernel where the device binds nine storage buffers (else two), same compulsory traffic.
		{fmt.Sprintf("AddScaledLayerNorm %d×384", tok), 16 * float64(tok*384), []int{tok * 384, tok * 384, 384, 384, tok * 384, tok * 384, tok, tok, 384},
			func(b []*gpu.Buffer) error {
				return d.AddScaledLayerNorm(b[4], b[5], b[6], b[7], b[0], b[1], b[8], b[2], b[3], tok, 384, 1e-6)
			}},
		{fmt.Sprintf("LayerNormBackward %d×384", tok), 12 * float64(tok*384), []int{tok * 384, tok * 384, tok, tok, 384, tok * 384, 384, 384},
			func(b []*gpu.Buffer) error {
				return d.LayerNormBackward(b[5], b[6], b[7], b[0], b[1], b[2], b[3], b[4], tok, 384)
			}},
	}
	defer d.SetSubgroups(true)
	for _, j := range jobs {
		bufs := make([]*gpu.Buffer, len(j.lens))
		for i, n := range j.lens {
			var err error
			if bufs[i], err = randBuffer(d, rng, n); err != nil {
				return err
			}
		}
		var cols []string
		for _, v := range rowVariants {
			if v.subgroups && !ok && v.tu.Path == gpu.RowRegisters || v.lnbOnly && !strings.HasPrefix(j.name, "LayerNormBackward") {
				continue
			}
			d.SetSubgroups(v.subgroups)
			prev := gpu.SetRowTuning(v.tu)
			dt, err := timeOp(d, func() error { return j.op(bufs) })
			gpu.SetRowTuning(prev)
			if err != nil {
				return err
			}
			g := gbs(j.bytes, dt)
			cols = append(cols, fmt.Sprintf("%s %.4g (%.2f)", v.name, g, g/copyBest))
		}
		fmt.Printf("  %-30s %s\n", j.name, strings.Join(cols, "  "))
		for _, b := range bufs {
			b.Release()
		}
	}
	return nil
}
