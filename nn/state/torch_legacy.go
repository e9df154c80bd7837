package state

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"

	"github.com/nlpodyssey/gopickle/types"
)

// legacyMagic is the magic number that opens a legacy torch.save stream.
const legacyMagic = "1950a86a20f9469cfc6c"

// readTorchLegacy reads the legacy (PyTorch < 1.6, or
// _use_new_zipfile_serialization=False) format: five pickles back to back
// (magic number, protocol version 1001, system info, the object, the list of
// storage keys), then for each key an int64 element count and the raw
// little-endian storage bytes. The whole stream is read into memory.
func readTorchLegacy(r io.ReaderAt, size int64) (any, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil {
		return nil, err
	}
	pos := 0
	next := func(what string, persistentLoad func(any) (any, error)) (any, error) {
		n, err := scanPickle(b[pos:])
		if err != nil {
			return nil, fmt.Errorf("%s pickle at byte %d: %w", what, pos, err)
		}
		v, err := unpickle(b[pos:pos+n], persistentLoad)
		if err != nil {
			return nil, fmt.Errorf("%s pickle at byte %d: %w", what, pos, err)
		}
		pos += n
		return v, nil
	}

	magic, err := next("magic number", nil)
	if err != nil {
		return nil, err
	}
	if m, ok := magic.(*big.Int); !ok || m.Text(16) != legacyMagic {
		return nil, fmt.Errorf("bad magic number %v: not a torch.save file", magic)
	}
	version, err := next("protocol version", nil)
	if err != nil {
		return nil, err
	}
	if v, err := pickleInt(version); err != nil || v != 1001 {
		return nil, fmt.Errorf("unsupported legacy protocol version %v (want 1001)", version)
	}
	sysInfo, err := next("system info", nil)
	if err != nil {
		return nil, err
	}
	if d, ok := sysInfo.(*types.Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le == false {
			return nil, fmt.Errorf("checkpoint was written on a big-endian machine; only little-endian is supported")
		}
	}

	roots := map[string]*legacyRoot{}
	var rootOrder []*legacyRoot
	persistentLoad := func(pid any) (any, error) {
		t, ok := pid.(*types.Tuple)
		if !ok || len(*t) < 1 {
			return nil, fmt.Errorf("persistent id %v: want a tuple", pid)
		}
		if tag, _ := (*t)[0].(string); tag == "module" && len(*t) >= 2 {
			return &opaqueObject{&opaqueClass{"torch.nn", "Module"}}, nil // a pickled module's source
		}
		if len(*t) != 6 {
			return nil, fmt.Errorf("persistent id %v: want ('storage', class, key, location, numel, view)", pid)
		}
		tag, _ := (*t)[0].(string)
		class, okC := (*t)[1].(*torchStorageClass)
		key, okK := (*t)[2].(string)
		numel, errN := pickleInt((*t)[4])
		if tag != "storage" || !okC || !okK || errN != nil || numel < 0 {
			return nil, fmt.Errorf("persistent id %v: want ('storage', torch.<X>Storage, key, location, numel, view)", pid)
		}
		root, ok := roots[key]
		if !ok {
			root = &legacyRoot{key: key, class: class.name, numel: numel}
			roots[key] = root
			rootOrder = append(rootOrder, root)
		} else if root.class != class.name || root.numel != numel {
			return nil, fmt.Errorf("storage %q is named twice with different types or sizes", key)
		}
		view := (*t)[5]
		if view == nil {
			return root.storage(0, numel), nil
		}
		vt, ok := view.(*types.Tuple)
		if !ok || len(*vt) != 3 {
			return nil, fmt.Errorf("storage %q: view metadata %v: want (key, offset, size)", key, view)
		}
		off, err1 := pickleInt((*vt)[1])
		n, err2 := pickleInt((*vt)[2])
		if err1 != nil || err2 != nil || off < 0 || n < 0 || off > numel || n > numel-off {
			return nil, fmt.Errorf("storage %q: view %v outside its %d elements", key, view, numel)
		}
		return root.storage(off, n), nil
	}
	obj, err := next("object", persistentLoad)
	if err != nil {
		return nil, err
	}
	keysObj, err := next("storage keys", nil)
	if err != nil {
		return nil, err
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, fmt.Errorf("storage key list is %T, not a list", keysObj)
	}
	for _, k := range *keys {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("storage key %v is not a string", k)
		}
		root, ok := roots[key]
		if !ok {
			return nil, fmt.Errorf("storage key %q was never referenced by the object", key)
		}
		if root.data != nil {
			return nil, fmt.Errorf("storage key %q is listed twice", key)
		}
		if len(b)-pos < 8 {
			return nil, fmt.Errorf("storage %q: truncated before its size field", key)
		}
		numel := binary.LittleEndian.Uint64(b[pos:])
		pos += 8
		if numel != uint64(root.numel) {
			return nil, fmt.Errorf("storage %q: %d elements in the data, %d in the object", key, numel, root.numel)
		}
		nb := uint64(root.numel) * uint64(torchStorageTypes[root.class].size)
		if nb > uint64(len(b)-pos) {
			return nil, fmt.Errorf("storage %q: %d bytes of data, only %d left in the file (truncated)", key, nb, len(b)-pos)
		}
		root.data = b[pos : pos+int(nb)]
		pos += int(nb)
	}
	for _, root := range rootOrder {
		if root.data == nil {
			return nil, fmt.Errorf("storage %q has no data", root.key)
		}
	}
	return obj, nil
}

// legacyRoot is one storage of a legacy stream; data is filled in after the
// object pickle has been read.
type legacyRoot struct {
	key   string
	class string
	numel int
	data  []byte
}

// storage returns the view of n elements starting at element off.
func (root *legacyRoot) storage(off, n int) *torchStorage {
	info := torchStorageTypes[root.class]
	es := int64(info.size)
	read := func(o, nb int64) ([]byte, error) {
		if o < 0 || nb < 0 || o+nb > int64(n)*es {
			return nil, fmt.Errorf("storage %q: bytes [%d, %d) outside its view", root.key, o, o+nb)
		}
		start := int64(off)*es + o
		return root.data[start : start+nb], nil
	}
	return &torchStorage{class: root.class, elemSize: info.size, dtype: info.dtype, numel: n, read: read}
}
