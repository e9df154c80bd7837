package data

import (
	"fmt"
	"strconv"
	"strings"
)

// DecodeRLE decodes CheXmask's run-length encoding of a binary h×w mask: whitespace
// separated pairs "start length" where start is a 1-based index into the row-major
// (C-order) flattened mask (CheXmask's get_mask_from_RLE). It returns one byte per pixel,
// 1 inside the mask. An empty string is an empty mask. A mask of more than
// MaxImagePixels pixels, and a run outside the mask, are errors.
func DecodeRLE(rle string, w, h int) ([]uint8, error) {
	if err := checkMaskSize(w, h); err != nil {
		return nil, err
	}
	n := w * h
	f := strings.Fields(rle)
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("data: RLE has %d numbers, want start/length pairs", len(f))
	}
	out := make([]uint8, n)
	for i := 0; i < len(f); i += 2 {
		start, err1 := strconv.Atoi(f[i])
		length, err2 := strconv.Atoi(f[i+1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("data: RLE pair %q %q is not two integers", f[i], f[i+1])
		}
		// length > n-(start-1) rather than start-1+length > n: the sum can overflow.
		if start < 1 || length < 0 || start > n || length > n-(start-1) {
			return nil, fmt.Errorf("data: RLE run start %d length %d outside a %dx%d mask", start, length, w, h)
		}
		for j := start - 1; j < start-1+length; j++ {
			out[j] = 1
		}
	}
	return out, nil
}

// checkMaskSize rejects a w×h mask with a non-positive side or more than MaxImagePixels
// pixels (a corrupt Height/Width would otherwise allocate gigabytes).
func checkMaskSize(w, h int) error {
	if !sizeOK(w, h, MaxImagePixels) {
		return fmt.Errorf("data: RLE mask size %dx%d invalid (sides must be positive, at most %d pixels)", w, h, MaxImagePixels)
	}
	return nil
}

// EncodeRLE is the inverse of DecodeRLE (CheXmask's get_RLE_from_mask): runs of non-zero
// pixels of the row-major mask as 1-based "start length" pairs.
func EncodeRLE(mask []uint8) string {
	var b strings.Builder
	for i := 0; i < len(mask); {
		if mask[i] == 0 {
			i++
			continue
		}
		j := i
		for j < len(mask) && mask[j] != 0 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(j - i))
		i = j
	}
	return b.String()
}

// RLEMask holds the run-length encoded binary masks of one image, one per foreground
// class in class order, decoded on demand by Decode.
type RLEMask struct {
	W, H int
	RLE  []string // RLE[k] is the mask of class k+1
}

// Decode paints the class masks into a label map: 0 background, then class k+1 wherever
// mask k is set, later classes overwriting earlier ones (CXformer's CheXmask loader, where
// the heart overwrites the lungs where they overlap).
func (m *RLEMask) Decode() (*LabelMap, error) {
	if err := checkMaskSize(m.W, m.H); err != nil {
		return nil, err
	}
	if len(m.RLE) > 255 {
		return nil, fmt.Errorf("data: %d mask classes do not fit a uint8 label map", len(m.RLE))
	}
	out := &LabelMap{W: m.W, H: m.H, Pix: make([]uint8, m.W*m.H)}
	for k, rle := range m.RLE {
		bits, err := DecodeRLE(rle, m.W, m.H)
		if err != nil {
			return nil, fmt.Errorf("data: mask class %d: %w", k+1, err)
		}
		for i, b := range bits {
			if b != 0 {
				out.Pix[i] = uint8(k + 1)
			}
		}
	}
	return out, nil
}
