package data

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// NIHClasses are the 14 findings of NIH ChestX-ray14, sorted alphabetically (the order
// torchxrayvision/CXformer use).
var NIHClasses = []string{
	"Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Effusion", "Emphysema", "Fibrosis",
	"Hernia", "Infiltration", "Mass", "Nodule", "Pleural_Thickening", "Pneumonia", "Pneumothorax",
}

// NIH8Classes are the eight findings of the original ChestX-ray8 release, sorted.
var NIH8Classes = []string{
	"Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
}

// NIHOptions configure ReadNIH.
type NIHOptions struct {
	// CSV is the metadata file (default "Data_Entry_2017.csv" in the root).
	CSV string
	// Split selects the official split: "train" (train_val_list.txt), "test"
	// (test_list.txt) or "" for every row.
	Split string
	// Classes selects findings (default NIHClasses).
	Classes []string
	// Views keeps rows whose "View Position" is listed ("PA", "AP"); empty keeps all.
	Views []string
	// ImageDir, relative to the root, holds the PNGs. Default: every file under the root
	// is indexed by name, which covers both images/ and the images_001/images … layout.
	ImageDir string
}

// ReadNIH reads NIH ChestX-ray8/14 from its published layout: Data_Entry_2017.csv with
// "Image Index" and pipe-separated "Finding Labels" ("No Finding" for none), the split
// lists, and the PNGs. A label is 1 when the finding is among the image's findings, else 0.
func ReadNIH(root string, opt NIHOptions) (*Dataset, error) {
	csvPath := opt.CSV
	if csvPath == "" {
		csvPath = filepath.Join(root, "Data_Entry_2017.csv")
	}
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	need := []string{"Image Index", "Finding Labels"}
	if len(opt.Views) > 0 {
		need = append(need, "View Position")
	}
	if _, err := t.require(need...); err != nil {
		return nil, err
	}
	classes := opt.Classes
	if len(classes) == 0 {
		classes = NIHClasses
	}
	var keep map[string]bool
	switch opt.Split {
	case "":
	case "train", "test":
		list := map[string]string{"train": "train_val_list.txt", "test": "test_list.txt"}[opt.Split]
		keep, err = readNameList(filepath.Join(root, list))
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("data: NIH split %q, want \"train\", \"test\" or \"\"", opt.Split)
	}
	var index map[string]string
	if opt.ImageDir == "" {
		index, err = indexFiles(root, ".png")
		if err != nil {
			return nil, err
		}
	}
	ds := &Dataset{Name: "NIH ChestX-ray", ClassNames: slices.Clone(classes)}
	for _, row := range t.rows {
		name := strings.TrimSpace(row[t.col["Image Index"]])
		if keep != nil && !keep[name] {
			ds.Dropped++
			continue
		}
		if len(opt.Views) > 0 && !contains(opt.Views, strings.TrimSpace(row[t.col["View Position"]])) {
			ds.Dropped++
			continue
		}
		found := map[string]bool{}
		for _, f := range strings.Split(row[t.col["Finding Labels"]], "|") {
			found[strings.TrimSpace(f)] = true
		}
		labels := make([]float64, len(classes))
		for i, c := range classes {
			if found[c] {
				labels[i] = 1
			}
		}
		path := filepath.Join(root, opt.ImageDir, name)
		if opt.ImageDir == "" {
			if p, ok := index[name]; ok {
				path = p
			} else {
				path = filepath.Join(root, "images", name)
			}
		}
		ds.Items = append(ds.Items, Item{ID: name, Path: path, Labels: labels})
	}
	return ds, nil
}

// readNameList reads a file with one image name per line.
func readNameList(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: split list: %w", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out[s] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: read %s: %w", path, err)
	}
	return out, nil
}

// indexFiles maps the base name of every file with the extension under root to its path
// (the first one found in lexical walk order wins).
func indexFiles(root, ext string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ext) {
			if _, dup := out[d.Name()]; !dup {
				out[d.Name()] = p
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("data: index images under %s: %w", root, err)
	}
	return out, nil
}
