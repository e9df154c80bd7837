package state

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// maxPickleBytes bounds data.pkl: a state dict's pickle holds names and
// shapes only (a few MB for the largest ViTs).
const maxPickleBytes = 1 << 30

// readTorchZip reads the zip format of torch.save (PyTorch >= 1.6):
// <archive>/data.pkl is the pickled object, whose persistent ids
// ('storage', StorageClass, key, location, numel) name the raw little-endian
// records <archive>/data/<key>.
func readTorchZip(r io.ReaderAt, size int64) (any, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("bad zip archive: %w", err)
	}
	records := make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	for _, zf := range zr.File {
		records[zf.Name] = zf
		if path.Base(zf.Name) == "data.pkl" && strings.Count(zf.Name, "/") == 1 {
			if pkl != nil {
				return nil, fmt.Errorf("zip archive holds two data.pkl records (%s, %s)", pkl.Name, zf.Name)
			}
			pkl = zf
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("zip archive has no <archive>/data.pkl record: not a torch.save file")
	}
	prefix := path.Dir(pkl.Name) + "/"
	if _, ok := records[prefix+"constants.pkl"]; ok {
		return nil, fmt.Errorf("TorchScript archives (torch.jit.save) are not supported; save a state_dict with torch.save")
	}
	if bo, ok := records[prefix+"byteorder"]; ok {
		b, err := readZipRecord(bo, 16)
		if err != nil {
			return nil, err
		}
		if s := strings.TrimSpace(string(b)); s != "little" {
			return nil, fmt.Errorf("byteorder record says %q; only little-endian checkpoints are supported", s)
		}
	}
	data, err := readZipRecord(pkl, maxPickleBytes)
	if err != nil {
		return nil, err
	}
	n, err := scanPickle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}

	storages := map[string]*torchStorage{}
	persistentLoad := func(pid any) (any, error) {
		t, ok := pid.(*types.Tuple)
		if !ok || len(*t) != 5 {
			return nil, fmt.Errorf("persistent id %v: want ('storage', class, key, location, numel)", pid)
		}
		tag, _ := (*t)[0].(string)
		class, okC := (*t)[1].(*torchStorageClass)
		key, okK := (*t)[2].(string)
		numel, errN := pickleInt((*t)[4])
		if tag != "storage" || !okC || !okK || errN != nil || numel < 0 {
			return nil, fmt.Errorf("persistent id %v: want ('storage', torch.<X>Storage, key, location, numel)", pid)
		}
		if st, ok := storages[key]; ok {
			if st.class != class.name || st.numel != numel {
				return nil, fmt.Errorf("storage %q is named twice with different types or sizes", key)
			}
			return st, nil
		}
		st, err := zipStorage(r, size, records, prefix+"data/"+key, class.name, numel)
		if err != nil {
			return nil, err
		}
		storages[key] = st
		return st, nil
	}
	obj, err := unpickle(data[:n], persistentLoad)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	return obj, nil
}

// zipStorage checks a storage record and returns a storage that reads its
// bytes directly from r when they are needed. torch.save stores records
// uncompressed (and 64-byte aligned), so a tensor is one ReadAt.
func zipStorage(r io.ReaderAt, size int64, records map[string]*zip.File, name, class string, numel int) (*torchStorage, error) {
	info := torchStorageTypes[class]
	zf, ok := records[name]
	if !ok {
		return nil, fmt.Errorf("storage record %s is missing", name)
	}
	if zf.Method != zip.Store {
		return nil, fmt.Errorf("storage record %s is compressed (zip method %d); torch.save writes uncompressed records", name, zf.Method)
	}
	off, err := zf.DataOffset()
	if err != nil {
		return nil, fmt.Errorf("storage record %s: %w", name, err)
	}
	recLen := zf.UncompressedSize64
	if zf.CompressedSize64 != recLen || off < 0 || recLen > uint64(size) || uint64(off) > uint64(size)-recLen {
		return nil, fmt.Errorf("storage record %s: %d bytes at offset %d do not fit the %d-byte file", name, recLen, off, size)
	}
	if uint64(numel) > recLen/uint64(info.size) {
		return nil, fmt.Errorf("storage record %s: %d elements of %s need %d bytes, the record has %d",
			name, numel, class, uint64(numel)*uint64(info.size), recLen)
	}
	read := func(o, n int64) ([]byte, error) {
		if o < 0 || n < 0 || uint64(o)+uint64(n) > recLen {
			return nil, fmt.Errorf("storage record %s: bytes [%d, %d) outside its %d bytes", name, o, o+n, recLen)
		}
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, off+o); err != nil {
			return nil, fmt.Errorf("storage record %s: %w", name, err)
		}
		return buf, nil
	}
	return &torchStorage{class: class, elemSize: info.size, dtype: info.dtype, numel: numel, read: read}, nil
}

// readZipRecord reads a whole (small) record, refusing more than limit bytes.
func readZipRecord(zf *zip.File, limit int64) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("record %s is %d bytes, more than the %d allowed", zf.Name, zf.UncompressedSize64, limit)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", zf.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("record %s is more than %d bytes", zf.Name, limit)
	}
	return b, nil
}
