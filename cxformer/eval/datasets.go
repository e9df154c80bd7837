package eval

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/phantom"
	"github.com/gocx/gocx/tensor"
)

// SpecHelp describes the dataset specs OpenClassification and
// OpenSegmentation accept.
const SpecHelp = `dataset specs (KIND:ARG[,key=value...]):
  phantom:N              N synthetic chest X-rays (5 findings; lung/heart masks), split train/val/test
  chexpert:TRAIN.CSV     CheXpert, the 5 competition findings, U-Ones (spec §9.3); root=DIR overrides the image root
  nih:ROOT               NIH ChestX-ray8 (8 findings); split=official tests on test_list.txt
  rsna:ROOT              RSNA Pneumonia (1 label; DICOM under stage_2_train_images)
  vindr:ROOT             VinDr-CXR: test = the official test split, train/val from the train split (majority vote)
  folder:ROOT            ROOT/labels.csv: path column, then one 0/1/blank column per class
  chexmask:CSV           CheXmask lungs+heart masks (segment only); root=DIR is the image root
Unless the dataset has an official test split, images are split by patient (CheXpert, NIH) or image
with the --val/--test fractions, deterministically for the seed.`

// SplitOptions control how a dataset spec becomes train/val/test sets.
type SplitOptions struct {
	Size       int     // preprocessed image side (a multiple of the patch size)
	Val, Test  float64 // split fractions (default 0.1 and 0.2)
	Seed       uint64  // split and augmentation seed
	NoEqualize bool    // skip the histogram equalisation of spec §6.1
	// Augment makes the training set apply the fine-tuning augmentation of
	// spec §9.3 (data.CXformerClassifyAug at Size).
	Augment bool
	// Phantom configures phantom:N sets (default phantom.DefaultConfig()).
	Phantom *phantom.Config
	// Strict makes an unreadable image an error; otherwise unreadable
	// images are skipped, each reported to Warn and counted.
	Strict bool
	Warn   io.Writer
}

func (o SplitOptions) withDefaults() SplitOptions {
	if o.Val == 0 {
		o.Val = 0.1
	}
	if o.Test == 0 {
		o.Test = 0.2
	}
	if o.Phantom == nil {
		c := phantom.DefaultConfig()
		o.Phantom = &c
	}
	return o
}

// ClassSplits are the three sets of a classification dataset.
type ClassSplits struct {
	Name             string
	ClassNames       []string
	Train, Val, Test ClassSet
}

// SegSplits are the three sets of a segmentation dataset.
type SegSplits struct {
	Name             string
	ClassNames       []string // index 0 is the background
	Train, Val, Test SegSource
}

// spec is a parsed "kind:arg,key=value" string.
type spec struct {
	kind, arg string
	opts      map[string]string
}

func parseSpec(s string) (spec, error) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || kind == "" || rest == "" {
		return spec{}, fmt.Errorf("dataset spec %q: want KIND:ARG (e.g. phantom:600 or chexpert:/data/train.csv)", s)
	}
	parts := strings.Split(rest, ",")
	sp := spec{kind: strings.ToLower(kind), arg: parts[0], opts: map[string]string{}}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return spec{}, fmt.Errorf("dataset spec %q: option %q is not key=value", s, p)
		}
		sp.opts[k] = v
	}
	return sp, nil
}

func (sp spec) only(keys ...string) error {
	for k := range sp.opts {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("dataset %s: unknown option %q (known: %v)", sp.kind, k, keys)
		}
	}
	return nil
}

// OpenClassification reads a dataset spec (see SpecHelp) and splits it.
func OpenClassification(specStr string, opt SplitOptions) (*ClassSplits, error) {
	opt = opt.withDefaults()
	if opt.Size <= 0 {
		return nil, fmt.Errorf("eval.OpenClassification: image size %d must be positive", opt.Size)
	}
	sp, err := parseSpec(specStr)
	if err != nil {
		return nil, err
	}
	if sp.kind == "phantom" {
		n, err := phantomCount(sp)
		if err != nil {
			return nil, err
		}
		ds, err := phantomDataset(n, opt)
		if err != nil {
			return nil, err
		}
		return splitClassification(ds, &phantomImages{n: n, seed: opt.Seed, size: opt.Size, cfg: *opt.Phantom}, nil, opt)
	}
	ds, test, err := readLabelled(sp)
	if err != nil {
		return nil, err
	}
	if ds, err = dropUnreadable(ds, opt.Strict, opt.Warn); err != nil {
		return nil, err
	}
	if test, err = dropUnreadable(test, opt.Strict, opt.Warn); err != nil {
		return nil, err
	}
	if ds.Len() == 0 || len(ds.ClassNames) == 0 {
		return nil, fmt.Errorf("dataset %s: %d images with %d label columns", specStr, ds.Len(), len(ds.ClassNames))
	}
	return splitClassification(ds, ds, test, opt)
}

// splitClassification splits ds (images from src) by patient into
// train/val/test, or into train/val when test is given.
func splitClassification(ds *data.Dataset, src data.ImageSource, test *data.Dataset, opt SplitOptions) (*ClassSplits, error) {
	testFrac := opt.Test
	if test != nil {
		testFrac = 0
	}
	tr, va, te := splitGroups(ds, opt.Val, testFrac, opt.Seed)
	evalSrc := &Decoded{Images: src, Side: opt.Size, Equalize: !opt.NoEqualize}
	trainSrc := evalSrc
	if opt.Augment {
		aug := data.CXformerClassifyAug()
		trainSrc = &Decoded{Images: src, Side: opt.Size, Equalize: !opt.NoEqualize, Aug: &aug, Seed: opt.Seed}
	}
	set := func(parent Source, d *data.Dataset, idx []int) ClassSet {
		labels := make([][]float64, len(idx))
		for k, i := range idx {
			labels[k] = d.Items[i].Labels
		}
		return ClassSet{Images: &Subset{Parent: parent, Index: idx}, Labels: labels}
	}
	out := &ClassSplits{Name: ds.Name, ClassNames: ds.ClassNames,
		Train: set(trainSrc, ds, tr), Val: set(evalSrc, ds, va), Test: set(evalSrc, ds, te)}
	if test != nil {
		if !slices.Equal(test.ClassNames, ds.ClassNames) {
			return nil, fmt.Errorf("dataset %s: the test split's classes %v differ from %v", ds.Name, test.ClassNames, ds.ClassNames)
		}
		out.Test = set(&Decoded{Images: test, Side: opt.Size, Equalize: !opt.NoEqualize}, test, iota(test.Len()))
	}
	if out.Train.Len() == 0 || out.Val.Len() == 0 || out.Test.Len() == 0 {
		return nil, fmt.Errorf("dataset %s: split %d/%d/%d images (train/val/test): too few images for the fractions", ds.Name,
			out.Train.Len(), out.Val.Len(), out.Test.Len())
	}
	return out, nil
}

// OpenSegmentation reads a segmentation dataset spec: phantom:N or
// chexmask:CSV.
func OpenSegmentation(specStr string, opt SplitOptions) (*SegSplits, error) {
	opt = opt.withDefaults()
	if opt.Size <= 0 {
		return nil, fmt.Errorf("eval.OpenSegmentation: image size %d must be positive", opt.Size)
	}
	sp, err := parseSpec(specStr)
	if err != nil {
		return nil, err
	}
	var ds *data.Dataset
	var src SegSource
	switch sp.kind {
	case "phantom":
		n, err := phantomCount(sp)
		if err != nil {
			return nil, err
		}
		ds = &data.Dataset{Name: "phantom", MaskClasses: data.CheXmaskClasses, Items: make([]data.Item, n)}
		for i := range ds.Items {
			ds.Items[i].ID = strconv.Itoa(i)
		}
		src = &phantomSeg{n: n, seed: opt.Seed, size: opt.Size, cfg: *opt.Phantom, equalize: !opt.NoEqualize}
	case "chexmask":
		if err := sp.only("root", "mindice"); err != nil {
			return nil, err
		}
		o := data.CheXmaskOptions{ImageRoot: sp.opts["root"]}
		if v, ok := sp.opts["mindice"]; ok {
			if o.MinDiceRCA, err = strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("dataset chexmask: mindice=%q: %w", v, err)
			}
		}
		if ds, err = data.ReadCheXmask(sp.arg, o); err != nil {
			return nil, err
		}
		if ds, err = dropUnreadable(ds, opt.Strict, opt.Warn); err != nil {
			return nil, err
		}
		d := ds
		src = &Decoded{Images: ds, Side: opt.Size, Equalize: !opt.NoEqualize,
			MaskOf: func(i int) (*data.LabelMap, error) { return d.Items[i].Mask.Decode() }}
	default:
		return nil, fmt.Errorf("dataset kind %q has no segmentation masks (phantom or chexmask)\n%s", sp.kind, SpecHelp)
	}
	tr, va, te := splitGroups(ds, opt.Val, opt.Test, opt.Seed)
	if len(tr) == 0 || len(va) == 0 || len(te) == 0 {
		return nil, fmt.Errorf("dataset %s: split %d/%d/%d images (train/val/test): too few images", ds.Name, len(tr), len(va), len(te))
	}
	return &SegSplits{Name: ds.Name, ClassNames: ds.MaskClasses,
		Train: &Subset{Parent: src, Index: tr}, Val: &Subset{Parent: src, Index: va}, Test: &Subset{Parent: src, Index: te}}, nil
}

// phantomCount reads the N of a phantom:N spec (no options).
func phantomCount(sp spec) (int, error) {
	if err := sp.only(); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(sp.arg)
	if err != nil || n < 10 {
		return 0, fmt.Errorf("dataset phantom:%s: want a number of images ≥ 10", sp.arg)
	}
	return n, nil
}

// phantomDataset lists n phantom patients with their labels (drawn at
// the smallest size: labels do not depend on the size).
func phantomDataset(n int, opt SplitOptions) (*data.Dataset, error) {
	ds := &data.Dataset{Name: "phantom", ClassNames: phantom.FindingNames[:], Items: make([]data.Item, n)}
	err := parallel(n, func(i int) error {
		s, err := phantom.Generate(opt.Seed, i, phantom.MinSize, *opt.Phantom)
		if err != nil {
			return err
		}
		labels := make([]float64, phantom.NumFindings)
		for j, l := range s.Labels {
			if l {
				labels[j] = 1
			}
		}
		ds.Items[i] = data.Item{ID: strconv.Itoa(i), Labels: labels}
		return nil
	})
	return ds, err
}

// phantomImages draws phantom images on demand.
type phantomImages struct {
	n    int
	seed uint64
	size int
	cfg  phantom.Config
}

func (p *phantomImages) Len() int { return p.n }

func (p *phantomImages) Image(i int) (*data.Gray, error) {
	s, err := phantom.Generate(p.seed, i, p.size, p.cfg)
	if err != nil {
		return nil, err
	}
	return &data.Gray{W: s.Size, H: s.Size, Pix: s.Image}, nil
}

// phantomSeg draws phantom images with their masks at the working size.
type phantomSeg struct {
	n        int
	seed     uint64
	size     int
	cfg      phantom.Config
	equalize bool
}

func (p *phantomSeg) Len() int  { return p.n }
func (p *phantomSeg) Size() int { return p.size }

func (p *phantomSeg) LoadPair(i int, img []float32, mask []uint8) error {
	s, err := phantom.Generate(p.seed, i, p.size, p.cfg)
	if err != nil {
		return err
	}
	g := &data.Gray{W: s.Size, H: s.Size, Pix: s.Image}
	if p.equalize {
		g = data.EqualizeHist(g)
	}
	if len(img) != 3*len(g.Pix) || len(mask) != len(s.Mask) {
		return fmt.Errorf("eval: phantom pair buffers of %d and %d values for side %d", len(img), len(mask), p.size)
	}
	data.NormalizeInto(g, img)
	copy(mask, s.Mask)
	return nil
}

var chexpertPatient = regexp.MustCompile(`patient\d+`)

// patientKey groups the images of one patient so that a split never puts
// one patient on both sides: CheXpert's patientNNNNN path element, NIH's
// image-name prefix (NNNNNNNN_MMM.png), else the item itself.
func patientKey(name string, it data.Item) string {
	switch name {
	case "CheXpert":
		if m := chexpertPatient.FindString(it.Path); m != "" {
			return m
		}
	case "NIH ChestX-ray":
		if p, _, ok := strings.Cut(path.Base(it.ID), "_"); ok {
			return p
		}
	}
	return it.ID + "\x00" + it.Path
}

// splitGroups shuffles the patients of ds with seed and deals them to the
// test set until it holds a fraction testFrac of the images, then to the
// validation set (valFrac), and the rest to training. Each returned list
// is in dataset order.
func splitGroups(ds *data.Dataset, valFrac, testFrac float64, seed uint64) (train, val, test []int) {
	groups := map[string][]int{}
	var keys []string
	for i, it := range ds.Items {
		k := patientKey(ds.Name, it)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	order := tensor.NewRNG(seed ^ 0x5711).Perm(len(keys))
	n := float64(ds.Len())
	for _, gi := range order {
		g := groups[keys[gi]]
		switch {
		case float64(len(test)) < testFrac*n:
			test = append(test, g...)
		case float64(len(val)) < valFrac*n:
			val = append(val, g...)
		default:
			train = append(train, g...)
		}
	}
	slices.Sort(train)
	slices.Sort(val)
	slices.Sort(test)
	return train, val, test
}

// readLabelled reads the labelled data set of a spec whose kind is not
// phantom: its images with labels, and the official test split where the
// data set has one (else test is nil).
func readLabelled(sp spec) (ds, test *data.Dataset, err error) {
	switch sp.kind {
	case "chexpert":
		if err = sp.only("root"); err == nil {
			o := data.CheXpertCXformer()
			o.ImageRoot = sp.opts["root"]
			ds, err = data.ReadCheXpert(sp.arg, o)
		}
	case "nih":
		if err = sp.only("split"); err == nil {
			o := data.NIHOptions{Classes: data.NIH8Classes}
			switch sp.opts["split"] {
			case "":
				ds, err = data.ReadNIH(sp.arg, o)
			case "official":
				o.Split = "train"
				if ds, err = data.ReadNIH(sp.arg, o); err == nil {
					o.Split = "test"
					test, err = data.ReadNIH(sp.arg, o)
				}
			default:
				err = fmt.Errorf("dataset nih: split=%q (want official or nothing)", sp.opts["split"])
			}
		}
	case "rsna":
		if err = sp.only(); err == nil {
			ds, err = data.ReadRSNA(sp.arg, data.RSNAOptions{})
		}
	case "vindr":
		if err = sp.only(); err == nil {
			if ds, err = data.ReadVinDr(sp.arg, data.VinDrOptions{Split: "train", Aggregate: data.VinDrMajority}); err == nil {
				test, err = data.ReadVinDr(sp.arg, data.VinDrOptions{Split: "test", Classes: ds.ClassNames, Aggregate: data.VinDrMajority})
			}
		}
	case "folder":
		if err = sp.only(); err == nil {
			ds, err = data.ReadFolder(sp.arg)
		}
	case "chexmask":
		err = fmt.Errorf("dataset chexmask has masks, not labels: use it with segment")
	default:
		err = fmt.Errorf("unknown dataset kind %q\n%s", sp.kind, SpecHelp)
	}
	return ds, test, err
}
