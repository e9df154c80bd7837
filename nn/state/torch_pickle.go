package state

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// torchStorageTypes maps the storage classes torch.save names in its
// persistent ids to their element size and, where this package can hold
// them, the DType.
var torchStorageTypes = map[string]struct {
	size  int
	dtype DType
}{
	"FloatStorage":         {4, F32},
	"DoubleStorage":        {8, F64},
	"HalfStorage":          {2, F16},
	"BFloat16Storage":      {2, BF16},
	"LongStorage":          {8, I64},
	"IntStorage":           {4, I32},
	"ByteStorage":          {1, U8},
	"BoolStorage":          {1, Bool},
	"UntypedStorage":       {1, U8},
	"ShortStorage":         {2, InvalidDType},
	"CharStorage":          {1, InvalidDType},
	"ComplexFloatStorage":  {8, InvalidDType},
	"ComplexDoubleStorage": {16, InvalidDType},
	"QInt8Storage":         {1, InvalidDType},
	"QUInt8Storage":        {1, InvalidDType},
	"QInt32Storage":        {4, InvalidDType},
	"QUInt4x2Storage":      {1, InvalidDType},
	"QUInt2x4Storage":      {1, InvalidDType},
}

// torchStorageClass is the value of a pickled torch.<X>Storage global.
type torchStorageClass struct{ name string }

// torchStorage is one storage record: numel elements of the class's type.
// read returns n bytes starting at byte offset off within the storage.
type torchStorage struct {
	class    string
	elemSize int
	dtype    DType
	numel    int
	read     func(off, n int64) ([]byte, error)
}

// torchTensor is the result of torch._utils._rebuild_tensor(_v2): a
// strided view (offset, size, stride in elements) of a storage.
type torchTensor struct {
	storage *torchStorage
	offset  int
	size    []int
	stride  []int
}

// rebuildTensor implements torch._utils._rebuild_tensor_v2(storage, offset,
// size, stride, requires_grad, backward_hooks[, metadata]) and the older
// _rebuild_tensor(storage, offset, size, stride).
type rebuildTensor struct{ minArgs, maxArgs int }

func (r rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < r.minArgs || len(args) > r.maxArgs {
		return nil, fmt.Errorf("torch tensor rebuild: %d arguments, want %d to %d", len(args), r.minArgs, r.maxArgs)
	}
	st, ok := args[0].(*torchStorage)
	if !ok {
		return nil, fmt.Errorf("torch tensor rebuild: first argument is %T, not a storage", args[0])
	}
	offset, err := pickleInt(args[1])
	if err != nil {
		return nil, fmt.Errorf("torch tensor rebuild: storage offset: %w", err)
	}
	size, err := pickleInts(args[2])
	if err != nil {
		return nil, fmt.Errorf("torch tensor rebuild: size: %w", err)
	}
	stride, err := pickleInts(args[3])
	if err != nil {
		return nil, fmt.Errorf("torch tensor rebuild: stride: %w", err)
	}
	return &torchTensor{storage: st, offset: offset, size: size, stride: stride}, nil
}

// rebuildParameter implements torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks[, state]): an nn.Parameter is its tensor.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("torch parameter rebuild: no arguments")
	}
	return args[0], nil
}

// opaqueClass stands for any other global a pickle names (argparse
// namespaces, numpy scalars, ...). Its instances are kept as opaque values
// and skipped when flattening, so that an unrelated object in a checkpoint
// does not prevent loading its tensors.
type opaqueClass struct{ module, name string }

type opaqueObject struct{ class *opaqueClass }

func (c *opaqueClass) Call(...any) (any, error)   { return &opaqueObject{c}, nil }
func (c *opaqueClass) PyNew(...any) (any, error)  { return &opaqueObject{c}, nil }
func (*opaqueObject) PySetState(any) error        { return nil }
func (*opaqueObject) PyDictSet(any, any) error    { return nil }
func (*opaqueObject) PySetAttr(string, any) error { return nil }

// isTensorRebuild reports whether an opaque object was produced by one of
// PyTorch's tensor rebuild functions this package does not implement
// (sparse, quantized, meta or subclass tensors); flattening reports those
// as errors rather than dropping a tensor silently.
func (o *opaqueObject) isTensorRebuild() bool {
	return strings.HasPrefix(o.class.module, "torch") && strings.HasPrefix(o.class.name, "_rebuild")
}

func (o *opaqueObject) String() string { return o.class.module + "." + o.class.name }

func torchFindClass(module, name string) (any, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor{minArgs: 6, maxArgs: 7}, nil
	case "torch._utils._rebuild_tensor":
		return rebuildTensor{minArgs: 4, maxArgs: 4}, nil
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return rebuildParameter{}, nil
	}
	if module == "torch" || module == "torch.storage" {
		if _, ok := torchStorageTypes[name]; ok {
			return &torchStorageClass{name: name}, nil
		}
	}
	return &opaqueClass{module: module, name: name}, nil
}

// unpickle runs one pickle (already checked by scanPickle) with the torch
// classes and the given persistent-id loader. A panic inside the unpickler
// on malformed input becomes an error.
func unpickle(data []byte, persistentLoad func(any) (any, error)) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, fmt.Errorf("malformed pickle: %v", p)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = torchFindClass
	u.PersistentLoad = persistentLoad
	return u.Load()
}

// pickleInt converts a pickled integer to int.
func pickleInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case *big.Int:
		if x.IsInt64() && x.Int64() <= math.MaxInt && x.Int64() >= math.MinInt {
			return int(x.Int64()), nil
		}
		return 0, fmt.Errorf("integer %v out of range", x)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%T is not an integer", v)
}

// pickleInts converts a pickled tuple or list of integers (a torch.Size or
// a stride) to []int.
func pickleInts(v any) ([]int, error) {
	var items []any
	switch x := v.(type) {
	case *types.Tuple:
		items = *x
	case *types.List:
		items = *x
	default:
		return nil, fmt.Errorf("%T is not a tuple of integers", v)
	}
	out := make([]int, len(items))
	for i, it := range items {
		n, err := pickleInt(it)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
