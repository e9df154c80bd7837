package state

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/nlpodyssey/gopickle/types"
)

// maxNesting bounds the depth of nested containers when flattening, which
// also stops self-referencing pickles.
const maxNesting = 64

// maxExpandedBytes bounds a tensor that has more elements than its storage
// (a stride-0 view such as expand()): materialising it must not exhaust
// memory on a crafted file.
const maxExpandedBytes = 1 << 30

// ReadTorch reads a PyTorch checkpoint written by torch.save: the zip format
// (PyTorch >= 1.6) or the legacy pickle stream. Nested dictionaries (dict,
// OrderedDict), lists and tuples are flattened with "." between levels, so
// {"teacher": {"backbone.cls_token": t}} gives the array
// "teacher.backbone.cls_token" and a list gives "name.0", "name.1", ...
// Tensors (float32/64, float16, bfloat16, int64/32, uint8, bool; contiguous
// or strided, nn.Parameter or plain) become contiguous arrays in the order
// they appear. Scalar leaves (numbers, strings, booleans) are recorded in
// Metadata under their flattened key; other objects (None, numpy values,
// argparse namespaces, ...) are skipped. Sparse, quantized and other tensor
// kinds, and tensors of unsupported types (int16, int8, complex), are errors
// naming the key.
//
// torch.save's pickle is interpreted, not executed: only the tensor rebuild
// functions are given meaning, so loading an untrusted file runs no code.
func ReadTorch(path string) (*File, error) {
	return readPath(path, "torch checkpoint", readTorch)
}

// ReadTorchFrom is ReadTorch for a file of the given size held by r.
func ReadTorchFrom(r io.ReaderAt, size int64) (*File, error) {
	f, err := readTorch(r, size)
	if err != nil {
		return nil, fmt.Errorf("state: torch checkpoint: %w", err)
	}
	return f, nil
}

func readTorch(r io.ReaderAt, size int64) (*File, error) {
	var head [4]byte
	if size < 4 {
		return nil, fmt.Errorf("file is only %d bytes", size)
	}
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	var obj any
	var err error
	switch {
	case bytes.Equal(head[:], []byte("PK\x03\x04")):
		obj, err = readTorchZip(r, size)
	case head[0] == 0x80: // pickle PROTO opcode
		obj, err = readTorchLegacy(r, size)
	default:
		return nil, fmt.Errorf("neither a zip archive nor a pickle stream (first bytes % x)", head)
	}
	if err != nil {
		return nil, err
	}
	f := NewFile()
	if _, isTensor := obj.(*torchTensor); isTensor {
		return nil, fmt.Errorf("the file holds a single tensor, not a dictionary of tensors")
	}
	if err := flatten(f, "", obj, 0); err != nil {
		return nil, err
	}
	return f, nil
}

// flatten adds every tensor under v to f with key prefix.
func flatten(f *File, prefix string, v any, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("%q: containers nested more than %d deep", prefix, maxNesting)
	}
	join := func(k any) (string, error) {
		var s string
		switch x := k.(type) {
		case string:
			s = x
		case int:
			s = strconv.Itoa(x)
		case *big.Int:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		default:
			return "", fmt.Errorf("%q: dictionary key of type %T is not supported", prefix, k)
		}
		if prefix == "" {
			return s, nil
		}
		return prefix + "." + s, nil
	}
	switch x := v.(type) {
	case *torchTensor:
		if prefix == "" {
			return fmt.Errorf("a tensor needs a name")
		}
		a, err := x.materialise(prefix)
		if err != nil {
			return err
		}
		if f.Has(prefix) {
			return fmt.Errorf("key %q occurs twice after flattening", prefix)
		}
		f.Arrays[prefix] = a
		f.Order = append(f.Order, prefix)
	case *types.OrderedDict:
		for e := x.List.Front(); e != nil; e = e.Next() {
			entry := e.Value.(*types.OrderedDictEntry)
			key, err := join(entry.Key)
			if err != nil {
				return err
			}
			if err := flatten(f, key, entry.Value, depth+1); err != nil {
				return err
			}
		}
	case *types.Dict:
		for _, entry := range *x {
			key, err := join(entry.Key)
			if err != nil {
				return err
			}
			if err := flatten(f, key, entry.Value, depth+1); err != nil {
				return err
			}
		}
	case *types.List:
		return flattenSeq(f, *x, join, depth)
	case *types.Tuple:
		return flattenSeq(f, *x, join, depth)
	case *opaqueObject:
		if x.isTensorRebuild() {
			return fmt.Errorf("%q: tensor kind %v is not supported (only dense strided tensors)", prefix, x)
		}
	case string, int, *big.Int, float64, bool:
		if prefix != "" {
			f.Metadata[prefix] = fmt.Sprint(x)
		}
	}
	return nil
}

func flattenSeq(f *File, items []any, join func(any) (string, error), depth int) error {
	for i, it := range items {
		key, err := join(i)
		if err != nil {
			return err
		}
		if err := flatten(f, key, it, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// materialise copies the strided view into a new contiguous array, checking
// every index against the storage first.
func (t *torchTensor) materialise(name string) (*Array, error) {
	st := t.storage
	if !st.dtype.Valid() {
		return nil, fmt.Errorf("%q: tensors of torch.%s are not supported", name, st.class)
	}
	if len(t.size) != len(t.stride) {
		return nil, fmt.Errorf("%q: size %v and stride %v differ in rank", name, t.size, t.stride)
	}
	n := NumElements(t.size)
	if n < 0 {
		return nil, fmt.Errorf("%q: invalid size %v", name, t.size)
	}
	shape := append([]int{}, t.size...)
	if n == 0 {
		return decodeLE(name, st.dtype, shape, nil), nil
	}
	if t.offset < 0 {
		return nil, fmt.Errorf("%q: negative storage offset %d", name, t.offset)
	}
	// last is the storage index of the last element of the view.
	last := uint64(t.offset)
	for i, d := range t.size {
		if t.stride[i] < 0 {
			return nil, fmt.Errorf("%q: negative stride %v", name, t.stride)
		}
		hi, step := bits.Mul64(uint64(d-1), uint64(t.stride[i]))
		last += step
		if hi != 0 || step >= uint64(st.numel) || last >= uint64(st.numel) {
			return nil, fmt.Errorf("%q: view (offset %d, size %v, stride %v) reaches past its storage of %d elements",
				name, t.offset, t.size, t.stride, st.numel)
		}
	}
	es := int64(st.elemSize)
	if n > st.numel && int64(n)*es > maxExpandedBytes {
		return nil, fmt.Errorf("%q: a view of %d elements on a storage of %d is too large to materialise", name, n, st.numel)
	}
	span, err := st.read(int64(t.offset)*es, (int64(last)-int64(t.offset)+1)*es)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	if isContiguous(t.size, t.stride) {
		return decodeLE(name, st.dtype, shape, span[:int64(n)*es]), nil
	}
	raw := make([]byte, int64(n)*es)
	idx := make([]int, len(t.size))
	for k := int64(0); k < int64(n); k++ {
		src := 0
		for i, j := range idx {
			src += j * t.stride[i]
		}
		copy(raw[k*es:(k+1)*es], span[int64(src)*es:])
		for i := len(idx) - 1; i >= 0; i-- { // odometer increment, last dim fastest
			idx[i]++
			if idx[i] < t.size[i] {
				break
			}
			idx[i] = 0
		}
	}
	return decodeLE(name, st.dtype, shape, raw), nil
}

// isContiguous reports whether stride is the row-major stride of size
// (dimensions of extent 1 may have any stride).
func isContiguous(size, stride []int) bool {
	want := 1
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != want {
			return false
		}
		if want > math.MaxInt/max(size[i], 1) {
			return false
		}
		want *= size[i]
	}
	return true
}
