package data

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// RSNAOptions configure ReadRSNA.
type RSNAOptions struct {
	CSV      string // label file (default root/stage_2_train_labels.csv)
	ImageDir string // DICOM directory relative to root (default "stage_2_train_images")
	Ext      string // image extension (default ".dcm")
}

// ReadRSNA reads the RSNA Pneumonia Detection Challenge labels (columns patientId, x, y,
// width, height, Target; one row per box, a single row with blank box and Target 0 for
// negatives). Rows of one patient merge into one item with the single label "Pneumonia" =
// max(Target) (all rows of a patient agree in the published file) and every box as
// Box{X0: x, Y0: y, X1: x+width, Y1: y+height}. Images are <ImageDir>/<patientId><Ext>.
// Items keep the order of first appearance.
func ReadRSNA(root string, opt RSNAOptions) (*Dataset, error) {
	csvPath := opt.CSV
	if csvPath == "" {
		csvPath = filepath.Join(root, "stage_2_train_labels.csv")
	}
	dir, ext := opt.ImageDir, opt.Ext
	if dir == "" {
		dir = "stage_2_train_images"
	}
	if ext == "" {
		ext = ".dcm"
	}
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	if _, err := t.require("patientId", "x", "y", "width", "height", "Target"); err != nil {
		return nil, err
	}
	ds := &Dataset{Name: "RSNA Pneumonia", ClassNames: []string{"Pneumonia"}}
	pos := map[string]int{}
	for r, row := range t.rows {
		line := r + 2
		id := strings.TrimSpace(row[t.col["patientId"]])
		target, err := strconv.ParseFloat(strings.TrimSpace(row[t.col["Target"]]), 64)
		if err != nil || (target != 0 && target != 1) {
			return nil, fmt.Errorf("data: CSV %s row %d: bad Target %q", t.path, line, row[t.col["Target"]])
		}
		i, seen := pos[id]
		if !seen {
			i = len(ds.Items)
			pos[id] = i
			ds.Items = append(ds.Items, Item{ID: id, Path: filepath.Join(root, dir, id+ext), Labels: []float64{target}})
		}
		it := &ds.Items[i]
		it.Labels[0] = math.Max(it.Labels[0], target)
		var v [4]float64
		blank := 0
		for k, c := range []string{"x", "y", "width", "height"} {
			s := strings.TrimSpace(row[t.col[c]])
			if s == "" {
				blank++
				continue
			}
			if v[k], err = parseCoord(t.path, line, c, s); err != nil {
				return nil, err
			}
		}
		switch blank {
		case 0:
			if v[2] < 0 || v[3] < 0 {
				return nil, fmt.Errorf("data: CSV %s row %d: negative box width %v or height %v", t.path, line, v[2], v[3])
			}
			it.Boxes = append(it.Boxes, Box{Class: 0, X0: v[0], Y0: v[1], X1: v[0] + v[2], Y1: v[1] + v[3]})
		case 4:
		default:
			return nil, fmt.Errorf("data: CSV %s row %d: partial box", t.path, line)
		}
	}
	return ds, nil
}
