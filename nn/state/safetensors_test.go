package state

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"
)

// allTypesFile holds one array of every DType, plus a scalar, an empty array
// and awkward names. F16/BF16 values are exactly representable.
func allTypesFile() *File {
	f := NewFile()
	f.Metadata["format"] = "pt"
	f.Metadata["note"] = `quotes " and <html> & unicode é`
	f.MustAdd(NewF32("blocks.0.w", []int{2, 3}, []float32{1, -2, 3.5, 1e-30, -0, 7}))
	f.MustAdd(NewU8("u8", []int{3}, []uint8{0, 255, 9}))
	f.MustAdd(NewF64("f64", []int{2}, []float64{1e-300, -2.5}))
	f.MustAdd(&Array{Name: "half", DType: F16, Shape: []int{3}, F32: []float32{1, -65504, 5.9604645e-08}})
	f.MustAdd(&Array{Name: "bf", DType: BF16, Shape: []int{2}, F32: []float32{-3.140625, 1}})
	f.MustAdd(NewI64("idx", []int{2, 1}, []int64{-1, 1 << 50}))
	f.MustAdd(&Array{Name: "i32", DType: I32, Shape: []int{2}, I64: []int64{-2147483648, 2147483647}})
	f.MustAdd(NewBool("mask", []int{2, 2}, []bool{true, false, false, true}))
	f.MustAdd(NewF32("scalar", nil, []float32{2.5}))
	f.MustAdd(NewF32("empty", []int{0, 4}, []float32{}))
	f.MustAdd(NewF32("ünïcode/<name>", []int{1}, []float32{4}))
	return f
}

func equalFiles(t *testing.T, got, want *File) {
	t.Helper()
	if got.Len() != want.Len() {
		t.Fatalf("got %d arrays %v, want %d %v", got.Len(), got.Order, want.Len(), want.Order)
	}
	for _, name := range want.Order {
		w, g := want.Get(name), got.Get(name)
		if g == nil {
			t.Fatalf("array %q missing", name)
		}
		if g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) {
			t.Fatalf("%q: got %v %v, want %v %v", name, g.DType, g.Shape, w.DType, w.Shape)
		}
		gv, _ := g.AsFloat64()
		wv, _ := w.AsFloat64()
		if !slices.Equal(gv, wv) {
			t.Fatalf("%q: got %v, want %v", name, gv, wv)
		}
	}
	if len(got.Metadata) != len(want.Metadata) || (len(want.Metadata) > 0 && !reflect.DeepEqual(got.Metadata, want.Metadata)) {
		t.Fatalf("metadata %v, want %v", got.Metadata, want.Metadata)
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	want := allTypesFile()
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteSafetensors(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	equalFiles(t, got, want)
	// Data (and so read) order: element size descending, ties in insertion order.
	wantOrder := []string{"f64", "idx", "blocks.0.w", "i32", "scalar", "empty", "ünïcode/<name>", "half", "bf", "u8", "mask"}
	if !slices.Equal(got.Order, wantOrder) {
		t.Errorf("order %v, want %v", got.Order, wantOrder)
	}
	// Writing what was read reproduces the file byte for byte.
	var a, b bytes.Buffer
	if err := EncodeSafetensors(&a, want); err != nil {
		t.Fatal(err)
	}
	if err := EncodeSafetensors(&b, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("re-encoding a read file changed its bytes")
	}
	// An independent parser (the safetensors package's own validation,
	// which follows the reference implementation) accepts the output.
	st, err := safetensors.Deserialize(a.Bytes())
	if err != nil {
		t.Fatalf("safetensors.Deserialize rejects our output: %v", err)
	}
	if st.Len() != want.Len() {
		t.Errorf("safetensors.Deserialize sees %d tensors", st.Len())
	}
	tv, ok := st.Tensor("half")
	if !ok || tv.DType() != safetensors.F16 || !bytes.Equal(tv.Data(), []byte{0x00, 0x3c, 0xff, 0xfb, 0x01, 0x00}) {
		t.Errorf("half as seen by safetensors: %v %v % x", ok, tv.DType(), tv.Data())
	}
}

// The layout, checked byte by byte against the format: u64 LE header
// length, compact JSON header padded with spaces to a multiple of 8, data
// in header order without gaps.
func TestSafetensorsLayout(t *testing.T) {
	f := NewFile()
	f.Metadata["format"] = "pt"
	f.MustAdd(NewF32("a", []int{2}, []float32{1, -2}))
	f.MustAdd(NewU8("b", []int{3}, []uint8{1, 2, 3}))
	var got bytes.Buffer
	if err := EncodeSafetensors(&got, f); err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	want := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	want = append(want, header...)
	want = append(want, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 1, 2, 3)
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("got\n%q\nwant\n%q", got.Bytes(), want)
	}
	// The safetensors package's writer (which mirrors the reference Python
	// writer) produces the same bytes.
	views := map[string]safetensors.TensorView{}
	for _, name := range f.Order {
		a := f.Get(name)
		raw, _ := appendLE(nil, a)
		dt, _ := safetensors.ParseDType(a.DType.String())
		views[name] = mustView(t, dt, []uint64{uint64(a.Shape[0])}, raw)
	}
	ref, err := safetensors.Serialize(views, f.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ref, want) {
		t.Fatalf("safetensors.Serialize gives\n%q", ref)
	}
}

func mustView(t *testing.T, dt safetensors.DType, shape []uint64, raw []byte) safetensors.TensorView {
	v, err := safetensors.NewTensorView(dt, shape, raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// corrupt builds a file from a header string and data bytes.
func corrupt(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestSafetensorsCorrupt(t *testing.T) {
	data8 := make([]byte, 8)
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<40)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "shorter than the 8-byte header length"},
		{"header too large", append(hugeLen, "{}"...), "exceeds the 100000000-byte limit"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 50), "{}"...), "exceeds the 2 bytes after"},
		{"bad json", corrupt(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`, data8), "bad JSON header"},
		{"not an object", corrupt(`[1,2]`, nil), "bad JSON header"},
		{"unknown dtype", corrupt(`{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}`, data8), "bad JSON header"},
		{"unsupported dtype", corrupt(`{"a":{"dtype":"I16","shape":[4],"data_offsets":[0,8]}}`, data8), `tensor "a": unsupported dtype I16`},
		{"missing field", corrupt(`{"a":{"dtype":"F32","shape":[2]}}`, data8), "bad JSON header"},
		{"negative dim", corrupt(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, data8), "bad JSON header"},
		{"offsets past end", corrupt(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, data8), "needs more bytes than the 8-byte data section"},
		{"end before begin", corrupt(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, data8), "outside the 8-byte data section"},
		{"size mismatch", corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, data8), "is 4 bytes but data offsets [0, 8] span 8"},
		{"overlap", corrupt(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "overlap"},
		{"gap", corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "leave a gap after byte 0"},
		{"trailing data", corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, data8), "cover 4 bytes of the 8-byte data section"},
		{"truncated data", corrupt(`{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`, data8[:7]), "needs more bytes than the 7-byte data section"},
		{"shape overflow", corrupt(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, data8), "overflows"},
		{"empty name", corrupt(`{"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, data8), "empty name"},
		{"bad metadata", corrupt(`{"__metadata__":{"a":1}}`, nil), "bad JSON header"},
		{"invalid utf8", corrupt("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data8), "not valid UTF-8"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := ReadSafetensors(path)
		if err == nil {
			t.Errorf("%s: no error, got %d arrays", c.name, f.Len())
			continue
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q should name the file and contain %q", c.name, err, c.want)
		}
	}
}

// A failed write leaves the previous file intact and no temporary file.
func TestWriteSafetensorsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	orig := allTypesFile()
	if err := WriteSafetensors(path, orig); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	bad := NewFile()
	bad.MustAdd(NewF32("ok", []int{1}, []float32{1}))
	bad.MustAdd(&Array{Name: "big", DType: I32, Shape: []int{1}, I64: []int64{1 << 40}})
	err := WriteSafetensors(path, bad)
	if err == nil || !strings.Contains(err.Error(), `"big"`) || !strings.Contains(err.Error(), "does not fit I32") {
		t.Fatalf("want an I32 range error naming the array, got %v", err)
	}
	malformed := NewFile()
	malformed.Arrays["x"] = NewF32("x", []int{3}, []float32{1})
	malformed.Order = []string{"x"}
	if err := WriteSafetensors(path, malformed); err == nil {
		t.Fatal("writing a malformed array succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed write changed the existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after failed writes, want 1", len(entries))
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
}
