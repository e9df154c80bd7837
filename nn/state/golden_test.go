package state_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
)

// Every golden file was written by the reference Python safetensors writer;
// reading it and writing it again must reproduce it byte for byte (same
// header layout, padding, order and data).
func TestGoldenSafetensorsByteIdentical(t *testing.T) {
	for _, rel := range golden.Files(t) {
		path := golden.Path(t, rel)
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := state.ParseSafetensors(want)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		viaPath, err := state.Read(path)
		if err != nil || viaPath.Len() != f.Len() {
			t.Fatalf("%s: Read: %v", rel, err)
		}
		var got bytes.Buffer
		if err := state.EncodeSafetensors(&got, f); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		// The writer orders data by element size for alignment. Where the
		// original is ordered that way too (not vit/io and ssl/io, which put
		// a U8 mask between F64 arrays), the bytes must be identical.
		if alignedOrder(f) {
			if !bytes.Equal(got.Bytes(), want) {
				n := 0
				for n < min(got.Len(), len(want)) && got.Bytes()[n] == want[n] {
					n++
				}
				t.Errorf("%s: re-encoded file differs from the original at byte %d (lengths %d, %d)", rel, n, got.Len(), len(want))
			}
			continue
		}
		again, err := state.ParseSafetensors(got.Bytes())
		if err != nil {
			t.Fatalf("%s: reading the re-encoded file: %v", rel, err)
		}
		if got.Len() != len(want) || again.Len() != f.Len() {
			t.Fatalf("%s: re-encoded file has %d bytes, %d arrays; want %d, %d", rel, got.Len(), again.Len(), len(want), f.Len())
		}
		for _, name := range f.Order {
			if !sameArray(f.Get(name), again.Get(name)) {
				t.Errorf("%s: array %q changed in the round trip", rel, name)
			}
		}
	}
}

// alignedOrder reports whether f's arrays (in file order) have
// non-increasing element sizes.
func alignedOrder(f *state.File) bool {
	for i := 1; i < len(f.Order); i++ {
		if f.Get(f.Order[i]).DType.Size() > f.Get(f.Order[i-1]).DType.Size() {
			return false
		}
	}
	return true
}

func sameArray(a, b *state.Array) bool {
	if b == nil || a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) {
		return false
	}
	return slices.Equal(a.F32, b.F32) && slices.Equal(a.F64, b.F64) && slices.Equal(a.I64, b.I64) && slices.Equal(a.U8, b.U8)
}
