package data

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// ReadFolder reads the plain folder format: <root>/labels.csv whose first column (named
// path, image, file or filename, any case) holds image paths relative to root and whose
// other columns are classes with values 1, 0 or blank (missing).
func ReadFolder(root string) (*Dataset, error) {
	csvPath := filepath.Join(root, "labels.csv")
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	if len(t.header) == 0 {
		return nil, fmt.Errorf("data: CSV %s: %w \"path\"", csvPath, ErrMissingColumn)
	}
	switch strings.ToLower(t.header[0]) {
	case "path", "image", "file", "filename":
	default:
		return nil, fmt.Errorf("data: CSV %s: %w \"path\" (first column is %q)", csvPath, ErrMissingColumn, t.header[0])
	}
	ds := &Dataset{Name: filepath.Base(root), ClassNames: append([]string(nil), t.header[1:]...)}
	for r, row := range t.rows {
		rel := strings.TrimSpace(row[0])
		if rel == "" {
			return nil, fmt.Errorf("data: CSV %s row %d: empty path", csvPath, r+2)
		}
		labels := make([]float64, len(ds.ClassNames))
		for i, c := range ds.ClassNames {
			if labels[i], err = parseLabel(csvPath, r+2, c, row[i+1]); err != nil {
				return nil, err
			}
		}
		ds.Items = append(ds.Items, Item{ID: rel, Path: filepath.Join(root, filepath.FromSlash(rel)), Labels: labels})
	}
	return ds, nil
}

// imageExts are the file name extensions ReadImages collects.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".dcm": true, ".dicom": true}

// ReadImages lists every image file under root, recursively: PNG, JPEG and
// DICOM by extension (any case), in lexical path order, unlabelled (the
// data set of self-supervised pretraining). Hidden files and directories
// (names starting with '.') are skipped. No image at all is an error.
func ReadImages(root string) (*Dataset, error) {
	ds := &Dataset{Name: filepath.Base(root)}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !imageExts[strings.ToLower(filepath.Ext(path))] {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		ds.Items = append(ds.Items, Item{ID: filepath.ToSlash(rel), Path: path})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data: images under %s: %w", root, err)
	}
	if len(ds.Items) == 0 {
		return nil, fmt.Errorf("data: no PNG, JPEG or DICOM file under %s", root)
	}
	return ds, nil
}
