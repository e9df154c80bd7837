package phantom

import "math/rand/v2"

// valueNoise is smooth random texture: random values on a (cells+1)² lattice
// over the image, interpolated with smoothstep weights. Sampling positions
// are precomputed per column and per row (axis), so a pixel costs four
// lookups and three interpolations.
type valueNoise struct {
	cells int
	v     []float32
}

func newValueNoise(r *rand.Rand, cells int) valueNoise {
	v := make([]float32, (cells+1)*(cells+1))
	for i := range v {
		v[i] = r.Float32()
	}
	return valueNoise{cells, v}
}

// axis holds, per pixel index along one axis, the lattice cell and the
// smoothstep weight of the next lattice point.
type axis struct {
	cell []int32
	w    []float32
}

func (vn valueNoise) axis(n int) axis {
	a := axis{make([]int32, n), make([]float32, n)}
	for i := 0; i < n; i++ {
		t := (float64(i) + 0.5) / float64(n) * float64(vn.cells)
		c := int(t)
		if c >= vn.cells {
			c = vn.cells - 1
		}
		f := t - float64(c)
		a.cell[i] = int32(c)
		a.w[i] = float32(f * f * (3 - 2*f))
	}
	return a
}

// at samples the noise at column i and row j, in [0, 1).
func (vn valueNoise) at(cols, rows *axis, i, j int) float32 {
	stride := vn.cells + 1
	k := int(rows.cell[j])*stride + int(cols.cell[i])
	wx, wy := cols.w[i], rows.w[j]
	top := vn.v[k] + wx*(vn.v[k+1]-vn.v[k])
	bot := vn.v[k+stride] + wx*(vn.v[k+stride+1]-vn.v[k+stride])
	return top + wy*(bot-top)
}

// rowValues interpolates the lattice to row j: dst[c] is the noise at
// lattice column c on that row, so that atRow needs one interpolation per
// pixel.
func (vn valueNoise) rowValues(rows *axis, j int, dst []float32) {
	stride := vn.cells + 1
	k := int(rows.cell[j]) * stride
	wy := rows.w[j]
	for c := 0; c < stride; c++ {
		dst[c] = vn.v[k+c] + wy*(vn.v[k+stride+c]-vn.v[k+c])
	}
}

// atRow samples a row prepared by rowValues at column i.
func atRow(cols *axis, i int, row []float32) float32 {
	c := cols.cell[i]
	return row[c] + cols.w[i]*(row[c+1]-row[c])
}

// gauss returns an approximately standard normal value from a 64-bit hash:
// the sum of its four 16-bit parts (Irwin–Hall with four terms, variance
// 1/3) centred and scaled. Cheap enough for every pixel.
func gauss(h uint64) float32 {
	s := float32(h&0xffff) + float32((h>>16)&0xffff) + float32((h>>32)&0xffff) + float32(h>>48)
	return (s/65536 - 2) * 1.7320508
}
