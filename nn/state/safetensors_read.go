package state

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/nlpodyssey/safetensors"
)

// maxHeaderBytes bounds the JSON header, as the reference implementation
// does, so that a corrupted length cannot make us allocate gigabytes.
const maxHeaderBytes = 100_000_000

// ReadSafetensors reads a whole safetensors file. Arrays keep the order of
// their data in the file. Errors name the file.
func ReadSafetensors(path string) (*File, error) {
	return readPath(path, "safetensors file", readSafetensors)
}

// readPath opens path and reads it with read, naming the file (as a kind
// of file) in the errors.
func readPath(path, kind string, read func(io.ReaderAt, int64) (*File, error)) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	f, err := read(fh, info.Size())
	if err != nil {
		return nil, fmt.Errorf("state: %s %s: %w", kind, path, err)
	}
	return f, nil
}

// ReadSafetensorsFrom reads a safetensors file of the given size from r.
// Only one array's raw bytes are buffered at a time.
func ReadSafetensorsFrom(r io.ReaderAt, size int64) (*File, error) {
	f, err := readSafetensors(r, size)
	if err != nil {
		return nil, fmt.Errorf("state: safetensors: %w", err)
	}
	return f, nil
}

// ParseSafetensors decodes safetensors bytes held in memory.
func ParseSafetensors(b []byte) (*File, error) {
	return ReadSafetensorsFrom(bytes.NewReader(b), int64(len(b)))
}

// tensorEntry is one header entry with its byte range checked.
type tensorEntry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64
}

func readSafetensors(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("header length %d exceeds the %d-byte limit (not a safetensors file?)", n, maxHeaderBytes)
	}
	if n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field (truncated?)", n, size-8)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("reading %d-byte header: %w", n, err)
	}
	entries, meta, err := parseHeader(header, uint64(size-8)-n)
	if err != nil {
		return nil, err
	}

	f := NewFile()
	for k, v := range meta {
		f.Metadata[k] = v
	}
	dataStart := int64(8 + n)
	var buf []byte
	for _, e := range entries {
		nb := int(e.end - e.begin)
		if cap(buf) < nb {
			buf = make([]byte, nb)
		}
		raw := buf[:nb]
		if _, err := r.ReadAt(raw, dataStart+int64(e.begin)); err != nil {
			return nil, fmt.Errorf("tensor %q: reading %d bytes at data offset %d: %w", e.name, nb, e.begin, err)
		}
		f.Arrays[e.name] = decodeLE(e.name, e.dtype, e.shape, raw)
		f.Order = append(f.Order, e.name)
	}
	return f, nil
}

// parseHeader decodes the JSON header with the safetensors package and checks
// every entry against the dataLen bytes that follow the header: supported
// dtype, shape×dtype size equal to the byte range, ranges contiguous from 0
// without gaps or overlaps, the last one ending at the end of the file.
func parseHeader(header []byte, dataLen uint64) ([]tensorEntry, map[string]string, error) {
	if !utf8.Valid(header) {
		return nil, nil, fmt.Errorf("header is not valid UTF-8")
	}
	var md safetensors.Metadata
	if err := json.Unmarshal(header, &md); err != nil {
		return nil, nil, fmt.Errorf("bad JSON header: %w", err)
	}
	infos := md.Tensors()
	entries := make([]tensorEntry, 0, len(infos))
	for name, info := range infos {
		if name == "" {
			return nil, nil, fmt.Errorf("tensor with an empty name")
		}
		dt, err := ParseDType(info.DType.String())
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: unsupported dtype %v (supported: F32, F64, F16, BF16, I64, I32, U8, BOOL)", name, info.DType)
		}
		shape := make([]int, len(info.Shape))
		count := uint64(1)
		for i, d := range info.Shape {
			if d > math.MaxInt {
				return nil, nil, fmt.Errorf("tensor %q: dimension %d of shape %v is too large", name, i, info.Shape)
			}
			shape[i] = int(d)
			hi, lo := bits.Mul64(count, d)
			if hi != 0 {
				return nil, nil, fmt.Errorf("tensor %q: shape %v overflows", name, info.Shape)
			}
			count = lo
		}
		hi, nbytes := bits.Mul64(count, uint64(dt.Size()))
		if hi != 0 || nbytes > dataLen {
			return nil, nil, fmt.Errorf("tensor %q: shape %v of %v needs more bytes than the %d-byte data section", name, info.Shape, dt, dataLen)
		}
		b, e := info.DataOffsets[0], info.DataOffsets[1]
		if e < b || e > dataLen {
			return nil, nil, fmt.Errorf("tensor %q: data offsets [%d, %d] outside the %d-byte data section", name, b, e, dataLen)
		}
		if e-b != nbytes {
			return nil, nil, fmt.Errorf("tensor %q: shape %v of %v is %d bytes but data offsets [%d, %d] span %d", name, info.Shape, dt, nbytes, b, e, e-b)
		}
		entries = append(entries, tensorEntry{name: name, dtype: dt, shape: shape, begin: b, end: e})
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	pos := uint64(0)
	for _, e := range entries {
		if e.begin != pos {
			if e.begin < pos {
				return nil, nil, fmt.Errorf("tensor %q: data offsets [%d, %d] overlap the previous tensor (ends at %d)", e.name, e.begin, e.end, pos)
			}
			return nil, nil, fmt.Errorf("tensor %q: data offsets [%d, %d] leave a gap after byte %d", e.name, e.begin, e.end, pos)
		}
		pos = e.end
	}
	if pos != dataLen {
		return nil, nil, fmt.Errorf("tensors cover %d bytes of the %d-byte data section (truncated or trailing data)", pos, dataLen)
	}
	return entries, md.Metadata(), nil
}
