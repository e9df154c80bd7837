package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Format is a checkpoint file format.
type Format int

// The formats Read recognises.
const (
	FormatUnknown     Format = iota
	FormatSafetensors        // 8-byte header length, JSON header, raw data
	FormatTorchZip           // torch.save, PyTorch >= 1.6
	FormatTorchLegacy        // torch.save legacy pickle stream
	FormatTorchTar           // torch.save before PyTorch 0.1.10 (unsupported)
)

func (f Format) String() string {
	names := [...]string{"unknown", "safetensors", "torch zip", "torch legacy", "torch tar"}
	if f < 0 || int(f) >= len(names) {
		return "Format(" + strconv.Itoa(int(f)) + ")"
	}
	return names[f]
}

// DetectFormat identifies a checkpoint from its first bytes (it reads at
// most 512): a zip signature, a pickle PROTO opcode, a tar header, or a
// plausible safetensors header length followed by '{'.
func DetectFormat(r io.ReaderAt, size int64) Format {
	head := make([]byte, min(size, 512))
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return FormatUnknown
	}
	// Safetensors first: its 8-byte length may itself start with the
	// bytes of a pickle PROTO opcode (0x80, ≥ 2: any header of 512 + 256k
	// + 128 bytes), while a legacy torch file's ninth byte is inside its
	// pickled magic number, never '{'.
	if len(head) >= 9 && head[8] == '{' {
		if n := binary.LittleEndian.Uint64(head); n >= 2 && n <= uint64(size-8) {
			return FormatSafetensors
		}
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return FormatTorchZip
	case len(head) >= 2 && head[0] == 0x80 && head[1] >= 2:
		return FormatTorchLegacy
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return FormatTorchTar
	}
	return FormatUnknown
}

// Read reads a checkpoint in any supported format, recognised by its
// content (see [DetectFormat]); the extension is only used to word the
// error for a file that matches no format.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	size := info.Size()
	var f *File
	switch format := DetectFormat(fh, size); format {
	case FormatSafetensors:
		f, err = readSafetensors(fh, size)
		if err != nil {
			return nil, fmt.Errorf("state: safetensors file %s: %w", path, err)
		}
	case FormatTorchZip, FormatTorchLegacy:
		f, err = readTorch(fh, size)
		if err != nil {
			return nil, fmt.Errorf("state: torch checkpoint %s: %w", path, err)
		}
	case FormatTorchTar:
		return nil, fmt.Errorf("state: %s: the tar format of PyTorch < 0.1.10 is not supported; re-save it with a current torch.save", path)
	default:
		ext := strings.ToLower(filepath.Ext(path))
		if ext == ".safetensors" {
			// The header may start with white space; otherwise let the
			// safetensors reader say what is wrong with it.
			f, err = readSafetensors(fh, size)
			if err != nil {
				return nil, fmt.Errorf("state: safetensors file %s: %w", path, err)
			}
			return f, nil
		}
		return nil, fmt.Errorf("state: %s: unknown format (%d bytes; not safetensors, a torch.save zip or a legacy torch pickle)", path, size)
	}
	return f, nil
}
