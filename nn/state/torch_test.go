package state

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The fixtures are written by testdata/torch/make_fixtures.py (PyTorch 1.13).
const torchFixtures = "../../testdata/torch/"

// fixtureOrder is the insertion order of the fixture state dict.
var fixtureOrder = []string{"f32", "f64", "f16", "bf16", "i64", "i32", "u8", "bool", "scalar", "empty",
	"transposed", "rows_1_3", "cols_step", "expanded", "param"}

type expectedArray struct {
	DType  string    `json:"dtype"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

func loadExpected(t *testing.T) map[string]expectedArray {
	t.Helper()
	b, err := os.ReadFile(torchFixtures + "expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]expectedArray
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReadTorchStateDict(t *testing.T) {
	want := loadExpected(t)
	for _, name := range []string{"state_dict_zip.pth", "state_dict_legacy.pth"} {
		for _, read := range []func(string) (*File, error){ReadTorch, Read} {
			f, err := read(torchFixtures + name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !slices.Equal(f.Order, fixtureOrder) {
				t.Fatalf("%s: order %v, want %v", name, f.Order, fixtureOrder)
			}
			if err := f.Check(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for key, w := range want {
				a := f.Get(key)
				if a.DType.String() != w.DType || !slices.Equal(a.Shape, w.Shape) {
					t.Errorf("%s %s: %v %v, want %s %v", name, key, a.DType, a.Shape, w.DType, w.Shape)
					continue
				}
				got, err := a.AsFloat64()
				if err != nil || !slices.Equal(got, w.Values) {
					t.Errorf("%s %s: values %v, want %v (%v)", name, key, got, w.Values, err)
				}
			}
		}
	}
}

func TestReadTorchNested(t *testing.T) {
	f, err := ReadTorch(torchFixtures + "nested_zip.pth")
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"teacher.backbone.cls_token", "teacher.backbone.blocks.0.0.norm1.weight",
		"teacher.dino_head.last_layer.weight_g", "pair.0", "pair.1"}
	if !slices.Equal(f.Order, wantKeys) {
		t.Errorf("keys %v, want %v", f.Order, wantKeys)
	}
	if f.Metadata["iteration"] != "7" || len(f.Metadata) != 1 {
		t.Errorf("metadata %v, want only iteration=7 (the Namespace and None are skipped)", f.Metadata)
	}
	if v := f.Get("pair.1").F32; !slices.Equal(v, []float32{2, 3}) {
		t.Errorf("pair.1 = %v", v)
	}
}

func TestReadTorchUnsupportedDType(t *testing.T) {
	path := torchFixtures + "unsupported_int16.pth"
	_, err := ReadTorch(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"w"`) ||
		!strings.Contains(err.Error(), "ShortStorage") {
		t.Errorf("err = %v; want one naming the file, the key and the storage type", err)
	}
}

// Every truncation of a valid checkpoint must be an error, and no single
// corrupted byte may cause a panic.
func TestReadTorchTruncatedAndCorrupted(t *testing.T) {
	for _, name := range []string{"state_dict_zip.pth", "state_dict_legacy.pth", "nested_zip.pth"} {
		full, err := os.ReadFile(torchFixtures + name)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(full); n++ {
			if f, err := ReadTorchFrom(bytes.NewReader(full[:n]), int64(n)); err == nil {
				t.Fatalf("%s cut to %d of %d bytes: no error (%d arrays)", name, n, len(full), f.Len())
			}
		}
		b := slices.Clone(full)
		for i := range b {
			orig := b[i]
			for _, x := range []byte{orig ^ 0xff, orig + 1} {
				b[i] = x
				if f, err := ReadTorchFrom(bytes.NewReader(b), int64(len(b))); err == nil {
					if err := f.Check(); err != nil {
						t.Fatalf("%s with byte %d = 0x%02x: accepted a malformed file: %v", name, i, x, err)
					}
				}
			}
			b[i] = orig
		}
	}
}

// rezip copies the zip records of a fixture through edit (which may change
// a record's name, data or compression, or drop it with ok=false).
func rezip(t *testing.T, src string, edit func(name string, data []byte) (newName string, newData []byte, method uint16, ok bool)) []byte {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		name, data, method, ok := edit(zf.Name, data)
		if !ok {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return out.Bytes()
}

func TestReadTorchZipErrors(t *testing.T) {
	src := torchFixtures + "state_dict_zip.pth"
	keep := func(name string, data []byte) (string, []byte, uint16, bool) { return name, data, zip.Store, true }
	// The re-zipped but unchanged archive still reads.
	if _, err := ReadTorchFrom(bytes.NewReader(rezip(t, src, keep)), int64(len(rezip(t, src, keep)))); err != nil {
		t.Fatalf("re-zipped fixture: %v", err)
	}
	cases := []struct {
		name string
		edit func(string, []byte) (string, []byte, uint16, bool)
		want string
	}{
		{"compressed record", func(n string, d []byte) (string, []byte, uint16, bool) {
			if strings.HasSuffix(n, "/data/0") {
				return n, d, zip.Deflate, true
			}
			return n, d, zip.Store, true
		}, "is compressed"},
		{"missing record", func(n string, d []byte) (string, []byte, uint16, bool) {
			return n, d, zip.Store, !strings.HasSuffix(n, "/data/3")
		}, "data/3 is missing"},
		{"short record", func(n string, d []byte) (string, []byte, uint16, bool) {
			if strings.HasSuffix(n, "/data/0") {
				d = d[:len(d)-4]
			}
			return n, d, zip.Store, true
		}, "the record has 20"},
		{"no data.pkl", func(n string, d []byte) (string, []byte, uint16, bool) {
			return n, d, zip.Store, !strings.HasSuffix(n, "data.pkl")
		}, "no <archive>/data.pkl"},
		{"torchscript", func(n string, d []byte) (string, []byte, uint16, bool) {
			if strings.HasSuffix(n, "/version") {
				n = strings.TrimSuffix(n, "version") + "constants.pkl"
			}
			return n, d, zip.Store, true
		}, "TorchScript"},
		{"big endian", func(n string, d []byte) (string, []byte, uint16, bool) {
			if strings.HasSuffix(n, "/version") {
				return strings.TrimSuffix(n, "version") + "byteorder", []byte("big"), zip.Store, true
			}
			return n, d, zip.Store, true
		}, "little-endian"},
		{"truncated pickle", func(n string, d []byte) (string, []byte, uint16, bool) {
			if strings.HasSuffix(n, "data.pkl") {
				d = d[:len(d)/2]
			}
			return n, d, zip.Store, true
		}, "pickle truncated"},
	}
	for _, c := range cases {
		b := rezip(t, src, c.edit)
		_, err := ReadTorchFrom(bytes.NewReader(b), int64(len(b)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestMaterialiseBounds(t *testing.T) {
	data := []byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64} // float32 1, 2, 3
	st := &torchStorage{class: "FloatStorage", elemSize: 4, dtype: F32, numel: 3,
		read: func(o, n int64) ([]byte, error) { return data[o : o+n], nil }}
	ok := []struct {
		tt   torchTensor
		want []float32
	}{
		{torchTensor{st, 1, []int{2}, []int{1}}, []float32{2, 3}},
		{torchTensor{st, 0, []int{2, 2}, []int{0, 2}}, []float32{1, 3, 1, 3}},
		{torchTensor{st, 2, nil, nil}, []float32{3}},
		{torchTensor{st, 5, []int{0}, []int{1}}, []float32{}},
	}
	for _, c := range ok {
		a, err := c.tt.materialise("x")
		if err != nil || !slices.Equal(a.F32, c.want) {
			t.Errorf("%+v: got %v, %v; want %v", c.tt, a, err, c.want)
		}
	}
	bad := []torchTensor{
		{st, 2, []int{2}, []int{1}},       // one past the end
		{st, 0, []int{2}, []int{3}},       // stride past the end
		{st, -1, []int{1}, []int{1}},      // negative offset
		{st, 0, []int{2}, []int{-1}},      // negative stride
		{st, 0, []int{2}, []int{1, 1}},    // rank mismatch
		{st, 0, []int{1 << 40}, []int{0}}, // huge expanded view
		{st, 0, []int{2, 1 << 62}, []int{1 << 62, 1}},
	}
	for _, tt := range bad {
		if _, err := tt.materialise("x"); err == nil || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("%+v: err = %v, want an error naming the key", tt, err)
		}
	}
}

func TestReadDispatch(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "m.bin")
	f := NewFile()
	f.MustAdd(NewF32("a", []int{1}, []float32{1}))
	if err := WriteSafetensors(st, f); err != nil {
		t.Fatal(err)
	}
	if g, err := Read(st); err != nil || g.Len() != 1 {
		t.Errorf("Read of safetensors content with a .bin name: %v", err)
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "storages", Size: 1, Mode: 0o644})
	tw.Write([]byte{1})
	tw.Close()
	cases := map[string]struct {
		data []byte
		want string
	}{
		"junk.pth":           {[]byte("hello world, not a checkpoint"), "unknown format"},
		"empty.pt":           {nil, "unknown format"},
		"old.pth":            {tb.Bytes(), "tar format"},
		"bad.safetensors":    {[]byte{200, 0, 0, 0, 0, 0, 0, 0, ' ', '{'}, "exceeds the 2 bytes"},
		"truncated.pth":      {[]byte("PK\x03\x04 cut"), "bad zip archive"},
		"legacy_garbage.pth": {[]byte{0x80, 0x02, 0xff, 0xff}, "unknown pickle opcode"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, c.data, 0o644)
		_, err := Read(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s): err = %v, want one naming the file and containing %q", name, err, c.want)
		}
	}
}

// A safetensors header whose length's first two bytes read as a pickle
// PROTO opcode (0x80, then ≥ 2: lengths 512 + 256k + 128) is still
// safetensors: one file in 256 of every size from 640 bytes of header up
// was once read as a legacy torch pickle and failed.
func TestReadSafetensorsWhoseLengthLooksLikePickle(t *testing.T) {
	dir := t.TempDir()
	hits := 0
	for pad := 0; pad < 300; pad++ {
		f := NewFile()
		f.MustAdd(NewF32("w", []int{2}, []float32{1, 2}))
		f.Metadata["pad"] = strings.Repeat("x", 500+pad)
		p := filepath.Join(dir, "m.safetensors")
		if err := WriteSafetensors(p, f); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if raw[0] == 0x80 && raw[1] >= 2 {
			hits++
		}
		g, err := Read(p)
		if err != nil {
			t.Fatalf("header length %#x: %v", binary.LittleEndian.Uint64(raw), err)
		}
		if got := g.Arrays["w"].F32; got[0] != 1 || got[1] != 2 || g.Metadata["pad"] != f.Metadata["pad"] {
			t.Fatalf("header length %#x: read back %v", binary.LittleEndian.Uint64(raw), got)
		}
	}
	if hits == 0 {
		t.Fatal("no header length of the form 0x..80 with a second byte ≥ 2 was produced; the test checks nothing")
	}
}
