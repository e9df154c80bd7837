package state

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decodeLE fills a new array of the given type and shape from raw
// little-endian bytes. The caller has checked len(raw) == n*dtype.Size().
func decodeLE(name string, dt DType, shape []int, raw []byte) *Array {
	a := &Array{Name: name, DType: dt, Shape: shape}
	n := len(raw) / dt.Size()
	switch dt {
	case F32:
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case F16:
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = F16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case BF16:
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = BF16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case F64:
		a.F64 = make([]float64, n)
		for i := range a.F64 {
			a.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case I64:
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			a.I64[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case I32:
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			a.I64[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	case U8, Bool:
		a.U8 = make([]uint8, n)
		copy(a.U8, raw)
	}
	return a
}

// appendLE appends the little-endian encoding of a's data in its DType.
// a must have passed Check.
func appendLE(dst []byte, a *Array) ([]byte, error) {
	switch a.DType {
	case F32:
		for _, v := range a.F32 {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
		}
	case F16:
		for _, v := range a.F32 {
			dst = binary.LittleEndian.AppendUint16(dst, Float32ToF16(v))
		}
	case BF16:
		for _, v := range a.F32 {
			dst = binary.LittleEndian.AppendUint16(dst, Float32ToBF16(v))
		}
	case F64:
		for _, v := range a.F64 {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	case I64:
		for _, v := range a.I64 {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	case I32:
		for i, v := range a.I64 {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, fmt.Errorf("state: array %q: element %d = %d does not fit I32", a.Name, i, v)
			}
			dst = binary.LittleEndian.AppendUint32(dst, uint32(int32(v)))
		}
	case U8:
		dst = append(dst, a.U8...)
	case Bool:
		for _, v := range a.U8 {
			if v != 0 {
				v = 1
			}
			dst = append(dst, v)
		}
	default:
		return nil, fmt.Errorf("state: array %q: cannot encode dtype %v", a.Name, a.DType)
	}
	return dst, nil
}
