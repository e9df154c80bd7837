package eval

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/phantom"
)

const fixtures = "../../testdata/data/"

func TestOpenClassificationPhantom(t *testing.T) {
	opt := SplitOptions{Size: 28, Seed: 3}
	sp, err := OpenClassification("phantom:40", opt)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 28 || sp.Val.Len() != 4 || sp.Test.Len() != 8 {
		t.Fatalf("split %d/%d/%d, want 28/4/8", sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
	}
	if !slices.Equal(sp.ClassNames, phantom.FindingNames[:]) {
		t.Errorf("classes %v", sp.ClassNames)
	}
	// The labels are the phantom's, for the patient the subset points at.
	sub := sp.Test.Images.(*Subset)
	for k, i := range sub.Index {
		s, err := phantom.Generate(3, i, 64, phantom.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		for j, l := range s.Labels {
			if (sp.Test.Labels[k][j] == 1) != l {
				t.Fatalf("test image %d (patient %d) label %d = %v, phantom says %v", k, i, j, sp.Test.Labels[k][j], l)
			}
		}
	}
	px := make([]float32, 3*28*28)
	if err := sp.Val.Images.Load(0, 0, px); err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range px {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	if !(hi-lo > 2) { // equalised, ImageNet-normalised: spans about [-2, 2.6]
		t.Errorf("normalised image spans [%.2f, %.2f]", lo, hi)
	}
	again, err := OpenClassification("phantom:40", opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Test.Images.(*Subset).Index, sub.Index) {
		t.Error("the same seed gave another split")
	}
}

func TestOpenClassificationAugments(t *testing.T) {
	sp, err := OpenClassification("phantom:20", SplitOptions{Size: 28, Seed: 1, Augment: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := make([]float32, 3*28*28), make([]float32, 3*28*28), make([]float32, 3*28*28)
	for i, buf := range [][]float32{a, b} {
		if err := sp.Train.Images.Load(0, i, buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.Train.Images.Load(0, 0, c); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a, b) || !slices.Equal(a, c) {
		t.Error("augmentation should differ between epochs and repeat within one")
	}
}

func TestOpenSegmentation(t *testing.T) {
	sp, err := OpenSegmentation("phantom:20", SplitOptions{Size: 28, Seed: 2, Val: 0.3, Test: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 8 || sp.Val.Len() != 6 || sp.Test.Len() != 6 || len(sp.ClassNames) != 4 {
		t.Fatalf("split %d/%d/%d, classes %v", sp.Train.Len(), sp.Val.Len(), sp.Test.Len(), sp.ClassNames)
	}
	// The CheXmask fixture has too few images to split: read it as a whole.
	cm, err := data.ReadCheXmask(fixtures+"chexmask/chexmask.csv", data.CheXmaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmSrc := &Decoded{Images: cm, Side: 28, Equalize: true, MaskOf: func(i int) (*data.LabelMap, error) { return cm.Items[i].Mask.Decode() }}
	if _, err := OpenSegmentation("chexmask:"+fixtures+"chexmask/chexmask.csv", SplitOptions{Size: 28}); err == nil {
		t.Error("chexmask fixture of 2 images split into 3 sets: no error")
	}
	for name, src := range map[string]SegSource{"phantom": sp.Train, "chexmask": cmSrc} {
		img, mask := make([]float32, 3*28*28), make([]uint8, 28*28)
		if err := src.LoadPair(0, img, mask); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[uint8]bool{}
		for _, m := range mask {
			if m > 3 {
				t.Fatalf("%s: class %d in a mask", name, m)
			}
			seen[m] = true
		}
		if !seen[0] || len(seen) < 2 {
			t.Errorf("%s: mask has classes %v", name, seen)
		}
	}
}

func TestOpenClassificationFiles(t *testing.T) {
	// c.png is a truncated file: skipped with a warning naming it, or, in
	// strict mode, an error naming it.
	var warn strings.Builder
	sp, err := OpenClassification("folder:"+fixtures+"folder", SplitOptions{Size: 28, Val: 0.25, Test: 0.25, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.ClassNames, []string{"Effusion", "Nodule"}) || sp.Train.Len()+sp.Val.Len()+sp.Test.Len() != 3 {
		t.Fatalf("folder: classes %v, %d/%d/%d images", sp.ClassNames, sp.Train.Len(), sp.Val.Len(), sp.Test.Len())
	}
	if !strings.Contains(warn.String(), "c.png") || !strings.Contains(warn.String(), "skipped 1 unreadable of 4") {
		t.Errorf("warnings: %q", warn.String())
	}
	px := make([]float32, 3*28*28)
	for _, set := range []ClassSet{sp.Train, sp.Val, sp.Test} {
		for i := 0; i < set.Len(); i++ {
			if err := set.Images.Load(i, 0, px); err != nil {
				t.Errorf("folder image: %v", err)
			}
		}
	}
	if _, err := OpenClassification("folder:"+fixtures+"folder", SplitOptions{Size: 28, Strict: true}); err == nil ||
		!strings.Contains(err.Error(), "c.png") {
		t.Errorf("strict mode: err %v", err)
	}

	// CheXpert: the two images of patient00002 stay together.
	cx, err := OpenClassification("chexpert:"+fixtures+"chexpert/CheXpert-v1.0-small/train.csv", SplitOptions{Size: 28, Val: 0.2, Test: 0.2, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []ClassSet{cx.Train, cx.Val, cx.Test} {
		n := 0
		for _, i := range set.Images.(*Subset).Index {
			if i == 1 || i == 2 {
				n++
			}
		}
		if n == 1 {
			t.Errorf("patient00002 is split across sets")
		}
	}
	if len(cx.ClassNames) != 5 {
		t.Errorf("CheXpert classes %v, want the 5 competition findings", cx.ClassNames)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, spec := range []string{"nope", "phantom:abc", "phantom:3", "unknown:x", "chexmask:x.csv", "phantom:40,foo=1"} {
		if _, err := OpenClassification(spec, SplitOptions{Size: 28}); err == nil {
			t.Errorf("OpenClassification(%q): no error", spec)
		}
	}
	if _, err := OpenSegmentation("folder:"+fixtures+"folder", SplitOptions{Size: 28}); err == nil || !strings.Contains(err.Error(), "segmentation") {
		t.Errorf("segmentation of a label-only dataset: %v", err)
	}
}
