package state

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"
)

// WriteSafetensors writes f to path atomically (see [WriteAtomic]).
// Every [DType] can be written; F16/BF16 round the held float32 values to
// nearest even, I32 fails on values out of range.
func WriteSafetensors(path string, f *File) error {
	if err := WriteAtomic(path, func(w io.Writer) error { return EncodeSafetensors(w, f) }); err != nil {
		return fmt.Errorf("state: writing safetensors %s: %w", path, err)
	}
	return nil
}

// EncodeSafetensors writes f in the safetensors format: an 8-byte
// little-endian header length, a JSON header padded with spaces to a
// multiple of 8 bytes, then the raw little-endian data with no gaps.
//
// The layout matches the reference writer's conventions so that every array
// is aligned to its element size: data is ordered by element size (largest
// first), ties in f.Order; the header lists "__metadata__" first (only when
// f.Metadata is non-empty), then the arrays in data order, each as
// {"dtype", "shape", "data_offsets"}.
func EncodeSafetensors(w io.Writer, f *File) error {
	if err := f.Check(); err != nil {
		return err
	}
	order := dataOrder(f)
	header, err := encodeHeader(f, order)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	if _, err := bw.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := bw.Write(header); err != nil {
		return err
	}
	var buf []byte
	for _, name := range order {
		buf, err = appendLE(buf[:0], f.Arrays[name])
		if err != nil {
			return err
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// dataOrder is f.Order stably sorted by element size, largest first.
func dataOrder(f *File) []string {
	order := f.Names()
	sort.SliceStable(order, func(i, j int) bool {
		return f.Arrays[order[i]].DType.Size() > f.Arrays[order[j]].DType.Size()
	})
	return order
}

func encodeHeader(f *File, order []string) ([]byte, error) {
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			h.WriteByte(',')
		}
		first = false
	}
	if len(f.Metadata) > 0 {
		sep()
		keys := make([]string, 0, len(f.Metadata))
		for k := range f.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if !utf8.ValidString(k) || !utf8.ValidString(f.Metadata[k]) {
				return nil, fmt.Errorf("metadata entry %q is not valid UTF-8", k)
			}
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, f.Metadata[k])
		}
		h.WriteByte('}')
	}
	offset := uint64(0)
	for _, name := range order {
		if name == "__metadata__" {
			return nil, fmt.Errorf("array name %q is reserved", name)
		}
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("array name %q is not valid UTF-8", name)
		}
		a := f.Arrays[name]
		n := uint64(a.Len()) * uint64(a.DType.Size())
		sep()
		writeJSONString(&h, name)
		h.WriteString(`:{"dtype":"`)
		h.WriteString(a.DType.String())
		h.WriteString(`","shape":[`)
		for i, d := range a.Shape {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		h.WriteString(`],"data_offsets":[`)
		h.WriteString(strconv.FormatUint(offset, 10))
		h.WriteByte(',')
		h.WriteString(strconv.FormatUint(offset+n, 10))
		h.WriteString("]}")
		offset += n
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), nil
}

// writeJSONString writes s as a JSON string without HTML escaping, as the
// reference writer does. Names were checked to be valid UTF-8.
func writeJSONString(h *bytes.Buffer, s string) {
	enc := json.NewEncoder(h)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // cannot fail for a string
	h.Truncate(h.Len() - 1) // Encode appends a newline
}
