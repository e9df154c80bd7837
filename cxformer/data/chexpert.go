package data

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
)

// CheXpertClasses are the 14 label columns of CheXpert's train.csv/valid.csv, in file order.
var CheXpertClasses = []string{
	"No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Opacity", "Lung Lesion",
	"Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion",
	"Pleural Other", "Fracture", "Support Devices",
}

// CheXpertCompetition5 are the five CheXpert competition findings, sorted alphabetically
// as CXformer's fine-tuning uses them (spec §9.3).
var CheXpertCompetition5 = []string{"Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"}

// UncertainPolicy says what an uncertain label (-1) becomes.
type UncertainPolicy int

const (
	// UIgnore keeps uncertain labels as missing (NaN), to be masked out of the loss.
	UIgnore UncertainPolicy = iota
	// UOnes treats uncertain as positive (1).
	UOnes
	// UZeros treats uncertain as negative (0).
	UZeros
)

// BlankPolicy says what an empty label cell (finding not mentioned) becomes.
type BlankPolicy int

const (
	// BlankMissing keeps blanks as missing (NaN).
	BlankMissing BlankPolicy = iota
	// BlankZero treats blanks as negative.
	BlankZero
	// BlankAsUncertain treats blanks like -1, i.e. applies the UncertainPolicy: this is
	// what CXformer does (pandas reads both as NaN before its U-Ones fill).
	BlankAsUncertain
)

// CheXpertOptions configure ReadCheXpert.
type CheXpertOptions struct {
	// Classes selects label columns (default CheXpertClasses).
	Classes   []string
	Uncertain UncertainPolicy
	Blank     BlankPolicy
	// NoFindingZeros sets every selected finding except "No Finding" and "Support
	// Devices" to 0 on rows whose "No Finding" is 1, before the policies apply
	// (torchxrayvision/CXformer). Needs the "No Finding" column.
	NoFindingZeros bool
	// Views keeps only rows whose view is listed: the "AP/PA" value ("AP", "PA") for
	// frontal images and "Lateral" for lateral ones. Empty keeps all rows.
	Views []string
	// ImageRoot is the directory the CSV's Path values are relative to. Default: the
	// parent of the CSV's directory when Path starts with that directory's name (the
	// published layout "CheXpert-v1.0-small/train/patient…"), else the CSV's directory.
	ImageRoot string
}

// CheXpertCXformer returns the options of CXformer's CheXpert fine-tuning (spec §9.3): the
// five competition findings, U-Ones, blanks treated as uncertain, "No Finding" rows
// forced negative.
func CheXpertCXformer() CheXpertOptions {
	return CheXpertOptions{
		Classes:        slices.Clone(CheXpertCompetition5),
		Uncertain:      UOnes,
		Blank:          BlankAsUncertain,
		NoFindingZeros: true,
	}
}

// ReadCheXpert reads CheXpert's train.csv or valid.csv (columns Path, Sex, Age,
// Frontal/Lateral, AP/PA, then the 14 findings with values 1, 0, -1 or blank).
func ReadCheXpert(csvPath string, opt CheXpertOptions) (*Dataset, error) {
	t, err := readTable(csvPath)
	if err != nil {
		return nil, err
	}
	classes := opt.Classes
	if len(classes) == 0 {
		classes = CheXpertClasses
	}
	need := append([]string{"Path"}, classes...)
	if opt.NoFindingZeros {
		need = append(need, "No Finding")
	}
	if len(opt.Views) > 0 {
		need = append(need, "Frontal/Lateral", "AP/PA")
	}
	if _, err := t.require(need...); err != nil {
		return nil, err
	}
	root := opt.ImageRoot
	csvDir := filepath.Dir(csvPath)
	ds := &Dataset{Name: "CheXpert", ClassNames: slices.Clone(classes)}
	for r, row := range t.rows {
		if len(opt.Views) > 0 {
			view := strings.TrimSpace(row[t.col["AP/PA"]])
			if strings.TrimSpace(row[t.col["Frontal/Lateral"]]) == "Lateral" {
				view = "Lateral"
			}
			if !contains(opt.Views, view) {
				ds.Dropped++
				continue
			}
		}
		rel := strings.TrimSpace(row[t.col["Path"]])
		base := root
		if base == "" {
			base = csvDir
			first := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
			if first == filepath.Base(csvDir) {
				base = filepath.Dir(csvDir)
			}
		}
		healthy := false
		if opt.NoFindingZeros {
			v, err := parseLabel(t.path, r+2, "No Finding", row[t.col["No Finding"]])
			if err != nil {
				return nil, err
			}
			healthy = v == 1
		}
		labels := make([]float64, len(classes))
		for i, c := range classes {
			v, err := parseLabel(t.path, r+2, c, row[t.col[c]])
			if err != nil {
				return nil, err
			}
			if healthy && c != "No Finding" && c != "Support Devices" {
				v = 0
			}
			blank := math.IsNaN(v)
			switch {
			case blank && opt.Blank == BlankZero:
				v = 0
			case v == -1 || (blank && opt.Blank == BlankAsUncertain):
				switch opt.Uncertain {
				case UOnes:
					v = 1
				case UZeros:
					v = 0
				default:
					v = math.NaN()
				}
			}
			labels[i] = v
		}
		ds.Items = append(ds.Items, Item{ID: rel, Path: filepath.Join(base, filepath.FromSlash(rel)), Labels: labels})
	}
	return ds, nil
}
