package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// checkDICOMLengths guards github.com/suyashkumar/dicom (v1.0.7) against corrupt value
// lengths. The parser allocates a buffer of an element's declared length before reading
// its value (make([]byte, vl) for OB/OW/UN values, strings and pixel data items), so a
// file of a few hundred bytes that declares a 4 GiB value costs gigabytes of memory,
// and seconds of zeroing, before the read fails. checkDICOMLengths walks the element
// structure exactly as the parser reads it (the preamble and file meta group, the
// transfer syntax, nested sequences and items, encapsulated pixel data), without
// reading values, and returns an error for the first element whose declared length
// exceeds the bytes left around it, or for sequences nested so deeply that the parser's
// recursion could exhaust the stack. Wherever the parser would fail for another reason
// the walk stops and returns nil: the parser then reports that failure itself.
func checkDICOMLengths(b []byte) error {
	w := &dicomWalk{b: b, limits: []int{len(b)}, bo: binary.LittleEndian}
	err := w.file()
	var le *dicomLengthError
	if errors.As(err, &le) {
		return err
	}
	return nil
}

// maxDICOMNesting bounds how deeply sequences and items may nest, counting each
// sequence and each item as a level. Real files use a few (deep structured reports some
// tens); the parser recurses once per level, and a stack overflow cannot be recovered.
const maxDICOMNesting = 256

// dicomLengthError reports a value length the parser must not be given.
type dicomLengthError struct{ msg string }

func (e *dicomLengthError) Error() string { return e.msg }

// errDICOMStop marks a place where the parser itself fails (a short read, a malformed
// header, an unexpected element): nothing after it is read, so nothing is checked.
var errDICOMStop = errors.New("the DICOM parser stops here")

// dicomWalk mirrors the state of the parser's reader: position, the stack of read limits
// (sequences and items of defined length), byte order and VR encoding.
type dicomWalk struct {
	b        []byte
	pos      int
	limits   []int
	bo       binary.ByteOrder
	implicit bool
	depth    int
}

func (w *dicomWalk) left() int { return w.limits[len(w.limits)-1] - w.pos }

// push starts reading n bytes as one unit (the parser's PushLimit, which fails when n
// reaches past the current limit).
func (w *dicomWalk) push(n int64) bool {
	if int64(w.pos)+n > int64(w.limits[len(w.limits)-1]) {
		return false
	}
	w.limits = append(w.limits, w.pos+int(n))
	return true
}

func (w *dicomWalk) pop() { w.limits = w.limits[:len(w.limits)-1] }

// bytes consumes n bytes, or reports a short read.
func (w *dicomWalk) bytes(n int) ([]byte, bool) {
	if n > w.left() {
		return nil, false
	}
	p := w.b[w.pos : w.pos+n]
	w.pos += n
	return p, true
}

func (w *dicomWalk) u16() (uint16, bool) {
	p, ok := w.bytes(2)
	if !ok {
		return 0, false
	}
	return w.bo.Uint16(p), true
}

func (w *dicomWalk) u32() (uint32, bool) {
	p, ok := w.bytes(4)
	if !ok {
		return 0, false
	}
	return w.bo.Uint32(p), true
}

// value consumes an element value that the parser reads into a buffer of vl bytes.
func (w *dicomWalk) value(t tag.Tag, vl uint32) ([]byte, error) {
	if int64(vl) > int64(w.left()) {
		return nil, &dicomLengthError{fmt.Sprintf("element %s declares a %d-byte value but only %d bytes are left", tagString(t), vl, max(w.left(), 0))}
	}
	p, _ := w.bytes(int(vl))
	return p, nil
}

func tagString(t tag.Tag) string { return fmt.Sprintf("(%04X,%04X)", t.Group, t.Element) }

// header reads an element's tag, VR and value length (the parser's readTag, readVR and
// readVL). Items always use implicit VR.
func (w *dicomWalk) header(implicit bool) (t tag.Tag, vr string, vl uint32, err error) {
	g, ok1 := w.u16()
	e, ok2 := w.u16()
	if !ok1 || !ok2 {
		return t, "", 0, errDICOMStop
	}
	t = tag.Tag{Group: g, Element: e}
	implicit = implicit || t == tag.Item
	if implicit {
		vr = tag.UnknownVR
		if info, err := tag.Find(t); err == nil {
			vr = info.VR
		}
		v, ok := w.u32()
		if !ok {
			return t, vr, 0, errDICOMStop
		}
		return t, vr, v, nil
	}
	p, ok := w.bytes(2)
	if !ok {
		return t, "", 0, errDICOMStop
	}
	vr = string(p)
	switch vr {
	case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
		w.bytes(2) // reserved; the parser ignores a failure here, and then fails to read VL
		v, ok := w.u32()
		if !ok || (v == tag.VLUndefinedLength && (vr == "UC" || vr == "UR" || vr == "UT")) {
			return t, vr, 0, errDICOMStop
		}
		return t, vr, v, nil
	}
	v, ok := w.u16()
	if !ok {
		return t, vr, 0, errDICOMStop
	}
	if v == 0xFFFF {
		return t, vr, tag.VLUndefinedLength, nil
	}
	return t, vr, uint32(v), nil
}

// element walks one element (the parser's readElement and readValue) and returns its
// tag, kind and, for string and number values, the raw value bytes.
func (w *dicomWalk) element() (tag.Tag, tag.VRKind, []byte, error) {
	t, vr, vl, err := w.header(w.implicit)
	if err != nil {
		return t, 0, nil, err
	}
	kind := tag.GetVRKind(t, vr)
	switch kind {
	case tag.VRBytes:
		if vr == "OW" && vl%2 != 0 {
			return t, kind, nil, errDICOMStop
		}
		_, err := w.value(t, vl)
		return t, kind, nil, err
	case tag.VRUInt16List, tag.VRUInt32List, tag.VRInt16List, tag.VRInt32List, tag.VRTagList,
		tag.VRFloat32List, tag.VRFloat64List:
		size := map[string]uint32{"US": 2, "AT": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8}[vr]
		if size == 0 || vl%size != 0 || !w.push(int64(vl)) {
			return t, kind, nil, errDICOMStop
		}
		p, _ := w.bytes(int(vl))
		w.pop()
		return t, kind, p, nil
	case tag.VRSequence, tag.VRItem:
		if w.depth >= maxDICOMNesting {
			return t, kind, nil, &dicomLengthError{fmt.Sprintf("sequences nested deeper than %d levels at element %s", maxDICOMNesting, tagString(t))}
		}
		w.depth++
		defer func() { w.depth-- }()
		return t, kind, nil, w.nested(kind, vl)
	case tag.VRPixelData:
		if vl != tag.VLUndefinedLength {
			_, err := w.value(t, vl)
			return t, kind, nil, err
		}
		return t, kind, nil, w.encapsulated()
	}
	p, err := w.value(t, vl) // strings, dates and everything else
	return t, kind, p, err
}

// nested walks the elements of a sequence (which must all be items) or an item, of
// defined length or up to their delimiter (the parser's readSequence and
// readSequenceItem).
func (w *dicomWalk) nested(kind tag.VRKind, vl uint32) error {
	if vl != tag.VLUndefinedLength {
		if !w.push(int64(vl)) {
			return errDICOMStop
		}
		for w.left() > 0 {
			t, _, _, err := w.element()
			if err != nil {
				return err
			}
			if kind == tag.VRSequence && t != tag.Item {
				return errDICOMStop // the parser panics on a non-item in a sequence
			}
		}
		w.pop()
		return nil
	}
	end := tag.ItemDelimitationItem
	if kind == tag.VRSequence {
		end = tag.SequenceDelimitationItem
	}
	for {
		t, _, _, err := w.element()
		if err != nil {
			return err
		}
		if t == end {
			return nil
		}
		if kind == tag.VRSequence && t != tag.Item {
			return errDICOMStop
		}
	}
}

// encapsulated walks pixel data of undefined length: the basic offset table, then items
// read whole into memory until the sequence delimiter (the parser's readPixelData and
// readRawItem; it ends the frames quietly at a malformed item).
func (w *dicomWalk) encapsulated() error {
	if _, err := w.rawItem(true); err != nil {
		return errDICOMStop
	}
	for w.left() > 0 {
		end, err := w.rawItem(false)
		var le *dicomLengthError
		if errors.As(err, &le) {
			return err
		}
		if err != nil || end {
			break
		}
	}
	return nil
}

func (w *dicomWalk) rawItem(skip bool) (end bool, err error) {
	t, vr, vl, err := w.header(true)
	switch {
	case err != nil:
		return true, err
	case t == tag.SequenceDelimitationItem:
		return true, nil
	case t != tag.Item || vl == tag.VLUndefinedLength:
		return false, nil
	case vr != "NA":
		return true, errDICOMStop
	case skip:
		if int64(vl) > int64(w.left()) {
			return true, errDICOMStop
		}
		w.bytes(int(vl))
		return false, nil
	}
	_, err = w.value(t, vl)
	return false, err
}

// file walks the preamble, the file meta group and the data set (the parser's
// NewParser, readHeader and Parse).
func (w *dicomWalk) file() error {
	if len(w.b) < 132 {
		return errDICOMStop // the parser cannot read the preamble
	}
	if string(w.b[128:132]) == "DICM" {
		w.pos = 132
		var err error
		if w.bo, w.implicit, err = w.meta(); err != nil {
			return err
		}
	} else { // no meta group: implicit VR little endian from the first byte
		w.implicit = true
	}
	for w.left() > 0 {
		if _, _, _, err := w.element(); err != nil {
			return err
		}
	}
	return nil
}

// meta walks the file meta group (explicit VR little endian, led by its group length)
// and returns the transfer syntax it names (implicit VR little endian by default).
func (w *dicomWalk) meta() (binary.ByteOrder, bool, error) {
	t, kind, p, err := w.element()
	if err != nil {
		return nil, false, err
	}
	if t != tag.FileMetaInformationGroupLength || len(p) == 0 {
		return nil, false, errDICOMStop // missing group length (or none given: the parser panics)
	}
	var n int64
	switch kind {
	case tag.VRUInt32List:
		n = int64(w.bo.Uint32(p))
	case tag.VRInt32List:
		n = int64(int32(w.bo.Uint32(p)))
	case tag.VRUInt16List, tag.VRTagList:
		n = int64(w.bo.Uint16(p))
	case tag.VRInt16List:
		n = int64(int16(w.bo.Uint16(p)))
	default:
		return nil, false, errDICOMStop
	}
	if !w.push(n) {
		return nil, false, errDICOMStop
	}
	syntax, found := "", false
	for w.left() > 0 {
		t, kind, p, err := w.element()
		if err != nil {
			return nil, false, err
		}
		if t == tag.TransferSyntaxUID && !found {
			found = true
			switch kind {
			case tag.VRDate:
				syntax = strings.Trim(string(p), " \x00")
			case tag.VRString, tag.VRStringList:
				s := string(p)
				if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) >= 0 {
					s = strings.Trim(s, " \x00")
				}
				syntax, _, _ = strings.Cut(s, `\`)
			default:
				return nil, false, errDICOMStop // the parser panics reading it as a string
			}
		}
	}
	w.pop()
	if !found {
		return binary.LittleEndian, true, nil
	}
	bo, implicit, _ := uid.ParseTransferSyntaxUID(syntax)
	if bo == nil {
		return nil, false, errDICOMStop // the parser panics with no byte order
	}
	return bo, implicit, nil
}
