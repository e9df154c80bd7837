package data

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// CheXmaskClasses are the label-map classes of CheXmask segmentation (spec §9.4).
var CheXmaskClasses = []string{"Background", "Left Lung", "Right Lung", "Heart"}

// CheXmaskOptions configure ReadCheXmask.
type CheXmaskOptions struct {
	// IDColumn names the image identifier column. Default: "Image ID" (the published
	// per-dataset CSVs), else "dicom_id" (the MIMIC-CXR file).
	IDColumn string
	// ImageRoot is joined with the identifier to form Item.Path (default: the CSV's
	// directory). PathFunc, when set, replaces that join (e.g. MIMIC's p10/p10xxxx/sxxx/
	// layout).
	ImageRoot string
	PathFunc  func(id string) string
	// MinDiceRCA drops rows whose "Dice RCA (Mean)" is below it (the dataset's authors
	// recommend 0.7). Zero keeps every row; a positive value needs the column.
	MinDiceRCA float64
}

// ReadCheXmask reads a CheXmask CSV: columns <id>, "Left Lung", "Right Lung", "Heart"
// (run-length encoded, see DecodeRLE), "Height", "Width", and optionally "Dice RCA (Mean)".
// Rows with an empty mask are dropped (counted in Dropped), as CXformer's loader does.
// Items carry Mask (classes CheXmaskClasses) and no labels.
func ReadCheXmask(csvPath string, opt CheXmaskOptions) (*Dataset, error) {
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	idCol := opt.IDColumn
	if idCol == "" {
		idCol = "Image ID"
		if !t.has(idCol) && t.has("dicom_id") {
			idCol = "dicom_id"
		}
	}
	need := []string{idCol, "Left Lung", "Right Lung", "Heart", "Height", "Width"}
	if opt.MinDiceRCA > 0 {
		need = append(need, "Dice RCA (Mean)")
	}
	if _, err := t.require(need...); err != nil {
		return nil, err
	}
	root := opt.ImageRoot
	if root == "" {
		root = filepath.Dir(csvPath)
	}
	ds := &Dataset{Name: "CheXmask", MaskClasses: append([]string(nil), CheXmaskClasses...)}
	for r, row := range t.rows {
		line := r + 2
		if opt.MinDiceRCA > 0 {
			d, err := strconv.ParseFloat(strings.TrimSpace(row[t.col["Dice RCA (Mean)"]]), 64)
			if err != nil || math.IsNaN(d) || math.IsInf(d, 0) {
				return nil, fmt.Errorf("data: CSV %s row %d: bad Dice RCA (Mean) %q", t.path, line, row[t.col["Dice RCA (Mean)"]])
			}
			if d < opt.MinDiceRCA {
				ds.Dropped++
				continue
			}
		}
		h, err1 := strconv.Atoi(strings.TrimSpace(row[t.col["Height"]]))
		w, err2 := strconv.Atoi(strings.TrimSpace(row[t.col["Width"]]))
		if err1 != nil || err2 != nil || !sizeOK(w, h, MaxImagePixels) {
			return nil, fmt.Errorf("data: CSV %s row %d: bad mask size Height=%q Width=%q (sides must be positive, at most %d pixels)",
				t.path, line, row[t.col["Height"]], row[t.col["Width"]], MaxImagePixels)
		}
		m := &RLEMask{W: w, H: h}
		empty := false
		for _, c := range CheXmaskClasses[1:] {
			s := strings.TrimSpace(row[t.col[c]])
			if s == "" {
				empty = true
			}
			m.RLE = append(m.RLE, s)
		}
		if empty {
			ds.Dropped++
			continue
		}
		id := strings.TrimSpace(row[t.col[idCol]])
		path := filepath.Join(root, filepath.FromSlash(id))
		if opt.PathFunc != nil {
			path = opt.PathFunc(id)
		}
		ds.Items = append(ds.Items, Item{ID: id, Path: path, Mask: m})
	}
	return ds, nil
}
