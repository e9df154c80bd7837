package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is an image file format recognised by Decode.
type Format int

// The formats Decode understands.
const (
	FormatUnknown Format = iota
	FormatPNG
	FormatJPEG
	FormatDICOM
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case FormatPNG:
		return "PNG"
	case FormatJPEG:
		return "JPEG"
	case FormatDICOM:
		return "DICOM"
	}
	return "unknown"
}

// ErrUnknownFormat is returned (wrapped) when the bytes are neither PNG, JPEG nor DICOM.
var ErrUnknownFormat = errors.New("unknown image format")

// SniffFormat tells the format from the file's first bytes (PNG and JPEG signatures, the
// "DICM" marker after the 128-byte DICOM preamble), falling back to the name's extension
// (.dcm/.dicom) for DICOM files written without a preamble.
func SniffFormat(name string, data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case len(data) >= 132 && string(data[128:132]) == "DICM":
		return FormatDICOM
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".dcm", ".dicom":
		return FormatDICOM
	}
	return FormatUnknown
}

// DecodeFile reads and decodes the image at path; see Decode.
func DecodeFile(path string) (*Gray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: read image: %w", err)
	}
	return Decode(path, b)
}

// Decode turns an encoded PNG, JPEG or DICOM file into an 8-bit grayscale image. name is
// only used for the format fallback and in error messages.
//
//   - 8-bit gray PNG/JPEG: the samples as stored.
//   - Colour PNG/JPEG: Pillow's convert("L"), L = (19595·R + 38470·G + 7471·B + 2^15) >> 16
//     (the fixed-point form of 0.299R + 0.587G + 0.114B, rounded); alpha is ignored.
//     Go's JPEG decoder is not bit-identical to libjpeg-turbo (IDCT and YCbCr rounding can
//     differ by one level on some pixels).
//   - 16-bit gray PNG: min-max scaled to [0, 255] (see GrayF.ToGrayMinMax), the same
//     treatment as a DICOM without a window. Pillow would instead clip such an image at 255,
//     which turns a 12-bit radiograph white; that is not reproduced.
//   - 16-bit colour PNG: the high byte of each channel, then the luminance above.
//   - DICOM: see DecodeDICOM and DICOMImage.Gray.
//
// An image whose header claims more than MaxImagePixels pixels is an error.
func Decode(name string, data []byte) (*Gray, error) {
	return decodeLimited(name, data, MaxImagePixels)
}

// MaxImagePixels bounds w·h of the images and masks this package decodes (2^27 pixels,
// e.g. 11585×11585, several times any radiograph): a corrupt header or CSV that claims a
// larger size is an error instead of a multi-gigabyte allocation.
const MaxImagePixels = 1 << 27

// sizeOK reports whether a w×h image has positive sides and at most limit pixels
// (checked without overflowing w·h).
func sizeOK(w, h, limit int) bool { return w > 0 && h > 0 && w <= limit/h }

// decodeLimited is Decode with the pixel limit as a parameter (the fuzz test lowers it).
func decodeLimited(name string, data []byte, maxPixels int) (*Gray, error) {
	switch f := SniffFormat(name, data); f {
	case FormatPNG, FormatJPEG:
		g, err := decodeGoImage(f, data, maxPixels)
		if err != nil {
			return nil, fmt.Errorf("data: decode %v %s: %w", f, name, err)
		}
		return g, nil
	case FormatDICOM:
		d, err := decodeDICOM(name, data, maxPixels)
		if err != nil {
			return nil, err
		}
		return d.Gray(true), nil
	}
	return nil, fmt.Errorf("data: decode %s: %w", name, ErrUnknownFormat)
}

// decodeGoImage decodes a PNG or JPEG with Go's decoders; see decodeWith.
func decodeGoImage(f Format, data []byte, maxPixels int) (*Gray, error) {
	if f == FormatJPEG {
		return decodeWith(data, maxPixels, jpeg.DecodeConfig, jpeg.Decode)
	}
	return decodeWith(data, maxPixels, png.DecodeConfig, png.Decode)
}

// decodeWith decodes an image with one of Go's decoders after reading its header: the
// decoders allocate the whole image before reading its data, so an unchecked size from
// a corrupt header could cost gigabytes.
func decodeWith(data []byte, maxPixels int, config func(io.Reader) (image.Config, error), decode func(io.Reader) (image.Image, error)) (*Gray, error) {
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if !sizeOK(cfg.Width, cfg.Height, maxPixels) {
		return nil, fmt.Errorf("image size %dx%d invalid (sides must be positive, at most %d pixels)", cfg.Width, cfg.Height, maxPixels)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("decoded size %dx%d differs from the header's %dx%d", b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return fromImage(img), nil
}

// luma is Pillow's RGB→L conversion (libImaging/Convert.c, L24 >> 16).
func luma(r, g, b uint32) uint8 {
	return uint8((r*19595 + g*38470 + b*7471 + 0x8000) >> 16)
}

// fromImage converts any decoded Go image to Gray (see Decode for the rules).
func fromImage(img image.Image) *Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := NewGray(w, h)
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(out.Pix[y*w:(y+1)*w], m.Pix[y*m.Stride:y*m.Stride+w])
		}
	case *image.Gray16:
		f := &GrayF{W: w, H: h, Pix: make([]float64, w*h)}
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				f.Pix[y*w+x] = float64(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
			}
		}
		return f.ToGrayMinMax()
	case *image.RGBA: // decoded opaque truecolour PNG: alpha is 255, so no premultiplication
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = luma(uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]))
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride:]
			for x := 0; x < w; x++ {
				out.Pix[y*w+x] = luma(uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2]))
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(x+b.Min.X, y+b.Min.Y), m.COffset(x+b.Min.X, y+b.Min.Y)
				r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				out.Pix[y*w+x] = luma(uint32(r), uint32(g), uint32(bb))
			}
		}
	default: // palette, CMYK, 16-bit colour: go through non-premultiplied 8-bit RGBA
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(x+b.Min.X, y+b.Min.Y)).(color.NRGBA)
				out.Pix[y*w+x] = luma(uint32(c.R), uint32(c.G), uint32(c.B))
			}
		}
	}
	return out
}
