package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/fuzzseed"
	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// The fuzz targets below check that the readers of user data (images, DICOM files, CSV
// label files, run-length masks) never panic or allocate absurdly on malformed input,
// that what they accept is self-consistent, and that what they reject comes with an
// error naming the file. Their seeds run with every `go test`; to fuzz one, e.g.
//
//	go test ./cxformer/data -run '^$' -fuzz '^FuzzDecode$' -fuzztime 45s -fuzzminimizetime 100x -parallel 1
//
// (-fuzzminimizetime keeps the engine from spending the whole budget minimizing the
// first inputs that reach new code). Crashers that fuzzing found are kept under
// testdata/fuzz/<target>/.

// fuzzMaxPixels replaces MaxImagePixels while fuzzing decoders: accepted sizes stay
// small enough that every input decodes in microseconds, and the size check itself is
// still exercised (TestDecodeRejectsHugeHeaders covers the real limit).
const fuzzMaxPixels = 1 << 16

// allocatedBy returns the bytes of heap memory that fn allocates. The fuzz targets do
// not measure it themselves (it makes their coverage unstable, and the engine then
// discards most executions): fuzzing sees an absurd allocation as a hang, and
// TestFuzzCorpusAllocations measures it for the inputs fuzzing found.
func allocatedBy(fn func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	fn()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// allocBound is the most memory a decoder may allocate for an n-byte input with the
// fuzzMaxPixels limit: a generous multiple, far below the gigabytes that a trusted
// corrupt length costs.
func allocBound(n int) uint64 { return 16<<20 + 64*uint64(n) }

// readFixture returns the bytes of a committed fixture file.
func readFixture(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(fixture(rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// expectNamed fails unless err names what (a file or a field).
func expectNamed(t *testing.T, err error, what string) {
	t.Helper()
	if !strings.Contains(err.Error(), what) {
		t.Fatalf("error %q does not name %q", err, what)
	}
}

// checkGray reports an image that is empty, larger than limit or of inconsistent size.
func checkGray(g *Gray, limit int) error {
	if g == nil || g.W <= 0 || g.H <= 0 || g.W*g.H > limit || len(g.Pix) != g.W*g.H {
		return fmt.Errorf("inconsistent image %+v (limit %d pixels)", g, limit)
	}
	return nil
}

// checkLabels reports an item without a path or without one label per class in {0, 1}
// (or NaN, missing, when allowNaN).
func checkLabels(ds *Dataset, allowNaN bool) error {
	for _, it := range ds.Items {
		if len(it.Labels) != len(ds.ClassNames) {
			return fmt.Errorf("item %q has %d labels for %d classes", it.ID, len(it.Labels), len(ds.ClassNames))
		}
		for k, v := range it.Labels {
			if !(v == 0 || v == 1 || (allowNaN && math.IsNaN(v))) {
				return fmt.Errorf("item %q class %q has label %v", it.ID, ds.ClassNames[k], v)
			}
		}
		if it.Path == "" {
			return fmt.Errorf("item %q has no path", it.ID)
		}
	}
	return nil
}

// checkBoxes reports a box that is not finite, not ordered or of no class.
func checkBoxes(ds *Dataset) error {
	for _, it := range ds.Items {
		for _, b := range it.Boxes {
			for _, v := range []float64{b.X0, b.Y0, b.X1, b.Y1} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("item %q: box %+v not finite", it.ID, b)
				}
			}
			if b.Class < 0 || b.Class >= len(ds.ClassNames) || b.X1 < b.X0 || b.Y1 < b.Y0 {
				return fmt.Errorf("item %q: box %+v invalid for %d classes", it.ID, b, len(ds.ClassNames))
			}
		}
	}
	return nil
}

// checkUniqueIDs reports two items with one ID (for readers that merge rows per image).
func checkUniqueIDs(ds *Dataset) error {
	seen := map[string]bool{}
	for _, it := range ds.Items {
		if seen[it.ID] {
			return fmt.Errorf("image %q appears twice", it.ID)
		}
		seen[it.ID] = true
	}
	return nil
}

// noError fails the test on the first non-nil error.
func noError(t *testing.T, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestFuzzChecksCatchBadData makes sure the checks the fuzz targets rely on can fail.
func TestFuzzChecksCatchBadData(t *testing.T) {
	one := []string{"A"}
	for name, err := range map[string]error{
		"label":    checkLabels(&Dataset{ClassNames: one, Items: []Item{{ID: "x", Path: "p", Labels: []float64{2}}}}, true),
		"nan":      checkLabels(&Dataset{ClassNames: one, Items: []Item{{ID: "x", Path: "p", Labels: []float64{math.NaN()}}}}, false),
		"count":    checkLabels(&Dataset{Items: []Item{{ID: "y", Path: "p", Labels: []float64{0}}}}, true),
		"path":     checkLabels(&Dataset{ClassNames: one, Items: []Item{{ID: "z", Labels: []float64{1}}}}, true),
		"order":    checkBoxes(&Dataset{ClassNames: one, Items: []Item{{Boxes: []Box{{X0: 2, X1: 1}}}}}),
		"nanbox":   checkBoxes(&Dataset{ClassNames: one, Items: []Item{{Boxes: []Box{{X0: math.NaN()}}}}}),
		"class":    checkBoxes(&Dataset{ClassNames: one, Items: []Item{{Boxes: []Box{{Class: 1}}}}}),
		"dup":      checkUniqueIDs(&Dataset{Items: []Item{{ID: "a"}, {ID: "a"}}}),
		"pixels":   checkGray(&Gray{W: 2, H: 2, Pix: make([]uint8, 3)}, 100),
		"toolarge": checkGray(&Gray{W: 20, H: 20, Pix: make([]uint8, 400)}, 100),
	} {
		if err == nil {
			t.Errorf("%s: check passed bad data", name)
		}
	}
}

// FuzzDecodeRLE decodes arbitrary run-length strings into small masks: the result is
// either an error or a w·h mask of 0/1 that EncodeRLE/DecodeRLE reproduce. The same
// string against huge or overflowing mask sizes must be rejected without allocating.
func FuzzDecodeRLE(f *testing.F) {
	f.Add("2 2 6 1 8 3 12 1", uint8(4), uint8(3))
	f.Add("", uint8(1), uint8(1))
	f.Add("1 12", uint8(4), uint8(3))
	f.Add("1 1 1 1", uint8(2), uint8(2)) // overlapping runs
	f.Add("12 2", uint8(4), uint8(3))    // past the end
	f.Add("3 -1", uint8(4), uint8(3))
	f.Add("1", uint8(4), uint8(3))
	f.Add("a b", uint8(4), uint8(3))
	f.Add("9223372036854775807 9223372036854775807", uint8(4), uint8(3)) // start-1+length overflows
	f.Add("2 9223372036854775807", uint8(4), uint8(3))
	f.Add("+1 0x2", uint8(4), uint8(3))
	f.Fuzz(func(t *testing.T, rle string, w8, h8 uint8) {
		w, h := 1+int(w8%48), 1+int(h8%48)
		m, err := DecodeRLE(rle, w, h)
		if err != nil {
			expectNamed(t, err, "RLE")
		} else {
			if len(m) != w*h {
				t.Fatalf("%dx%d mask has %d pixels", w, h, len(m))
			}
			for i, v := range m {
				if v > 1 {
					t.Fatalf("pixel %d is %d", i, v)
				}
			}
			again, err := DecodeRLE(EncodeRLE(m), w, h)
			if err != nil || !slices.Equal(again, m) {
				t.Fatalf("EncodeRLE/DecodeRLE round trip: %v", err)
			}
		}
		for _, size := range [][2]int{{1 << 20, 1 << 20}, {math.MaxInt / 2, 3}, {1 << 32, 1 << 32}, {0, 5}, {5, -1}} {
			if _, err := DecodeRLE(rle, size[0], size[1]); err == nil {
				t.Fatalf("%dx%d mask accepted", size[0], size[1])
			}
		}
	})
}

// pngWithSize returns a valid 1×1 PNG whose header claims w×h (CRC fixed up).
func pngWithSize(tb testing.TB, w, h uint32) []byte {
	b := encodePNG(tb, image.NewGray(image.Rect(0, 0, 1, 1)))
	// 8-byte signature, then the IHDR chunk: length (4), "IHDR" (4), width, height, ...
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// jpegWithSize returns a valid 8×8 JPEG whose SOF0 header claims w×h.
func jpegWithSize(tb testing.TB, w, h uint16) []byte {
	b := encodeJPEG(tb, image.NewGray(image.Rect(0, 0, 8, 8)))
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		tb.Fatal("no SOF0 marker in the encoded JPEG")
	}
	// marker (2), length (2), precision (1), height (2), width (2)
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// TestDecodeRejectsHugeHeaders: an image whose header claims more than MaxImagePixels
// pixels is refused before the decoder allocates it.
func TestDecodeRejectsHugeHeaders(t *testing.T) {
	for name, b := range map[string][]byte{
		"huge.png":  pngWithSize(t, 1<<20, 1<<20),
		"wide.png":  pngWithSize(t, 1<<30, 1),
		"huge.jpg":  jpegWithSize(t, 65535, 65535),
		"empty.jpg": jpegWithSize(t, 0, 8),
	} {
		var err error
		if n := allocatedBy(func() { _, err = Decode(name, b) }); n > 1<<20 {
			t.Errorf("%s: rejecting it allocated %d bytes", name, n)
		}
		if err == nil {
			t.Errorf("%s accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}

// fuzzImageNames are the names FuzzDecode tries: each format's extension (the DICOM
// fallback depends on it) and none.
var fuzzImageNames = []string{"img.png", "img.jpg", "img.dcm", "img"}

// FuzzDecode decodes arbitrary bytes as PNG, JPEG or DICOM: the result is an error
// naming the file or a non-empty image with W·H pixels, of a format SniffFormat knows.
func FuzzDecode(f *testing.F) {
	for _, rel := range []string{"images/gray8.png", "images/gray16.png", "images/rgb.png", "images/rgba.png",
		"images/palette.png", "images/gray.jpg", "images/rgb.jpg", "dicom/u8.dcm", "images/corrupt.png", "images/garbage.bin"} {
		b := readFixture(f, rel)
		f.Add(uint8(slices.Index(fuzzImageNames, "img"+filepath.Ext(rel))), b)
	}
	fuzzseed.AddBroken(readFixture(f, "images/gray8.png"), func(b []byte) { f.Add(uint8(0), b) })
	fuzzseed.AddBroken(readFixture(f, "images/rgb.jpg"), func(b []byte) { f.Add(uint8(1), b) })
	f.Add(uint8(0), pngWithSize(f, 1<<20, 1<<20))
	f.Add(uint8(0), pngWithSize(f, 0, 7))
	f.Add(uint8(1), jpegWithSize(f, 65535, 65535))
	f.Add(uint8(1), jpegWithSize(f, 0, 8))
	f.Add(uint8(3), []byte("\x89PNG\r\n\x1a\n"))
	f.Add(uint8(3), []byte{0xFF, 0xD8, 0xFF})
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		name := fuzzImageNames[int(sel)%len(fuzzImageNames)]
		g, err := decodeLimited(name, data, fuzzMaxPixels)
		if err != nil {
			expectNamed(t, err, name)
			return
		}
		noError(t, checkGray(g, fuzzMaxPixels))
		if SniffFormat(name, data) == FormatUnknown {
			t.Fatal("decoded an image of unknown format")
		}
	})
}

// FuzzDecodeDICOM parses arbitrary bytes as DICOM: an error naming the file, or a frame
// of W·H finite modality values with sane attributes that renders to a W×H image.
func FuzzDecodeDICOM(f *testing.F) {
	for _, rel := range []string{"u16_window.dcm", "mono1_u12.dcm", "s16_rescale.dcm", "s12_sigmoid.dcm", "u8.dcm", "nopixel.dcm"} {
		f.Add(readFixture(f, "dicom/"+rel))
	}
	good := readFixture(f, "dicom/u8.dcm")
	fuzzseed.AddBroken(good, func(b []byte) { f.Add(b) })
	f.Add(good[:132]) // preamble and "DICM" only
	// A rescale that overflows; a signed 32-bit frame with a non-finite window; below,
	// a pixel data length past the end of the file, files that make the parser panic,
	// nested sequences and an encapsulated JPEG frame.
	px := make([]int, 12)
	for i := range px {
		px[i] = i * 1000
	}
	f.Add(writeDICOM(f, dicomSpec{W: 4, H: 3, Bits: 16, Stored: 16, Pixels: px, Photometric: "MONOCHROME2", Slope: "1e308", Intercept: "0"}))
	f.Add(writeDICOM(f, dicomSpec{W: 4, H: 3, Bits: 32, Stored: 32, Signed: true, Pixels: px, Photometric: "MONOCHROME1", Center: "NaN", Width: "inf"}))
	f.Add(dicomWithPixelLength(f, 0xFFFFFFF0))
	for _, b := range dicomParserPanics() {
		f.Add(b)
	}
	f.Add(nestedDICOM(3, true))
	f.Add(encapsulatedDICOM(f, encodeJPEG(f, image.NewGray(image.Rect(0, 0, 8, 8))), 8, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.dcm"
		d, err := decodeDICOM(name, data, fuzzMaxPixels)
		if err != nil {
			expectNamed(t, err, name)
			return
		}
		m := d.Modality
		if m == nil || m.W <= 0 || m.H <= 0 || m.W*m.H > fuzzMaxPixels || len(m.Pix) != m.W*m.H {
			t.Fatalf("inconsistent frame %+v", m)
		}
		for i, v := range m.Pix {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("modality value %d is %v", i, v)
			}
		}
		if d.BitsStored < 1 || d.BitsStored > 32 || (d.Photometric != "MONOCHROME1" && d.Photometric != "MONOCHROME2") {
			t.Fatalf("accepted BitsStored %d, photometric %q", d.BitsStored, d.Photometric)
		}
		for _, win := range []bool{false, true} {
			g := d.Gray(win)
			noError(t, checkGray(g, fuzzMaxPixels))
			if g.W != m.W || g.H != m.H {
				t.Fatalf("rendered %dx%d from a %dx%d frame", g.W, g.H, m.W, m.H)
			}
		}
	})
}

// dicomWithPixelLength returns the u8.dcm fixture with the value length of its Pixel
// Data element replaced by vl.
func dicomWithPixelLength(tb testing.TB, vl uint32) []byte {
	b := readFixture(tb, "dicom/u8.dcm")
	i := bytes.Index(b, []byte{0xE0, 0x7F, 0x10, 0x00}) // (7FE0,0010), explicit VR little endian
	if i < 0 || (string(b[i+4:i+6]) != "OW" && string(b[i+4:i+6]) != "OB") {
		tb.Fatal("no OB/OW Pixel Data element in u8.dcm")
	}
	binary.LittleEndian.PutUint32(b[i+8:], vl) // after tag (4), VR (2), reserved (2)
	return b
}

// encapsulatedDICOM returns a DICOM file whose single w×h frame is the encapsulated
// baseline JPEG jp.
func encapsulatedDICOM(tb testing.TB, jp []byte, w, h int) []byte {
	tb.Helper()
	if len(jp)%2 == 1 {
		jp = append(jp, 0) // DICOM items have even length
	}
	el := func(tg tag.Tag, v any) *dicom.Element {
		e, err := dicom.NewElement(tg, v)
		if err != nil {
			tb.Fatal(err)
		}
		return e
	}
	pd := el(tag.PixelData, dicom.PixelDataInfo{IsEncapsulated: true, Frames: []*frame.Frame{{Encapsulated: true, EncapsulatedData: frame.EncapsulatedFrame{Data: jp}}}})
	pd.ValueLength, pd.RawValueRepresentation = tag.VLUndefinedLength, "OB"
	elems := []*dicom.Element{
		el(tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1.1"}),
		el(tag.MediaStorageSOPInstanceUID, []string{"1.2.3"}),
		el(tag.TransferSyntaxUID, []string{"1.2.840.10008.1.2.4.50"}),
		el(tag.SamplesPerPixel, []int{1}),
		el(tag.PhotometricInterpretation, []string{"MONOCHROME2"}),
		el(tag.Rows, []int{h}), el(tag.Columns, []int{w}),
		el(tag.BitsAllocated, []int{8}), el(tag.BitsStored, []int{8}), el(tag.PixelRepresentation, []int{0}),
		pd,
	}
	var b bytes.Buffer
	if err := dicom.Write(&b, dicom.Dataset{Elements: elems}, dicom.SkipVRVerification()); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// TestDICOMCorruptLengthRejected: a value length beyond the end of the file is an error
// naming the file and the element, found before the DICOM parser allocates a buffer of
// that length (4 GiB here; fuzzing found such files of 133 bytes).
func TestDICOMCorruptLengthRejected(t *testing.T) {
	b := dicomWithPixelLength(t, 0xFFFFFFF0)
	tag.Find(tag.PixelData) // the parser's tag dictionary is built on first use
	var err error
	n := allocatedBy(func() { _, err = Decode("corrupt.dcm", b) })
	if err == nil || !strings.Contains(err.Error(), "corrupt.dcm") || !strings.Contains(err.Error(), "(7FE0,0010)") {
		t.Fatalf("got %v, want an error naming corrupt.dcm and (7FE0,0010)", err)
	}
	if n > 1<<20 {
		t.Errorf("rejecting a %d-byte file allocated %d bytes", len(b), n)
	}
}

// corpusBytes returns the []byte argument of a corpus file that go test -fuzz wrote
// ("go test fuzz v1", then one Go literal per argument).
func corpusBytes(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if lit, ok := strings.CutPrefix(line, "[]byte("); ok {
			s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			if err != nil {
				tb.Fatalf("%s: %v", path, err)
			}
			return []byte(s)
		}
	}
	tb.Fatalf("%s: no []byte argument", path)
	return nil
}

// TestFuzzCorpusAllocations decodes every input that fuzzing kept for the image and
// DICOM decoders under each name and checks that none allocates more than allocBound:
// the crashers among them declare values of gigabytes that the DICOM parser used to
// allocate.
func TestFuzzCorpusAllocations(t *testing.T) {
	tag.Find(tag.PixelData) // the parser's tag dictionary is built on first use
	for _, target := range []string{"FuzzDecode", "FuzzDecodeDICOM"} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			data := corpusBytes(t, file)
			for _, name := range fuzzImageNames {
				if n := allocatedBy(func() { decodeLimited(name, data, fuzzMaxPixels) }); n > allocBound(len(data)) {
					t.Errorf("%s as %s: decoding %d bytes allocated %d bytes", file, name, len(data), n)
				}
			}
		}
	}
}

// dicomMeta returns a DICOM preamble and a file meta group holding only the group
// length element, whose value bytes are given (the data set then defaults to implicit VR
// little endian).
func dicomMeta(groupLength []byte) []byte {
	b := append(make([]byte, 128), "DICM"...)
	b = binary.LittleEndian.AppendUint16(b, 0x0002)
	b = binary.LittleEndian.AppendUint16(b, 0x0000)
	b = append(b, "UL"...)
	return append(binary.LittleEndian.AppendUint16(b, uint16(len(groupLength))), groupLength...)
}

// implicitElement appends an implicit-VR little-endian element header.
func implicitElement(b []byte, group, elem uint16, vl uint32) []byte {
	b = binary.LittleEndian.AppendUint16(b, group)
	b = binary.LittleEndian.AppendUint16(b, elem)
	return binary.LittleEndian.AppendUint32(b, vl)
}

// dicomParserPanics are small files that make github.com/suyashkumar/dicom v1.0.7 panic.
func dicomParserPanics() map[string][]byte {
	le := binary.LittleEndian
	withSyntax := func(vr string, value []byte) []byte { // meta group: length, then (0002,0010)
		el := le.AppendUint16(le.AppendUint16(nil, 0x0002), 0x0010)
		el = append(le.AppendUint16(append(el, vr...), uint16(len(value))), value...)
		return append(dicomMeta(le.AppendUint32(nil, uint32(len(el)))), el...)
	}
	return map[string][]byte{
		"group length without a value": dicomMeta(nil),
		"transfer syntax not a string": withSyntax("US", []byte{7, 0}),
		"transfer syntax not a UID":    withSyntax("UI", []byte("1.2.")),
		"sequence holding a non-item":  implicitElement(implicitElement(dicomMeta(make([]byte, 4)), 0x0008, 0x1115, 8), 0x0008, 0x0016, 0),
	}
}

// nestedDICOM returns a data set of depth sequences, each holding one item that holds
// the next, all of undefined length; closed adds the delimiters.
func nestedDICOM(depth int, closed bool) []byte {
	b := dicomMeta(make([]byte, 4))
	for range depth {
		b = implicitElement(b, 0x0008, 0x1115, 0xFFFFFFFF) // Referenced Series Sequence
		b = implicitElement(b, 0xFFFE, 0xE000, 0xFFFFFFFF) // Item
	}
	if closed {
		for range depth {
			b = implicitElement(b, 0xFFFE, 0xE00D, 0) // Item Delimitation Item
			b = implicitElement(b, 0xFFFE, 0xE0DD, 0) // Sequence Delimitation Item
		}
	}
	return b
}

// TestDICOMParserPanicsBecomeErrors: files that make the DICOM parser panic give an
// error naming the file.
func TestDICOMParserPanicsBecomeErrors(t *testing.T) {
	for what, b := range dicomParserPanics() {
		if _, err := Decode("panic.dcm", b); err == nil || !strings.Contains(err.Error(), "panic.dcm") {
			t.Errorf("%s: got %v, want an error naming panic.dcm", what, err)
		}
	}
}

// TestDICOMNesting: the parser recurses once per nested sequence or item, so a file
// nested millions deep could overflow the stack, which no recover catches; nesting
// beyond maxDICOMNesting is an error, while moderate nesting parses.
func TestDICOMNesting(t *testing.T) {
	if _, err := Decode("deep.dcm", nestedDICOM(10_000, false)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("10000 levels: got %v, want a nesting error", err)
	}
	if _, err := Decode("nested.dcm", nestedDICOM(maxDICOMNesting/2, true)); !errors.Is(err, ErrNoPixelData) {
		t.Errorf("%d levels: got %v, want the file parsed (and found without pixel data)", maxDICOMNesting, err)
	}
	if err := checkDICOMLengths(nestedDICOM(maxDICOMNesting/2+1, true)); err == nil {
		t.Errorf("%d levels accepted", maxDICOMNesting+2)
	}
}

// addCSVSeeds seeds f with a valid CSV and broken variants: cut, empty, header only,
// a garbled header, an unterminated quote, a byte-order mark and a short row.
func addCSVSeeds(f *testing.F, good []byte, add func([]byte)) {
	add(good)
	fuzzseed.AddBroken(good, add)
	header, _, _ := bytes.Cut(good, []byte("\n"))
	add(slices.Concat(header, []byte("\n")))
	add(slices.Concat([]byte("\ufeff"), good))
	add(slices.Concat(good, []byte("\"unterminated,1\n")))
	add(slices.Concat(good, []byte("x\n")))
	add(bytes.ReplaceAll(good, []byte(","), []byte(";")))
}

// FuzzReadCheXpert reads arbitrary CheXpert CSVs under the published layout, with the
// CXformer options or all classes with a view filter: every item gets one label per
// class in {0, 1, NaN}; errors name the CSV.
func FuzzReadCheXpert(f *testing.F) {
	good := readFixture(f, "chexpert/CheXpert-v1.0-small/train.csv")
	addCSVSeeds(f, good, func(b []byte) { f.Add(uint8(0), b) })
	f.Add(uint8(1), good)
	f.Add(uint8(2), good)
	f.Add(uint8(3), readFixture(f, "chexpert/CheXpert-v1.0-small/valid.csv"))
	f.Add(uint8(0), bytes.Replace(good, []byte("-1.0"), []byte("NaN"), 1))
	f.Add(uint8(0), bytes.Replace(good, []byte("-1.0"), []byte("2"), 1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, mode uint8, csv []byte) {
		path := fuzzseed.WriteFile(t, dir, "CheXpert-v1.0-small/train.csv", csv)
		opt := CheXpertOptions{Uncertain: UncertainPolicy(mode % 3), Blank: BlankPolicy(mode / 3 % 3)}
		if mode&0x10 != 0 {
			opt = CheXpertCXformer()
		}
		if mode&0x20 != 0 {
			opt.Views = []string{"AP", "PA"}
		}
		ds, err := ReadCheXpert(path, opt)
		if err != nil {
			expectNamed(t, err, path)
			return
		}
		noError(t, checkLabels(ds, true))
		if len(opt.Views) == 0 && ds.Dropped != 0 {
			t.Fatalf("%d rows dropped without a view filter", ds.Dropped)
		}
	})
}

// FuzzReadCheXmask reads arbitrary CheXmask CSVs: every item has a three-class mask of a
// bounded size that decodes (when small enough to do so here) to a W·H label map of
// classes 0..3, or fails naming the class; errors name the CSV.
func FuzzReadCheXmask(f *testing.F) {
	good := readFixture(f, "chexmask/chexmask.csv")
	addCSVSeeds(f, good, func(b []byte) { f.Add(false, b) })
	f.Add(true, good)
	f.Add(false, []byte("Image ID,Left Lung,Right Lung,Heart,Height,Width\na,1 1,2 1,3 1,1048576,1048576\n"))
	f.Add(false, []byte("Image ID,Left Lung,Right Lung,Heart,Height,Width\na,1 1,2 1,9223372036854775807 9223372036854775807,2,2\n"))
	f.Add(true, []byte("Image ID,Left Lung,Right Lung,Heart,Height,Width,Dice RCA (Mean)\na,1 1,2 1,3 1,2,2,NaN\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, filter bool, csv []byte) {
		path := fuzzseed.WriteFile(t, dir, "chexmask.csv", csv)
		opt := CheXmaskOptions{}
		if filter {
			opt.MinDiceRCA = 0.7
		}
		ds, err := ReadCheXmask(path, opt)
		if err != nil {
			expectNamed(t, err, path)
			return
		}
		for _, it := range ds.Items {
			m := it.Mask
			if m == nil || len(m.RLE) != 3 || !sizeOK(m.W, m.H, MaxImagePixels) {
				t.Fatalf("item %q: bad mask %+v", it.ID, m)
			}
			if m.W*m.H > fuzzMaxPixels {
				continue
			}
			lm, err := m.Decode()
			if err != nil {
				expectNamed(t, err, "mask class")
				continue
			}
			if lm.W != m.W || lm.H != m.H || len(lm.Pix) != m.W*m.H {
				t.Fatalf("item %q: %dx%d mask decoded to %dx%d with %d pixels", it.ID, m.W, m.H, lm.W, lm.H, len(lm.Pix))
			}
			for _, v := range lm.Pix {
				if int(v) >= len(ds.MaskClasses) {
					t.Fatalf("item %q: class %d", it.ID, v)
				}
			}
		}
	})
}

// FuzzReadNIH reads an NIH tree whose Data_Entry_2017.csv and split lists are arbitrary:
// labels are 0/1, one per class; errors name a file under the root.
func FuzzReadNIH(f *testing.F) {
	csv := readFixture(f, "nih/Data_Entry_2017.csv")
	list := readFixture(f, "nih/train_val_list.txt")
	addCSVSeeds(f, csv, func(b []byte) { f.Add(uint8(0), b, list) })
	f.Add(uint8(1), csv, list)
	f.Add(uint8(2), csv, readFixture(f, "nih/test_list.txt"))
	f.Add(uint8(1), csv, []byte(strings.Repeat("x", 70000))) // a line longer than bufio's token limit
	f.Add(uint8(5), csv, []byte{})
	root := f.TempDir()
	fuzzseed.WriteFile(f, root, "images_001/images/00000001_000.png", readFixture(f, "nih/images_001/images/00000001_000.png"))
	f.Fuzz(func(t *testing.T, mode uint8, csv, list []byte) {
		fuzzseed.WriteFile(t, root, "Data_Entry_2017.csv", csv)
		fuzzseed.WriteFile(t, root, "train_val_list.txt", list)
		fuzzseed.WriteFile(t, root, "test_list.txt", list)
		opt := NIHOptions{Split: []string{"", "train", "test"}[mode%3]}
		if mode&4 != 0 {
			opt.Views = []string{"PA"}
		}
		if mode&8 != 0 {
			opt.Classes = NIH8Classes
		}
		ds, err := ReadNIH(root, opt)
		if err != nil {
			expectNamed(t, err, root)
			return
		}
		noError(t, checkLabels(ds, false))
		for _, it := range ds.Items {
			if !strings.HasPrefix(it.Path, root) {
				t.Fatalf("item %q: path %s outside the root", it.ID, it.Path)
			}
		}
	})
}

// FuzzReadVinDr reads a VinDr tree whose label file (image labels or box annotations) is
// arbitrary: one item per image, labels 0/1, boxes finite and ordered; errors name the CSV.
func FuzzReadVinDr(f *testing.F) {
	labels := readFixture(f, "vindr/image_labels_train.csv")
	ann := readFixture(f, "vindr/annotations_train.csv")
	addCSVSeeds(f, labels, func(b []byte) { f.Add(uint8(0), b) })
	addCSVSeeds(f, ann, func(b []byte) { f.Add(uint8(1), b) })
	f.Add(uint8(2), labels)
	f.Add(uint8(3), ann)
	f.Add(uint8(0), readFixture(f, "vindr/image_labels_test.csv"))
	f.Add(uint8(1), bytes.Replace(ann, []byte("1355.0"), []byte("Inf"), 1))
	f.Add(uint8(1), bytes.Replace(ann, []byte("1355.0"), []byte("10"), 1)) // x_max < x_min
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, mode uint8, csv []byte) {
		name := []string{"image_labels_train.csv", "annotations_train.csv"}[mode%2]
		os.Remove(filepath.Join(root, "image_labels_train.csv"))
		os.Remove(filepath.Join(root, "annotations_train.csv"))
		path := fuzzseed.WriteFile(t, root, name, csv)
		ds, err := ReadVinDr(root, VinDrOptions{Aggregate: VinDrAggregate(mode / 2 % 2)})
		if err != nil {
			expectNamed(t, err, path)
			return
		}
		noError(t, checkLabels(ds, false), checkBoxes(ds), checkUniqueIDs(ds))
	})
}

// FuzzReadRSNA reads an arbitrary RSNA label file: one item per patient with the single
// label 0 or 1, boxes finite and ordered; errors name the CSV.
func FuzzReadRSNA(f *testing.F) {
	good := readFixture(f, "rsna/stage_2_train_labels.csv")
	addCSVSeeds(f, good, func(b []byte) { f.Add(b) })
	f.Add(bytes.Replace(good, []byte("213.0"), []byte("-5"), 1))
	f.Add(bytes.Replace(good, []byte("213.0"), []byte("NaN"), 1))
	f.Add(bytes.Replace(good, []byte(",1\n"), []byte(",0.5\n"), 1))
	f.Add(bytes.Replace(good, []byte("264.0"), []byte(""), 1)) // partial box
	root := f.TempDir()
	f.Fuzz(func(t *testing.T, csv []byte) {
		path := fuzzseed.WriteFile(t, root, "stage_2_train_labels.csv", csv)
		ds, err := ReadRSNA(root, RSNAOptions{})
		if err != nil {
			expectNamed(t, err, path)
			return
		}
		if len(ds.ClassNames) != 1 {
			t.Fatalf("classes %v", ds.ClassNames)
		}
		noError(t, checkLabels(ds, false), checkBoxes(ds), checkUniqueIDs(ds))
	})
}
