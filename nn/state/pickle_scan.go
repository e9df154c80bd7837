package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Pickle argument layouts, as in Python's pickletools.
const (
	argNone   = iota
	argFixed  // a fixed number of bytes (argSize)
	argLen    // a little-endian length of argSize bytes, then that many bytes
	argLine   // one newline-terminated line
	argLine2  // two newline-terminated lines (GLOBAL, INST)
	argFrame8 // 8-byte frame length; the frame's opcodes follow inline
)

// pickleArg is an opcode's argument layout; size is the byte count of a
// fixed argument or of a length field.
type pickleArg struct{ kind, size int }

// pickleOps lists every opcode of pickle protocols 0-5 with its argument.
var pickleOps = func() map[byte]pickleArg {
	m := map[byte]pickleArg{}
	for _, op := range []byte("(.012NQRabd}el]ost)u\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98") {
		m[byte(op)] = pickleArg{argNone, 0}
	}
	for op, n := range map[byte]int{'K': 1, 'h': 1, 'q': 1, '\x80': 1, '\x82': 1, 'M': 2, '\x83': 2,
		'J': 4, 'j': 4, 'r': 4, '\x84': 4, 'G': 8} {
		m[op] = pickleArg{argFixed, n}
	}
	for _, op := range []byte("UC\x8c\x8a") {
		m[byte(op)] = pickleArg{argLen, 1}
	}
	for _, op := range []byte("TXB\x8b") {
		m[byte(op)] = pickleArg{argLen, 4}
	}
	for _, op := range []byte("\x8d\x8e\x96") {
		m[byte(op)] = pickleArg{argLen, 8}
	}
	for _, op := range []byte("ILFSVPgp") {
		m[byte(op)] = pickleArg{argLine, 0}
	}
	m['c'] = pickleArg{argLine2, 0}
	m['i'] = pickleArg{argLine2, 0}
	m['\x95'] = pickleArg{argFrame8, 0}
	return m
}()

// scanPickle walks the opcodes of the pickle at the start of b without
// executing them and returns its length (up to and including STOP). It
// rejects unknown opcodes and any length field that points past the end of
// b, so that the unpickler never allocates a buffer the input cannot fill.
func scanPickle(b []byte) (int, error) {
	pos := 0
	need := func(n uint64, what string) error {
		if n > uint64(len(b)-pos) {
			return fmt.Errorf("pickle truncated: %s at byte %d needs %d bytes, %d left", what, pos, n, len(b)-pos)
		}
		return nil
	}
	for pos < len(b) {
		op := b[pos]
		at := pos
		pos++
		arg, ok := pickleOps[op]
		if !ok {
			return 0, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, at)
		}
		switch arg.kind {
		case argFixed:
			if err := need(uint64(arg.size), "opcode argument"); err != nil {
				return 0, err
			}
			pos += arg.size
		case argLen:
			w := arg.size
			if err := need(uint64(w), "length field"); err != nil {
				return 0, err
			}
			var n uint64
			switch w {
			case 1:
				n = uint64(b[pos])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(b[pos:]))
			case 8:
				n = binary.LittleEndian.Uint64(b[pos:])
			}
			pos += w
			if err := need(n, "string or bytes"); err != nil {
				return 0, err
			}
			pos += int(n)
		case argFrame8:
			if err := need(8, "frame length"); err != nil {
				return 0, err
			}
			n := binary.LittleEndian.Uint64(b[pos:])
			pos += 8
			if err := need(n, "frame"); err != nil {
				return 0, err
			}
		case argLine, argLine2:
			lines := 1
			if arg.kind == argLine2 {
				lines = 2
			}
			for range lines {
				i := bytes.IndexByte(b[pos:], '\n')
				if i < 0 {
					return 0, fmt.Errorf("pickle truncated: unterminated line argument at byte %d", pos)
				}
				pos += i + 1
			}
		}
		if op == '.' {
			return pos, nil
		}
	}
	return 0, fmt.Errorf("pickle truncated: no STOP opcode in %d bytes", len(b))
}
