package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocx/gocx/kernels"
)

// flashMMSets are the m-tile sets (fwd, kv) of TestFlashAttentionMM: small
// tiles (lavapipe's compile time grows quickly with the code and the
// workgroup arrays) that still have several lanes per row group, several
// rows and columns per invocation, chunks that do not divide by the
// invocations (12 rows of 2 make 24 invocations; a d chunk of 8 rows of 1
// vec4 is 8 loads for 16 invocations), dK in the kernel and by a GEMM
// ("g"), and d chunks of 1, 2 and 4 vec4s. The first two are cheap to
// compile: a CPU adapter runs only those, at head dim 64, unless
// GOCX_GPU_LONG=1.
var flashMMSets = [][2]string{
	{"m4x16t1x2k1", "m4x8t1x2k1"},
	{"m8x8t2x2k1", "m4x16t1x2k1g"},
	{"m12x8t2x2", "m12x8t2x2"},
	{"m8x16t2x4k2", "m8x8t2x2g"},
	{"m8x8t2x2", "m12x8t2x2k2g"},
}

// flashLong reports whether the long flash tests run: on a real GPU, or
// with GOCX_GPU_LONG=1 (lavapipe compiles the kernels for minutes).
func flashLong(d *Device) bool {
	return os.Getenv("GOCX_GPU_LONG") != "" || d.Info().DeviceType != "CPU"
}

// flashSetForm forces the form of the flash kernels on d (nil: the
// device's own).
func flashSetForm(d *Device, f *flashForm) {
	d.mu.Lock()
	d.flashState().form = f
	d.mu.Unlock()
}

// TestFlashAttentionMM checks the m tiles (flash_mm.wgsl: the forward, and
// the kv pass with dQ, or dQ and dK, as GEMMs on dSᵀ) against the float64
// reference at relative-norm 1e-4 on the shapes of TestFlashAttention
// (sequence lengths 1, 7, 54, 261, cross-attention, head dims 32, 64, 128;
// 1374 where TestFlashAttention runs it), with the small tiles of
// flashMMSets in the device's own form (rolled loops on a CPU adapter). A GPU's own m tiles run in TestFlashAttention
// and TestFlashAttentionTiles, the other form in TestFlashAttentionForms.
func TestFlashAttentionMM(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetFlashTiles("", "", "")
	long := flashLong(d)
	rng := rand.New(rand.NewPCG(83, 84))
	cases := flashCases
	if flashBig(d) {
		cases = append(cases[:len(cases):len(cases)], kernels.Attention{BH: 2, SQ: 1374, SK: 1374, HD: 64})
	}
	for _, p := range cases {
		if !long && p.HD != 64 {
			continue
		}
		if p.Scale == 0 {
			p.Scale = 1 / math.Sqrt(float64(p.HD))
		}
		nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
		q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
		want := newFlashRef(p, q, k, v, dout)
		sets := flashMMSets
		if !long {
			sets = sets[:2]
		}
		if p.SQ > 1000 && d.Info().DeviceType == "CPU" {
			sets = sets[:1]
		}
		for _, set := range sets {
			if err := d.SetFlashTiles(set[0], set[1], ""); err != nil {
				t.Fatal(err)
			}
			tiles := d.FlashTilesFor(p.HD)
			if !strings.Contains(tiles, "fwd "+set[0]) || !strings.Contains(tiles, "kv "+set[1]) || !strings.Contains(tiles, "q gemm") {
				t.Fatalf("forced %v, tiles %s", set, tiles)
			}
			t0 := time.Now()
			r := runFlash(t, d, p, q, k, v, dout)
			flashCheck(t, d, fmt.Sprintf("%+v %s", p, tiles), r, want, 1e-4)
			r.release()
			t.Logf("%+v %s: %v", p, tiles, time.Since(t0))
		}
	}
}

// TestFlashAttentionScratchFallback checks that the m tiles' backward
// falls back to the tiled passes when its dS scratch (BH·SK·SQ floats)
// would exceed a buffer (here a lowered limit), with the same gradients.
func TestFlashAttentionScratchFallback(t *testing.T) {
	d := openTestDevice(t)
	defer d.SetFlashTiles("", "", "")
	defer func() {
		d.mu.Lock()
		d.flashState().scratch = 0
		d.mu.Unlock()
	}()
	rng := rand.New(rand.NewPCG(85, 86))
	p := kernels.Attention{BH: 2, SQ: 54, SK: 37, HD: 64, Scale: 0.125}
	nq, nkv := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD
	q, k, v, dout := randSlice(rng, nq), randSlice(rng, nkv), randSlice(rng, nkv), randSlice(rng, nq)
	want := newFlashRef(p, q, k, v, dout)
	if err := d.SetFlashTiles(flashMMSets[0][0], flashMMSets[0][1], ""); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.flashState().scratch = p.BH*p.SQ*p.SK - 1
	d.mu.Unlock()
	r := runFlash(t, d, p, q, k, v, dout)
	flashCheck(t, d, "fallback", r, want, 1e-4)
	got := [][]float32{mustDownload(t, d, r.dq), mustDownload(t, d, r.dk), mustDownload(t, d, r.dv)}
	r.release()
	// The tiled passes forced: the same bits (the m tiles' dQ by GEMM sums
	// in another order, so an m-tile backward would not match).
	kv, err := d.flashTiledVariant(flashKV, p.HD)
	if err != nil {
		t.Fatal(err)
	}
	qv, err := d.flashTiledVariant(flashQ, p.HD)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetFlashTiles(flashMMSets[0][0], kv.Name, qv.Name); err != nil {
		t.Fatal(err)
	}
	r = runFlash(t, d, p, q, k, v, dout)
	for i, b := range []*Buffer{r.dq, r.dk, r.dv} {
		opExact(t, fmt.Sprintf("fallback vs tiled %s %s gradient %d", kv.Name, qv.Name, i), got[i], mustDownload(t, d, b))
	}
	r.release()
}

// TestFlashKernelsBuild builds (without running) the GPU form of the m
// tiles a GPU picks at head dim 64, with and without subgroup reductions,
// and with GOCX_GPU_LONG=1 every m tile of the tables at head dims 32, 64
// and 128: on a CPU
// adapter this checks the unrolled kernels an H100/H200 runs through naga
// and the driver's front end, which takes lavapipe under a second each,
// while running them would compile for minutes. lavapipe's pipeline
// creation does not check the workgroup memory against its 32 KiB, so the
// 48 KiB tiles of an H100/H200 build there; other devices (the OpenGL one
// checks at link time) build the tiles that fit them.
func TestFlashKernelsBuild(t *testing.T) {
	d := openTestDevice(t)
	long := flashLong(d)
	budget := int(d.limits.MaxComputeWorkgroupStorageSize)
	if strings.EqualFold(d.Info().Backend, "vulkan") {
		budget = max(budget, 49152)
	}
	sgOK, _ := d.Subgroups()
	for _, hd := range []int{32, 64, 128} {
		if !long && hd != 64 {
			continue
		}
		for _, pass := range []string{flashFwd, flashKV} {
			first, err := pickFlashVariant(pass, hd, flashGPUForm, nil, true, budget, 1024)
			if err != nil {
				t.Fatal(err)
			}
			for _, tl := range flashTilesGPU[pass] {
				if !tl.MM || !long && tl != first.flashTile {
					continue
				}
				for _, sg := range []bool{false, true} {
					v := newFlashVariant(pass, hd, tl, sg && pass == flashFwd, flashGPUForm)
					if !v.valid() || v.shared() > budget || sg && (pass != flashFwd || !sgOK) {
						continue
					}
					d.mu.Lock()
					_, err := d.flashKernel(v)
					d.mu.Unlock()
					if err != nil {
						t.Errorf("%s hd %d %s subgroups %v: %v", pass, hd, v.Name, sg, err)
					}
				}
			}
		}
	}
}

// TestFlashSharedSize checks, without a device, that the workgroup memory
// the tile choice counts (shared) is what the rendered kernels declare, for
// every tile of the tables at head dims 32, 64 and 128, both forms and
// both reductions: a count too small would let a tile past the device's
// limit.
func TestFlashSharedSize(t *testing.T) {
	decl := regexp.MustCompile(`var<workgroup> \w+: array<(vec4<f32>|f32), (\d+)>`)
	for _, form := range []flashForm{flashGPUForm, flashCPUForm} {
		for _, hd := range []int{32, 64, 128} {
			for _, pass := range flashPasses {
				for _, tl := range append(flashTilesGPU[pass], flashTilesCPU[pass]...) {
					for _, sg := range []bool{false, true} {
						v := newFlashVariant(pass, hd, tl, sg && pass == flashFwd, form)
						if !v.valid() {
							continue
						}
						file := "flash.wgsl"
						if v.MM {
							file = "flash_mm.wgsl"
						} else if pass != flashFwd {
							file = "flash_bwd.wgsl"
						}
						src, err := renderWGSL(file, v)
						if err != nil {
							t.Fatal(err)
						}
						n := 0
						for _, m := range decl.FindAllStringSubmatch(src, -1) {
							k, _ := strconv.Atoi(m[2])
							if m[1] == "f32" {
								n += 4 * k
							} else {
								n += 16 * k
							}
						}
						if n != v.shared() {
							t.Errorf("%s %s hd %d %+v subgroups %v: kernel declares %d B, shared() = %d", pass, tl, hd, form, v.Subgroups, n, v.shared())
						}
					}
				}
			}
		}
	}
}

// TestFlashTileNames checks the tile names SetFlashTiles takes.
func TestFlashTileNames(t *testing.T) {
	for _, c := range []struct {
		name string
		want flashTile
	}{
		{"64x32r4", ft(64, 32, 4)},
		{"m64x64t8x4", mt(64, 64, 8, 4)},
		{"m32x64t4x4k2", mt(32, 64, 4, 4).withKC(2)},
		{"m64x16t8x2g", mt(64, 16, 8, 2).withDKG()},
		{"m12x8t2x2k1g", mt(12, 8, 2, 2).withKC(1).withDKG()},
	} {
		got, err := parseFlashTile(c.name)
		if err != nil || got != c.want {
			t.Errorf("parseFlashTile(%q) = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "64x32", "m64x64t8", "m64x64t8x4k", "m64x64t8x4k4", "m64x64t8x4gk2", "x64x32r4", "m64x64t8x4 "} {
		if got, err := parseFlashTile(bad); err == nil {
			t.Errorf("parseFlashTile(%q) = %+v, want an error", bad, got)
		}
	}
}
