package data

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// VinDrAggregate says how per-radiologist annotations become one image label.
type VinDrAggregate int

const (
	// VinDrAny marks a finding positive when at least one radiologist reported it.
	VinDrAny VinDrAggregate = iota
	// VinDrMajority marks it positive when more than half of the image's radiologists
	// reported it (CXformer's "majority": the mode, ties going to negative).
	VinDrMajority
)

// VinDrOptions configure ReadVinDr.
type VinDrOptions struct {
	Split string // "train" (default) or "test": selects <kind>_<split>.csv and the image directory
	// CSV overrides the label file. By default image_labels_<split>.csv is used when
	// present, else annotations_<split>.csv.
	CSV string
	// Classes selects findings. Default: every class column of an image-label file, or
	// the sorted distinct class_name values of an annotation file.
	Classes   []string
	Aggregate VinDrAggregate
	ImageDir  string // image directory relative to root (default: the split name)
	Ext       string // image extension (default ".dicom")
}

// ReadVinDr reads VinDr-CXR (PhysioNet layout). Two label files are understood:
//
//   - image_labels_<split>.csv: image_id, [rad_id,] then one 0/1 column per finding; one
//     row per radiologist (train) or one consensus row (test, no rad_id).
//   - annotations_<split>.csv: image_id, [rad_id,] class_name, x_min, y_min, x_max, y_max;
//     one row per box ("No finding" rows have no box).
//
// Per image, the radiologists are the distinct rad_id values among its rows (one reader
// when there is no rad_id column). A finding's count is the number of radiologists that
// reported it; the label is 1 when count ≥ 1 (VinDrAny) or 2·count > readers
// (VinDrMajority), else 0. Boxes of every radiologist are kept.
func ReadVinDr(root string, opt VinDrOptions) (*Dataset, error) {
	split := opt.Split
	if split == "" {
		split = "train"
	}
	csvPath := opt.CSV
	if csvPath == "" {
		csvPath = filepath.Join(root, "image_labels_"+split+".csv")
		if _, err := os.Stat(csvPath); err != nil {
			csvPath = filepath.Join(root, "annotations_"+split+".csv")
		}
	}
	dir, ext := opt.ImageDir, opt.Ext
	if dir == "" {
		dir = split
	}
	if ext == "" {
		ext = ".dicom"
	}
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	if _, err := t.require("image_id"); err != nil {
		return nil, err
	}
	annotations := t.has("class_name")
	classes := slices.Clone(opt.Classes)
	if len(classes) == 0 {
		if annotations {
			seen := map[string]bool{}
			for _, row := range t.rows {
				if c := strings.TrimSpace(row[t.col["class_name"]]); c != "" && !seen[c] {
					seen[c] = true
					classes = append(classes, c)
				}
			}
			slices.Sort(classes)
		} else {
			for _, h := range t.header {
				if h != "image_id" && h != "rad_id" && h != "" {
					classes = append(classes, h)
				}
			}
		}
	}
	classIdx := map[string]int{}
	for i, c := range classes {
		classIdx[c] = i
	}
	if annotations {
		if _, err := t.require("class_name", "x_min", "y_min", "x_max", "y_max"); err != nil {
			return nil, err
		}
	} else if _, err := t.require(classes...); err != nil {
		return nil, err
	}

	type acc struct {
		item    Item
		readers map[string]bool
		votes   []map[string]bool // per class: radiologists that reported it
	}
	var order []string
	images := map[string]*acc{}
	hasRad := t.has("rad_id")
	for r, row := range t.rows {
		line := r + 2
		id := strings.TrimSpace(row[t.col["image_id"]])
		a := images[id]
		if a == nil {
			a = &acc{item: Item{ID: id, Path: filepath.Join(root, dir, id+ext)}, readers: map[string]bool{}, votes: make([]map[string]bool, len(classes))}
			for i := range a.votes {
				a.votes[i] = map[string]bool{}
			}
			images[id] = a
			order = append(order, id)
		}
		rad := "consensus"
		if hasRad {
			rad = strings.TrimSpace(row[t.col["rad_id"]])
		}
		a.readers[rad] = true
		if annotations {
			c := strings.TrimSpace(row[t.col["class_name"]])
			k, ok := classIdx[c]
			if !ok {
				continue
			}
			a.votes[k][rad] = true
			var v [4]float64
			blank := 0
			for j, col := range []string{"x_min", "y_min", "x_max", "y_max"} {
				s := strings.TrimSpace(row[t.col[col]])
				if s == "" {
					blank++
					continue
				}
				if v[j], err = parseCoord(t.path, line, col, s); err != nil {
					return nil, err
				}
			}
			if blank == 0 && (v[2] < v[0] || v[3] < v[1]) {
				return nil, fmt.Errorf("data: CSV %s row %d: box x %v..%v, y %v..%v has max < min", t.path, line, v[0], v[2], v[1], v[3])
			}
			if blank == 0 {
				a.item.Boxes = append(a.item.Boxes, Box{Class: k, X0: v[0], Y0: v[1], X1: v[2], Y1: v[3]})
			}
			continue
		}
		for k, c := range classes {
			v, err := parseLabel(t.path, line, c, row[t.col[c]])
			if err != nil {
				return nil, err
			}
			if v == 1 {
				a.votes[k][rad] = true
			}
		}
	}
	ds := &Dataset{Name: "VinDr-CXR", ClassNames: classes}
	for _, id := range order {
		a := images[id]
		a.item.Labels = make([]float64, len(classes))
		for k := range classes {
			n := len(a.votes[k])
			if (opt.Aggregate == VinDrAny && n >= 1) || (opt.Aggregate == VinDrMajority && 2*n > len(a.readers)) {
				a.item.Labels[k] = 1
			}
		}
		ds.Items = append(ds.Items, a.item)
	}
	return ds, nil
}
