package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // encapsulated baseline-JPEG DICOM frames
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// ErrNoPixelData is returned (wrapped, with the file name) for a DICOM file that has no
// Pixel Data element.
var ErrNoPixelData = errors.New("no pixel data")

// DICOMImage is the first frame of a grayscale DICOM image in modality units (stored
// value × RescaleSlope + RescaleIntercept), plus the display attributes that Gray uses.
type DICOMImage struct {
	Name        string
	Modality    *GrayF    // stored values after sign handling and the modality rescale
	Photometric string    // "MONOCHROME1" (inverted: low = white) or "MONOCHROME2"
	BitsStored  int       // significant bits per sample
	Signed      bool      // PixelRepresentation = 1 (two's complement samples)
	Centers     []float64 // WindowCenter values (the first pair is used)
	Widths      []float64 // WindowWidth values
	VOIFunction string    // "LINEAR" (default), "LINEAR_EXACT" or "SIGMOID"
}

// DecodeDICOM parses a DICOM file with github.com/suyashkumar/dicom and returns its first
// frame in modality units. It supports native (uncompressed) 8/12/16-bit signed or
// unsigned single-sample data, and encapsulated frames that Go's image decoders can read
// (baseline JPEG). Stored values are masked to BitsStored bits and sign-extended when
// PixelRepresentation is 1 (the parser itself reads every sample as unsigned). Errors name
// the file; a file without pixel data gives an error wrapping ErrNoPixelData. A frame of
// more than MaxImagePixels pixels, and a rescale that overflows, are errors.
func DecodeDICOM(name string, data []byte) (*DICOMImage, error) {
	return decodeDICOM(name, data, MaxImagePixels)
}

// parseDICOM runs the DICOM parser on a file whose value lengths checkDICOMLengths
// accepts, turning a panic inside the parser into an error: some malformed files make
// it panic (a missing group length value, a non-string transfer syntax, a non-item in a
// sequence) instead of returning an error.
func parseDICOM(data []byte) (ds dicom.Dataset, err error) {
	if err := checkDICOMLengths(data); err != nil {
		return dicom.Dataset{}, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed file (the DICOM parser panicked: %v)", r)
		}
	}()
	// Native pixel data is taken as raw bytes and unpacked here: the parser's own frames
	// hold one []int slice per pixel, far too slow and large for 3000² radiographs.
	return dicom.Parse(bytes.NewReader(data), int64(len(data)), nil, dicom.SkipProcessingPixelDataValue())
}

func decodeDICOM(name string, data []byte, maxPixels int) (*DICOMImage, error) {
	ds, err := parseDICOM(data)
	if err != nil {
		return nil, fmt.Errorf("data: parse DICOM %s: %w", name, err)
	}
	pe, err := ds.FindElementByTag(tag.PixelData)
	if err != nil {
		return nil, fmt.Errorf("data: DICOM %s: %w", name, ErrNoPixelData)
	}
	info, ok := pe.Value.GetValue().(dicom.PixelDataInfo)
	if !ok || (len(info.Frames) == 0 && len(info.UnprocessedValueData) == 0) {
		return nil, fmt.Errorf("data: DICOM %s: %w", name, ErrNoPixelData)
	}
	if info.ParseErr != nil {
		return nil, fmt.Errorf("data: DICOM %s: pixel data: %w", name, info.ParseErr)
	}
	d := &DICOMImage{
		Name:        name,
		Photometric: strings.ToUpper(dicomString(ds, tag.PhotometricInterpretation, "MONOCHROME2")),
		VOIFunction: strings.ToUpper(dicomString(ds, tag.VOILUTFunction, "LINEAR")),
		Centers:     dicomFloats(ds, tag.WindowCenter),
		Widths:      dicomFloats(ds, tag.WindowWidth),
	}
	if d.Photometric != "MONOCHROME1" && d.Photometric != "MONOCHROME2" {
		return nil, fmt.Errorf("data: DICOM %s: photometric interpretation %q is not grayscale", name, d.Photometric)
	}
	if spp := dicomInt(ds, tag.SamplesPerPixel, 1); spp != 1 {
		return nil, fmt.Errorf("data: DICOM %s: %d samples per pixel, want 1", name, spp)
	}
	bitsAlloc := dicomInt(ds, tag.BitsAllocated, 16)
	d.BitsStored = dicomInt(ds, tag.BitsStored, bitsAlloc)
	d.Signed = dicomInt(ds, tag.PixelRepresentation, 0) == 1
	slope, intercept := 1.0, 0.0
	if v := dicomFloats(ds, tag.RescaleSlope); len(v) > 0 {
		slope = v[0]
	}
	if v := dicomFloats(ds, tag.RescaleIntercept); len(v) > 0 {
		intercept = v[0]
	}
	if math.IsInf(slope, 0) || math.IsNaN(slope) || math.IsInf(intercept, 0) || math.IsNaN(intercept) {
		return nil, fmt.Errorf("data: DICOM %s: RescaleSlope %v / RescaleIntercept %v not finite", name, slope, intercept)
	}

	var raw []int
	var w, h int
	switch {
	case info.IntentionallyUnprocessed:
		w, h = dicomInt(ds, tag.Columns, 0), dicomInt(ds, tag.Rows, 0)
		bigEndian := dicomString(ds, tag.TransferSyntaxUID, "") == "1.2.840.10008.1.2.2"
		if raw, err = unpackNative(info.UnprocessedValueData, w, h, bitsAlloc, bigEndian, maxPixels); err != nil {
			return nil, fmt.Errorf("data: DICOM %s: %w", name, err)
		}
	case len(info.Frames) > 0 && info.Frames[0].Encapsulated:
		g, err := decodeWith(info.Frames[0].EncapsulatedData.Data, maxPixels, anyImageConfig, anyImage)
		if err != nil {
			return nil, fmt.Errorf("data: DICOM %s: compressed pixel data not supported: %w", name, err)
		}
		w, h = g.W, g.H
		raw = make([]int, len(g.Pix))
		for i, v := range g.Pix {
			raw[i] = int(v)
		}
		d.BitsStored, d.Signed = 8, false
	default:
		return nil, fmt.Errorf("data: DICOM %s: unexpected pixel data encoding", name)
	}
	if d.BitsStored < 1 || d.BitsStored > 32 {
		return nil, fmt.Errorf("data: DICOM %s: BitsStored %d out of range", name, d.BitsStored)
	}
	mask := int64(1)<<d.BitsStored - 1
	sign := int64(1) << (d.BitsStored - 1)
	f := &GrayF{W: w, H: h, Pix: make([]float64, w*h)}
	for i, r := range raw {
		v := int64(r) & mask
		if d.Signed && v&sign != 0 {
			v -= mask + 1
		}
		f.Pix[i] = float64(v)*slope + intercept
		if math.IsInf(f.Pix[i], 0) {
			return nil, fmt.Errorf("data: DICOM %s: RescaleSlope %v and RescaleIntercept %v overflow on stored value %d", name, slope, intercept, v)
		}
	}
	d.Modality = f
	return d, nil
}

// anyImageConfig and anyImage are image.DecodeConfig and image.Decode without the
// format name (every decoder linked into the program, at least baseline JPEG).
func anyImageConfig(r io.Reader) (image.Config, error) {
	c, _, err := image.DecodeConfig(r)
	return c, err
}

func anyImage(r io.Reader) (image.Image, error) {
	img, _, err := image.Decode(r)
	return img, err
}

// unpackNative reads the first w×h frame of native single-sample pixel data.
func unpackNative(b []byte, w, h, bitsAlloc int, bigEndian bool, maxPixels int) ([]int, error) {
	if !sizeOK(w, h, maxPixels) {
		return nil, fmt.Errorf("bad image size %dx%d (Columns x Rows; sides must be positive, at most %d pixels)", w, h, maxPixels)
	}
	if bitsAlloc != 8 && bitsAlloc != 16 && bitsAlloc != 32 {
		return nil, fmt.Errorf("BitsAllocated %d not supported (want 8, 16 or 32)", bitsAlloc)
	}
	bps := bitsAlloc / 8
	if len(b) < w*h*bps {
		return nil, fmt.Errorf("pixel data has %d bytes, want %d for %dx%d at %d bits", len(b), w*h*bps, w, h, bitsAlloc)
	}
	out := make([]int, w*h)
	for i := range out {
		p := b[i*bps : (i+1)*bps]
		switch {
		case bps == 1:
			out[i] = int(p[0])
		case bps == 2 && bigEndian:
			out[i] = int(p[0])<<8 | int(p[1])
		case bps == 2:
			out[i] = int(p[1])<<8 | int(p[0])
		case bigEndian:
			out[i] = int(uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
		default:
			out[i] = int(uint32(p[3])<<24 | uint32(p[2])<<16 | uint32(p[1])<<8 | uint32(p[0]))
		}
	}
	return out, nil
}

// Window applies the VOI transform of DICOM PS3.3 C.11.2.1.2 to the modality values,
// giving values in [0, 1]:
//
//	LINEAR:       x <= c-0.5-(w-1)/2 → 0;  x > c-0.5+(w-1)/2 → 1;  else (x-(c-0.5))/(w-1) + 0.5
//	LINEAR_EXACT: x <= c-w/2 → 0;          x > c+w/2 → 1;          else (x-c)/w + 0.5
//	SIGMOID:      1 / (1 + exp(-4(x-c)/w))
//
// It returns false (and the modality values unchanged) when the file has no usable window.
func (d *DICOMImage) Window() (*GrayF, bool) {
	if len(d.Centers) == 0 || len(d.Widths) == 0 {
		return d.Modality, false
	}
	c, w := d.Centers[0], d.Widths[0]
	if math.IsInf(c, 0) || math.IsNaN(c) || math.IsInf(w, 0) || math.IsNaN(w) {
		return d.Modality, false
	}
	out := &GrayF{W: d.Modality.W, H: d.Modality.H, Pix: make([]float64, len(d.Modality.Pix))}
	switch d.VOIFunction {
	case "SIGMOID":
		if w <= 0 {
			return d.Modality, false
		}
		for i, x := range d.Modality.Pix {
			out.Pix[i] = 1 / (1 + math.Exp(-4*(x-c)/w))
		}
		return out, true
	case "LINEAR_EXACT":
		if w <= 0 {
			return d.Modality, false
		}
	default: // LINEAR
		if w < 1 {
			return d.Modality, false
		}
		c, w = c-0.5, w-1
	}
	for i, x := range d.Modality.Pix {
		switch {
		case x <= c-w/2:
			out.Pix[i] = 0
		case x > c+w/2:
			out.Pix[i] = 1
		default:
			out.Pix[i] = (x-c)/w + 0.5
		}
	}
	return out, true
}

// Gray renders the image to 8 bits the way the reference DICOM→JPEG conversion does
// (spec §6.1): the VOI window when present and useWindow is set, then MONOCHROME1
// inversion (max - v), then min-max scaling to [0, 255] with truncation. Unlike that
// conversion (which windows the raw stored values), the window is applied to modality
// values as the DICOM standard defines it; the two agree whenever the rescale is the
// identity, as it is for nearly all radiographs.
func (d *DICOMImage) Gray(useWindow bool) *Gray {
	f := d.Modality
	if useWindow {
		f, _ = d.Window()
	}
	if d.Photometric == "MONOCHROME1" {
		_, hi := f.MinMax()
		inv := &GrayF{W: f.W, H: f.H, Pix: make([]float64, len(f.Pix))}
		for i, v := range f.Pix {
			inv.Pix[i] = hi - v
		}
		f = inv
	}
	return f.ToGrayMinMax()
}

func dicomValue(ds dicom.Dataset, t tag.Tag) any {
	e, err := ds.FindElementByTag(t)
	if err != nil || e.Value == nil {
		return nil
	}
	return e.Value.GetValue()
}

func dicomString(ds dicom.Dataset, t tag.Tag, def string) string {
	if s, ok := dicomValue(ds, t).([]string); ok && len(s) > 0 {
		if v := strings.TrimSpace(strings.Trim(s[0], "\x00")); v != "" {
			return v
		}
	}
	return def
}

func dicomInt(ds dicom.Dataset, t tag.Tag, def int) int {
	switch v := dicomValue(ds, t).(type) {
	case []int:
		if len(v) > 0 {
			return v[0]
		}
	case []string:
		if len(v) > 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(v[0])); err == nil {
				return n
			}
		}
	}
	return def
}

// dicomFloats reads a decimal-string (DS) or float attribute; multi-valued strings may
// arrive split or still joined by '\'.
func dicomFloats(ds dicom.Dataset, t tag.Tag) []float64 {
	var out []float64
	switch v := dicomValue(ds, t).(type) {
	case []float64:
		out = append(out, v...)
	case []int:
		for _, n := range v {
			out = append(out, float64(n))
		}
	case []string:
		for _, s := range v {
			for _, part := range strings.Split(s, `\`) {
				part = strings.TrimSpace(strings.Trim(part, "\x00"))
				if part == "" {
					continue
				}
				if f, err := strconv.ParseFloat(part, 64); err == nil {
					out = append(out, f)
				}
			}
		}
	}
	return out
}
