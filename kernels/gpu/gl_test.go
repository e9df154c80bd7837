//go:build gl

package gpu

import (
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGLAdapterListed checks that Adapters lists the OpenGL device when
// one opens.
func TestGLAdapterListed(t *testing.T) {
	if os.Getenv("GOCX_GPU_BACKEND") != "gl" {
		t.Skip("the OpenGL device is not under test (GOCX_GPU_BACKEND=gl)")
	}
	d := openTestDevice(t)
	list, err := Adapters()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Backend == BackendGL && a.Name == d.Info().Name {
			return
		}
	}
	t.Fatalf("Adapters() = %v, want the OpenGL device %s", list, d.Info())
}

// TestGLOpenErrors opens the OpenGL device in a child process whose
// environment takes the EGL drivers away (GLVND then finds no vendor
// library) or caps Mesa at OpenGL 3.3, and checks that Open fails with an
// error naming what is missing.
func TestGLOpenErrors(t *testing.T) {
	cases := []struct {
		name string
		env  string
		want string
		mesa bool // only meaningful with Mesa's OpenGL
	}{
		{"no EGL display", "__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent/gocx_egl_vendor.json", "no EGL display", false},
		{"no OpenGL 4.3", "MESA_GL_VERSION_OVERRIDE=3.3", "no OpenGL 4.3 core context", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.mesa {
				if os.Getenv("GOCX_GPU_BACKEND") != "gl" {
					t.Skip("needs the OpenGL device under test (GOCX_GPU_BACKEND=gl)")
				}
				if d := openTestDevice(t); !strings.Contains(d.Info().Driver, "Mesa") {
					t.Skipf("not Mesa's OpenGL: %s", d.Info())
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestGLOpenChild$", "-test.v")
			cmd.Env = append(os.Environ(), "GOCX_GL_OPEN_CHILD=1", c.env)
			out, _ := cmd.CombinedOutput()
			got := string(out)
			i := strings.Index(got, "OPEN RESULT: ")
			if i < 0 {
				t.Fatalf("child printed no result:\n%s", got)
			}
			line := strings.SplitN(got[i:], "\n", 2)[0]
			t.Log(line)
			if !strings.Contains(line, "gpu: OpenGL device: "+c.want) {
				t.Errorf("with %s: %s, want an error containing %q", c.env, line, c.want)
			}
		})
	}
}

// TestGLOpenChild is the child half of TestGLOpenErrors.
func TestGLOpenChild(t *testing.T) {
	if os.Getenv("GOCX_GL_OPEN_CHILD") == "" {
		t.Skip("run by TestGLOpenErrors")
	}
	d, err := Open(Options{Backend: BackendGL})
	if err != nil {
		t.Logf("OPEN RESULT: %v", err)
		return
	}
	t.Logf("OPEN RESULT: opened %s", d.Info())
	d.Close()
}

// TestGLTranslatesGemmVariants translates (without compiling: llvmpipe
// takes minutes over the large unrolled tiles) every GEMM tile variant a
// real GPU would use, in every layout and epilogue, to GLSL 4.30.
func TestGLTranslatesGemmVariants(t *testing.T) {
	n := 0
	for _, tile := range append(GemmTiles[:len(GemmTiles):len(GemmTiles)], testGemmTiles...) {
		for mask := 0; mask < 1<<5; mask++ {
			bit := func(i int) bool { return mask&(1<<i) != 0 }
			v := gemmVariant{
				Name: tile.Name, BM: tile.BM, BN: tile.BN, BK: tile.BK, TM: tile.TM, TN: tile.TN,
				Stages: 2, TransA: bit(0), TransB: bit(1), Beta: bit(2), Bias: bit(3), Gelu: bit(4),
				VecA: bit(0), VecB: !bit(1), VecC: true, Unroll: true, Group: 8,
			}
			if !v.TransA {
				v.PadA = 1
			}
			if v.TransB {
				v.PadB = 1
			}
			v.derive()
			src, err := renderWGSL("gemm.wgsl", v)
			if err != nil {
				t.Fatal(err)
			}
			nb := 3
			if v.Bias {
				nb = 4
			}
			if _, err := wgslToGLSL(src, nb); err != nil {
				t.Errorf("GEMM variant %+v: %v", v, err)
			}
			n++
		}
	}
	t.Logf("%d GEMM variants translate", n)
}

// TestGLVectorSelect runs a WGSL select with a vec4<bool> condition, which
// the translation turns into GLSL's mix with a bvec (naga alone writes an
// invalid `?:`), on values that interpolation would turn into NaN.
func TestGLVectorSelect(t *testing.T) {
	if os.Getenv("GOCX_GPU_BACKEND") != "gl" {
		t.Skip("the OpenGL device is not under test (GOCX_GPU_BACKEND=gl)")
	}
	d := openTestDevice(t)
	const src = `
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> P: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x < P.n) {
        let v = x[g.x];
        y[g.x] = select(v, vec4<f32>(-3.0e38), v > vec4<f32>(0.0));
    }
}`
	inf := float32(math.Inf(1))
	in := []float32{1, -1, 0, inf, -inf, 2.5, -7, 3e38}
	want := make([]float32, len(in))
	for i, v := range in {
		want[i] = v
		if v > 0 {
			want[i] = -3e38
		}
	}
	x := mustUpload(t, d, in)
	defer x.Release()
	y, err := d.Alloc(len(in))
	if err != nil {
		t.Fatal(err)
	}
	defer y.Release()
	d.mu.Lock()
	prog, err := d.x.compile("vector select", src, []access{readOnly, readWrite})
	if err == nil {
		defer prog.release()
		var p params
		p.int(len(in) / 4)
		err = d.dispatch(&kernel{name: "vector select", prog: prog, nStorage: 2}, &p, []*devBuf{x.buf, y.buf}, 1, 1, 1)
	}
	d.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	got := mustDownload(t, d, y)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("select at %d (x=%v): got %v, want %v", i, in[i], got[i], want[i])
		}
	}
}
