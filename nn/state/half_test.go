package state

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// Every binary16 value must survive float32 and back bit-exactly (NaNs stay
// NaN), and widening must agree with an independent float64 formula.
func TestF16RoundTripExhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16ToFloat32(uint16(h))
		exp := (h >> 10) & 0x1f
		mant := h & 0x3ff
		var want float64
		switch {
		case exp == 0x1f && mant != 0:
			if !math.IsNaN(float64(f)) {
				t.Fatalf("0x%04x: want NaN, got %v", h, f)
			}
			if !math.IsNaN(float64(F16ToFloat32(Float32ToF16(f)))) {
				t.Fatalf("0x%04x: NaN did not round-trip as NaN", h)
			}
			continue
		case exp == 0x1f:
			want = math.Inf(1)
		case exp == 0:
			want = float64(mant) * math.Pow(2, -24)
		default:
			want = (1 + float64(mant)/1024) * math.Pow(2, float64(exp-15))
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if float64(f) != want || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToFloat32(0x%04x) = %v, want %v", h, f, want)
		}
		if back := Float32ToF16(f); back != uint16(h) {
			t.Fatalf("Float32ToF16(F16ToFloat32(0x%04x)) = 0x%04x", h, back)
		}
	}
}

// Rounding float32 -> binary16 must pick the nearest representable value,
// ties to the even mantissa, checked against a search over all halves.
func TestFloat32ToF16RoundsToNearestEven(t *testing.T) {
	type hv struct {
		v float64
		h uint16
	}
	var halves []hv // all finite non-negative halves, ascending
	for h := uint16(0); h < 0x7c00; h++ {
		halves = append(halves, hv{float64(F16ToFloat32(h)), h})
	}
	maxHalf := halves[len(halves)-1].v
	ref := func(x float32) uint16 {
		ax := math.Abs(float64(x))
		var sign uint16
		if math.Signbit(float64(x)) {
			sign = 0x8000
		}
		// Values at or above maxHalf + half an ulp (2^15 * (2 - 2^-11)) overflow.
		if ax >= maxHalf+16 {
			return sign | 0x7c00
		}
		i := sort.Search(len(halves), func(i int) bool { return halves[i].v >= ax })
		if i == len(halves) {
			return sign | halves[i-1].h
		}
		if halves[i].v == ax || i == 0 {
			return sign | halves[i].h
		}
		lo, hi := halves[i-1], halves[i]
		dl, dh := ax-lo.v, hi.v-ax
		switch {
		case dl < dh:
			return sign | lo.h
		case dh < dl:
			return sign | hi.h
		case lo.h&1 == 0:
			return sign | lo.h
		}
		return sign | hi.h
	}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(x float32) {
		if got, want := Float32ToF16(x), ref(x); got != want {
			t.Fatalf("Float32ToF16(%v = 0x%08x) = 0x%04x, want 0x%04x", x, math.Float32bits(x), got, want)
		}
	}
	edge := []float32{0, 65504, 65519.996, 65520, 1e-8, 2.9802322e-08, 2.9802326e-08, 5.9604645e-08,
		6.1035156e-05, 6.1032e-05, 1.0009765625, 1.00048828125, 1.00146484375, 3.4e38, 1e-45}
	for _, x := range edge {
		check(x)
		check(-x)
	}
	for range 200000 {
		// Random bit patterns concentrated on the binary16 exponent range.
		exp := uint32(127-26+rng.IntN(46)) << 23
		x := math.Float32frombits(rng.Uint32()&0x807fffff | exp)
		check(x)
	}
}

func TestBF16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := BF16ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(BF16ToFloat32(Float32ToBF16(f)))) {
				t.Fatalf("0x%04x: NaN did not stay NaN", h)
			}
			continue
		}
		if back := Float32ToBF16(f); back != uint16(h) {
			t.Fatalf("bf16 0x%04x -> %v -> 0x%04x", h, f, back)
		}
	}
	cases := []struct {
		in   uint32
		want uint16
	}{
		{0x3f808000, 0x3f80}, // tie, even stays
		{0x3f818000, 0x3f82}, // tie, odd rounds up
		{0x3f808001, 0x3f81}, // above tie
		{0x3f807fff, 0x3f80}, // below tie
		{0x7f7fffff, 0x7f80}, // max float32 rounds to infinity
		{0xff7fffff, 0xff80},
	}
	for _, c := range cases {
		if got := Float32ToBF16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("Float32ToBF16(0x%08x) = 0x%04x, want 0x%04x", c.in, got, c.want)
		}
	}
}
