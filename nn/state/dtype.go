package state

import "fmt"

// DType is the element type of an [Array] as it is (or will be) stored on
// disk. Several on-disk types share one in-memory representation:
//
//	DType       held in    note
//	F32         Array.F32
//	F16, BF16   Array.F32  widened exactly on read; rounded to nearest even on write
//	F64         Array.F64
//	I64, I32    Array.I64  I32 range-checked on write
//	U8, Bool    Array.U8   Bool is 0 or 1 (any non-zero byte reads as true)
type DType uint8

// The supported element types. The zero value is invalid on purpose so that
// a forgotten DType is caught rather than silently read as float32.
const (
	InvalidDType DType = iota
	F32
	F64
	F16
	BF16
	I64
	I32
	U8
	Bool
)

var dtypeNames = [...]string{
	InvalidDType: "invalid",
	F32:          "F32",
	F64:          "F64",
	F16:          "F16",
	BF16:         "BF16",
	I64:          "I64",
	I32:          "I32",
	U8:           "U8",
	Bool:         "BOOL",
}

var dtypeSizes = [...]int{F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, Bool: 1}

// String returns the safetensors spelling of the type ("F32", "BOOL", ...).
func (d DType) String() string {
	if int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size is the number of bytes of one element on disk (0 for an invalid type).
func (d DType) Size() int {
	if int(d) < len(dtypeSizes) {
		return dtypeSizes[d]
	}
	return 0
}

// Valid reports whether d is one of the supported types.
func (d DType) Valid() bool { return d >= F32 && d <= Bool }

// ParseDType parses the safetensors spelling of a type ("F32", "BOOL", ...).
func ParseDType(s string) (DType, error) {
	for d := F32; d <= Bool; d++ {
		if dtypeNames[d] == s {
			return d, nil
		}
	}
	return InvalidDType, fmt.Errorf("state: unsupported dtype %q", s)
}

// storage names the Array field that holds elements of this type.
type storage uint8

const (
	storeNone storage = iota
	storeF32
	storeF64
	storeI64
	storeU8
)

func (d DType) storage() storage {
	switch d {
	case F32, F16, BF16:
		return storeF32
	case F64:
		return storeF64
	case I64, I32:
		return storeI64
	case U8, Bool:
		return storeU8
	}
	return storeNone
}

func (s storage) String() string {
	return [...]string{"none", "F32", "F64", "I64", "U8"}[s]
}
