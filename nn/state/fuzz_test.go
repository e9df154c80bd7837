package state_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
)

// FuzzParseSafetensors feeds arbitrary bytes to the safetensors reader. It
// must never panic, and whatever it accepts must be a well-formed File that
// survives a write/read round trip unchanged. Seeds: the header of every
// golden file (valid JSON, but the data is cut off) and small valid files.
// Run: go test ./nn/state -run '^$' -fuzz FuzzParseSafetensors -fuzztime 30s
func FuzzParseSafetensors(f *testing.F) {
	for _, rel := range golden.Files(f) {
		b, err := os.ReadFile(golden.Path(f, rel))
		if err != nil {
			f.Fatal(err)
		}
		n := binary.LittleEndian.Uint64(b)
		f.Add(b[:8+n])
	}
	small := state.NewFile()
	small.Metadata["format"] = "pt"
	small.MustAdd(state.NewF32("w", []int{2, 2}, []float32{1, 2, 3, 4}))
	small.MustAdd(state.NewI64("i", []int{1}, []int64{-5}))
	small.MustAdd(state.NewBool("m", []int{3}, []bool{true, false, true}))
	small.MustAdd(&state.Array{Name: "h", DType: state.F16, Shape: []int{2}, F32: []float32{1, -2}})
	small.MustAdd(state.NewF32("s", nil, []float32{7}))
	var buf bytes.Buffer
	if err := state.EncodeSafetensors(&buf, small); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'})

	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := state.ParseSafetensors(data)
		if err != nil {
			return
		}
		if err := file.Check(); err != nil {
			t.Fatalf("accepted a malformed file: %v", err)
		}
		var out bytes.Buffer
		if err := state.EncodeSafetensors(&out, file); err != nil {
			// Only metadata or names that cannot be re-encoded may fail.
			return
		}
		again, err := state.ParseSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("cannot read back what was written: %v", err)
		}
		if again.Len() != file.Len() {
			t.Fatalf("round trip changed the array count %d -> %d", file.Len(), again.Len())
		}
		for _, name := range file.Order {
			a, b := file.Get(name), again.Get(name)
			if b == nil || a.DType != b.DType || a.Len() != b.Len() {
				t.Fatalf("round trip changed %q", name)
			}
		}
	})
}

// FuzzReadTorch feeds arbitrary bytes to the PyTorch checkpoint reader
// (zip and legacy formats); it must never panic, and what it accepts must
// be well formed. Seeds: the testdata/torch fixtures.
// Run: go test ./nn/state -run '^$' -fuzz FuzzReadTorch -fuzztime 30s
func FuzzReadTorch(f *testing.F) {
	for _, name := range []string{"state_dict_zip.pth", "state_dict_legacy.pth", "nested_zip.pth", "unsupported_int16.pth"} {
		b, err := os.ReadFile("../../testdata/torch/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := state.ReadTorchFrom(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if err := file.Check(); err != nil {
			t.Fatalf("accepted a malformed file: %v", err)
		}
	})
}
