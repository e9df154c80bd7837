package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Box is an axis-aligned box annotation in source-image pixels.
type Box struct {
	Class          int // index into Dataset.ClassNames
	X0, Y0, X1, Y1 float64
}

// Item is one image of a dataset.
type Item struct {
	ID     string    // the dataset's own identifier (file name, patientId, image_id, ...)
	Path   string    // where the image file is expected
	Labels []float64 // one per Dataset.ClassNames: 1 positive, 0 negative, NaN missing
	Boxes  []Box     // localisation annotations when the dataset has them
	Mask   *RLEMask  // segmentation masks when the dataset has them (CheXmask)
}

// Dataset is the common result of every reader: items in file order plus the class names
// their Labels refer to. It implements ImageSource by decoding Items[i].Path.
type Dataset struct {
	Name        string
	ClassNames  []string // label columns of Item.Labels
	MaskClasses []string // class names of Item.Mask label maps (index 0 = background)
	Items       []Item
	Dropped     int // rows the reader left out (view/split filters, incomplete rows)
}

// Len returns the number of items.
func (d *Dataset) Len() int { return len(d.Items) }

// Image decodes item i (see DecodeFile).
func (d *Dataset) Image(i int) (*Gray, error) { return DecodeFile(d.Items[i].Path) }

// ErrMissingColumn is wrapped by the error a reader returns when a CSV lacks a column it
// needs; the message names the column and the file.
var ErrMissingColumn = errors.New("missing column")

// table is a parsed CSV file with a header row.
type table struct {
	path   string
	header []string
	col    map[string]int
	rows   [][]string
}

// readTable parses a CSV file whose first row is the header. Rows shorter than the header
// are padded with empty fields; a UTF-8 byte-order mark is ignored.
func readTable(path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return parseTable(path, f)
}

func parseTable(path string, r io.Reader) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("data: read CSV %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("data: CSV %s is empty (no header row)", path)
	}
	t := &table{path: path, header: recs[0], col: map[string]int{}}
	if len(t.header) > 0 {
		t.header[0] = strings.TrimPrefix(t.header[0], "\ufeff")
	}
	for i, h := range t.header {
		h = strings.TrimSpace(h)
		t.header[i] = h
		if _, dup := t.col[h]; !dup {
			t.col[h] = i
		}
	}
	for _, r := range recs[1:] {
		if len(r) == 1 && strings.TrimSpace(r[0]) == "" {
			continue // blank line
		}
		for len(r) < len(t.header) {
			r = append(r, "")
		}
		t.rows = append(t.rows, r)
	}
	return t, nil
}

// require returns the column indices of names, or an error naming the first missing one.
func (t *table) require(names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		j, ok := t.col[n]
		if !ok {
			return nil, fmt.Errorf("data: CSV %s: %w %q", t.path, ErrMissingColumn, n)
		}
		idx[i] = j
	}
	return idx, nil
}

// has reports whether the table has the column.
func (t *table) has(name string) bool { _, ok := t.col[name]; return ok }

// parseLabel parses a label cell: blank → NaN, else 1, 0 or -1 (written in any float
// form, "1.0"); any other value is an error naming the cell.
func parseLabel(path string, row int, col, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || (v != 1 && v != 0 && v != -1) {
		return 0, fmt.Errorf("data: CSV %s row %d column %q: bad label %q (want 1, 0, -1 or blank)", path, row, col, s)
	}
	return v, nil
}

// parseCoord parses a box coordinate or size cell, which must be a finite number.
func parseCoord(path string, row int, col, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("data: CSV %s row %d: bad %s %q", path, row, col, s)
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
