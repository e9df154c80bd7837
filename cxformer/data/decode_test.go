package data

import (
	"errors"
	"image"
	"math"
	"os"
	"strings"
	"testing"
)

func TestDecodeBadInput(t *testing.T) {
	for _, rel := range []string{"images/corrupt.png", "images/garbage.bin", "folder/c.png"} {
		_, err := DecodeFile(fixture(rel))
		if err == nil {
			t.Errorf("%s: decoded a corrupt file", rel)
			continue
		}
		if !strings.Contains(err.Error(), rel[strings.LastIndex(rel, "/")+1:]) {
			t.Errorf("%s: error %q does not name the file", rel, err)
		}
	}
	if _, err := DecodeFile(fixture("images/garbage.bin")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("garbage: %v, want ErrUnknownFormat", err)
	}
	if _, err := DecodeFile(fixture("images/nonexistent.png")); err == nil {
		t.Error("missing file decoded")
	}
	b, err := os.ReadFile(fixture("dicom/u16_window.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{100, 300, len(b) - 10} {
		if _, err := Decode("cut.dcm", b[:cut]); err == nil || !strings.Contains(err.Error(), "cut.dcm") {
			t.Errorf("DICOM truncated to %d bytes: %v", cut, err)
		}
	}
}

func TestDICOMWithoutPixelDataNamesFile(t *testing.T) {
	_, err := DecodeFile(fixture("dicom/nopixel.dcm"))
	if !errors.Is(err, ErrNoPixelData) || !strings.Contains(err.Error(), "nopixel.dcm") {
		t.Fatalf("got %v, want ErrNoPixelData naming nopixel.dcm", err)
	}
}

func TestSniffFormat(t *testing.T) {
	for rel, want := range map[string]Format{
		"images/gray8.png": FormatPNG, "images/gray.jpg": FormatJPEG, "dicom/u8.dcm": FormatDICOM, "images/garbage.bin": FormatUnknown,
	} {
		b, err := os.ReadFile(fixture(rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := SniffFormat(rel, b); got != want {
			t.Errorf("%s: %v, want %v", rel, got, want)
		}
	}
	if SniffFormat("x.dcm", []byte("no preamble")) != FormatDICOM {
		t.Error("extension fallback for DICOM without preamble")
	}
}

// TestDICOMStoredBits checks masking to BitsStored and sign extension on a file whose
// unused high bits carry garbage, and the modality rescale, against values computed here.
func TestDICOMStoredBits(t *testing.T) {
	stored := []int{0x0FFF, 0x0800, 0x07FF, 0x0000, 0xF001, 0x3801} // 12-bit words, junk in bits 12-15
	b := writeDICOM(t, dicomSpec{W: 3, H: 2, Bits: 16, Stored: 12, Signed: true, Pixels: stored,
		Photometric: "MONOCHROME2", Slope: "0.5", Intercept: "10"})
	d, err := DecodeDICOM("stored.dcm", b)
	if err != nil {
		t.Fatal(err)
	}
	want12 := []int{-1, -2048, 2047, 0, 1, -2047}
	for i, v := range want12 {
		if got, want := d.Modality.Pix[i], float64(v)*0.5+10; got != want {
			t.Errorf("pixel %d: %v, want %v", i, got, want)
		}
	}
	d2, err := DecodeDICOM("u.dcm", writeDICOM(t, dicomSpec{W: 3, H: 2, Bits: 16, Stored: 12, Pixels: stored, Photometric: "MONOCHROME2"}))
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range stored {
		if got := d2.Modality.Pix[i]; got != float64(w&0xFFF) {
			t.Errorf("unsigned pixel %d: %v, want %v", i, got, w&0xFFF)
		}
	}
}

func TestDICOMWindowFormulas(t *testing.T) {
	mod := &GrayF{W: 5, H: 1, Pix: []float64{-100, 0, 40, 80, 500}}
	cases := []struct {
		fn   string
		c, w float64
		want func(x float64) float64
	}{
		{"LINEAR", 40, 80, func(x float64) float64 {
			c, w := 39.5, 79.0
			switch {
			case x <= c-w/2:
				return 0
			case x > c+w/2:
				return 1
			}
			return (x-c)/w + 0.5
		}},
		{"LINEAR_EXACT", 40, 80, func(x float64) float64 { return math.Min(math.Max((x-40)/80+0.5, 0), 1) }},
		{"SIGMOID", 40, 80, func(x float64) float64 { return 1 / (1 + math.Exp(-4*(x-40)/80)) }},
	}
	for _, c := range cases {
		d := &DICOMImage{Modality: mod, Centers: []float64{c.c}, Widths: []float64{c.w}, VOIFunction: c.fn}
		f, ok := d.Window()
		if !ok {
			t.Fatalf("%s: no window", c.fn)
		}
		for i, x := range mod.Pix {
			if math.Abs(f.Pix[i]-c.want(x)) > 1e-12 {
				t.Errorf("%s(%v) = %v, want %v", c.fn, x, f.Pix[i], c.want(x))
			}
		}
	}
	if _, ok := (&DICOMImage{Modality: mod}).Window(); ok {
		t.Error("window without WindowCenter")
	}
}

func TestDICOMMonochrome1Inverts(t *testing.T) {
	px := []int{0, 1000, 2000, 4000}
	m1, err := DecodeDICOM("m1.dcm", writeDICOM(t, dicomSpec{W: 2, H: 2, Bits: 16, Stored: 12, Pixels: px, Photometric: "MONOCHROME1"}))
	if err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeDICOM("m2.dcm", writeDICOM(t, dicomSpec{W: 2, H: 2, Bits: 16, Stored: 12, Pixels: px, Photometric: "MONOCHROME2"}))
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := m1.Gray(true), m2.Gray(true)
	if g2.Pix[0] != 0 || g2.Pix[3] != 255 || g1.Pix[0] != 255 || g1.Pix[3] != 0 {
		t.Fatalf("MONOCHROME2 %v, MONOCHROME1 %v", g2.Pix, g1.Pix)
	}
}

func TestEqualizeHistProperties(t *testing.T) {
	g := &Gray{W: 7, H: 1, Pix: []uint8{0, 5, 9, 9, 9, 9, 9}}
	e := EqualizeHist(g)
	// i0 = 0 (1 pixel), scale = 255/6 = 42.5: lut[5] = rint(42.5) = 42 (half to even, as
	// OpenCV's cvRound), lut[9] = rint(6·42.5) = 255.
	if want := []uint8{0, 42, 255, 255, 255, 255, 255}; string(e.Pix) != string(want) {
		t.Fatalf("got %v, want %v", e.Pix, want)
	}
	c := EqualizeHist(&Gray{W: 2, H: 2, Pix: []uint8{7, 7, 7, 7}})
	for _, v := range c.Pix {
		if v != 7 {
			t.Fatalf("constant image: %v", c.Pix)
		}
	}
}

// TestDICOMEncapsulatedJPEG decodes a baseline-JPEG (transfer syntax 1.2.840.10008.1.2.4.50)
// DICOM written with the library's encapsulated-frame writer.
func TestDICOMEncapsulatedJPEG(t *testing.T) {
	g := synthGray(20, 16, 1)
	jp := encodeJPEG(t, &image.Gray{Pix: g.Pix, Stride: g.W, Rect: image.Rect(0, 0, g.W, g.H)})
	d, err := DecodeDICOM("enc.dcm", encapsulatedDICOM(t, jp, 20, 16))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode("frame.jpg", jp)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range want.Pix {
		if d.Modality.Pix[i] != float64(v) {
			t.Fatalf("pixel %d: %v, want %v", i, d.Modality.Pix[i], v)
		}
	}
}
