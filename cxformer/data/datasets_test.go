package data

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const nan = -999 // marks an expected NaN in label tables

func expectLabels(t *testing.T, ds *Dataset, want map[string][]float64) {
	t.Helper()
	if len(ds.Items) != len(want) {
		t.Fatalf("%s: %d items, want %d", ds.Name, len(ds.Items), len(want))
	}
	for _, it := range ds.Items {
		w, ok := want[it.ID]
		if !ok {
			t.Fatalf("%s: unexpected item %q", ds.Name, it.ID)
		}
		if len(it.Labels) != len(w) {
			t.Fatalf("%s %s: %d labels, want %d", ds.Name, it.ID, len(it.Labels), len(w))
		}
		for i, v := range w {
			got := it.Labels[i]
			if (v == nan) != math.IsNaN(got) || (v != nan && got != v) {
				t.Errorf("%s %s %s: %v, want %v", ds.Name, it.ID, ds.ClassNames[i], got, v)
			}
		}
	}
}

func checkImagesDecode(t *testing.T, ds *Dataset) {
	t.Helper()
	for i := range ds.Items {
		if _, err := ds.Image(i); err != nil {
			t.Errorf("%s item %d: %v", ds.Name, i, err)
		}
	}
}

func TestReadCheXpert(t *testing.T) {
	csv := fixture("chexpert/CheXpert-v1.0-small/train.csv")
	p1 := "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg"
	p2 := "CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg"
	p2l := "CheXpert-v1.0-small/train/patient00002/study1/view2_lateral.jpg"
	p3 := "CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg"

	// CXformer fine-tuning: 5 classes, blanks and -1 → 1, No Finding rows → 0.
	ds, err := ReadCheXpert(csv, CheXpertCXformer())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.ClassNames, CheXpertCompetition5) {
		t.Fatalf("classes %v", ds.ClassNames)
	}
	// Atelectasis, Cardiomegaly, Consolidation, Edema, Pleural Effusion
	expectLabels(t, ds, map[string][]float64{
		p1:  {0, 0, 0, 0, 0},
		p2:  {1, 1, 1, 1, 1},
		p2l: {1, 1, 1, 1, 1},
		p3:  {1, 1, 1, 0, 1},
	})
	checkImagesDecode(t, ds)
	if !strings.HasSuffix(filepath.ToSlash(ds.Items[0].Path), "testdata/data/chexpert/"+p1) {
		t.Errorf("path resolved to %s", ds.Items[0].Path)
	}

	// U-Ignore with blanks missing, frontal only, all 14 classes.
	ds, err = ReadCheXpert(csv, CheXpertOptions{Uncertain: UIgnore, Views: []string{"AP", "PA"}})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Dropped != 1 || len(ds.ClassNames) != 14 {
		t.Fatalf("dropped %d, classes %d", ds.Dropped, len(ds.ClassNames))
	}
	n := float64(nan)
	expectLabels(t, ds, map[string][]float64{
		p1: {1, n, n, n, n, n, n, n, n, 0, n, n, n, 1},
		p2: {n, n, n, 1, n, n, n, n, n, n, n, n, 1, n},
		p3: {n, n, 1, n, n, 0, n, n, 1, 0, 1, n, n, n},
	})
	// -1 entries of p2: Cardiomegaly, Edema, Consolidation, Atelectasis, Pleural Effusion → NaN under U-Ignore.
	ds, err = ReadCheXpert(csv, CheXpertOptions{Uncertain: UZeros, Blank: BlankZero, Classes: []string{"Cardiomegaly", "Lung Opacity"}, Views: []string{"Lateral"}})
	if err != nil {
		t.Fatal(err)
	}
	expectLabels(t, ds, map[string][]float64{p2l: {0, 1}})

	ds, err = ReadCheXpert(fixture("chexpert/CheXpert-v1.0-small/valid.csv"), CheXpertOptions{})
	if err != nil || len(ds.Items) != 2 {
		t.Fatalf("valid.csv: %v, %d items", err, len(ds.Items))
	}
	checkImagesDecode(t, ds)
}

func TestReadNIH(t *testing.T) {
	root := fixture("nih")
	ds, err := ReadNIH(root, NIHOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lab := func(names ...string) []float64 {
		v := make([]float64, len(NIHClasses))
		for _, n := range names {
			v[slices.Index(NIHClasses, n)] = 1
		}
		return v
	}
	expectLabels(t, ds, map[string][]float64{
		"00000001_000.png": lab("Cardiomegaly"),
		"00000001_001.png": lab("Cardiomegaly", "Emphysema"),
		"00000002_000.png": lab(),
		"00000003_000.png": lab("Hernia", "Infiltration", "Pleural_Thickening"),
	})
	checkImagesDecode(t, ds) // finds images_001/images and images_002/images
	train, err := ReadNIH(root, NIHOptions{Split: "train", Views: []string{"PA"}})
	if err != nil || len(train.Items) != 3 || train.Dropped != 1 {
		t.Fatalf("train split: %v, %d items, %d dropped", err, len(train.Items), train.Dropped)
	}
	test, err := ReadNIH(root, NIHOptions{Split: "test", Classes: NIH8Classes})
	if err != nil || len(test.Items) != 1 || test.Items[0].ID != "00000002_000.png" || len(test.Items[0].Labels) != 8 {
		t.Fatalf("test split: %v, %+v", err, test.Items)
	}
	if _, err := ReadNIH(root, NIHOptions{Split: "val"}); err == nil {
		t.Fatal("unknown split accepted")
	}
}

func TestReadRSNA(t *testing.T) {
	ds, err := ReadRSNA(fixture("rsna"), RSNAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expectLabels(t, ds, map[string][]float64{
		"0004cfab-14fd-4e49-80ba-63a80b6bddd6": {0},
		"00436515-870c-4b36-a041-de91049b9ab4": {1},
		"00322d4d-1c29-4943-afc9-b6754be640eb": {0},
	})
	pos := ds.Items[1]
	if len(pos.Boxes) != 2 || pos.Boxes[1] != (Box{X0: 562, Y0: 152, X1: 818, Y1: 605}) || len(ds.Items[0].Boxes) != 0 {
		t.Fatalf("boxes %+v", pos.Boxes)
	}
	checkImagesDecode(t, ds)
}

func TestReadVinDr(t *testing.T) {
	root := fixture("vindr")
	a, b := "000434271f63a053c4128a0ba6352c7f", "00053190460d56c53cc3e57321387478"
	// Aortic enlargement, Atelectasis, Cardiomegaly, Pleural effusion, No finding
	anyWant := map[string][]float64{a: {1, 0, 1, 0, 1}, b: {0, 0, 0, 1, 1}}
	majWant := map[string][]float64{a: {1, 0, 0, 0, 0}, b: {0, 0, 0, 0, 1}}
	for _, csv := range []string{"", fixture("vindr/annotations_train.csv")} {
		ds, err := ReadVinDr(root, VinDrOptions{CSV: csv})
		if err != nil {
			t.Fatal(err)
		}
		if csv != "" { // annotation classes come sorted from the class_name values
			if !slices.Equal(ds.ClassNames, []string{"Aortic enlargement", "Cardiomegaly", "No finding", "Pleural effusion"}) {
				t.Fatalf("annotation classes %v", ds.ClassNames)
			}
			ds, err = ReadVinDr(root, VinDrOptions{CSV: csv, Classes: []string{"Aortic enlargement", "Atelectasis", "Cardiomegaly", "Pleural effusion", "No finding"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds.Items[0].Boxes) != 3 {
				t.Fatalf("boxes %+v", ds.Items[0].Boxes)
			}
		}
		expectLabels(t, ds, anyWant)
		checkImagesDecode(t, ds)
		opt := VinDrOptions{CSV: csv, Aggregate: VinDrMajority, Classes: []string{"Aortic enlargement", "Atelectasis", "Cardiomegaly", "Pleural effusion", "No finding"}}
		ds, err = ReadVinDr(root, opt)
		if err != nil {
			t.Fatal(err)
		}
		expectLabels(t, ds, majWant)
	}
	test, err := ReadVinDr(root, VinDrOptions{Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	expectLabels(t, test, map[string][]float64{"002a34c58c5b758217ed1f584ccbcfe9": {0, 0, 1, 0, 0}})
	checkImagesDecode(t, test)
}

func TestReadCheXmask(t *testing.T) {
	csv := fixture("chexmask/chexmask.csv")
	ds, err := ReadCheXmask(csv, CheXmaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Items) != 2 || ds.Dropped != 1 || !slices.Equal(ds.MaskClasses, CheXmaskClasses) {
		t.Fatalf("%d items, %d dropped, classes %v", len(ds.Items), ds.Dropped, ds.MaskClasses)
	}
	checkImagesDecode(t, ds)
	lm, err := ds.Items[0].Mask.Decode()
	if err != nil {
		t.Fatal(err)
	}
	img, _ := ds.Image(0)
	if lm.W != img.W || lm.H != img.H {
		t.Fatalf("mask %dx%d, image %dx%d", lm.W, lm.H, img.W, img.H)
	}
	var seen [4]bool
	for _, v := range lm.Pix {
		seen[v] = true
	}
	if seen != [4]bool{true, true, true, true} {
		t.Fatalf("classes present %v", seen)
	}
	good, err := ReadCheXmask(csv, CheXmaskOptions{MinDiceRCA: 0.7})
	if err != nil || len(good.Items) != 1 || good.Dropped != 2 {
		t.Fatalf("quality filter: %v, %d items, %d dropped", err, len(good.Items), good.Dropped)
	}
}

func TestRLE(t *testing.T) {
	m := []uint8{0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1}
	s := EncodeRLE(m)
	if s != "2 2 6 1 8 3 12 1" {
		t.Fatalf("EncodeRLE = %q", s)
	}
	d, err := DecodeRLE(s, 4, 3)
	if err != nil || !slices.Equal(d, m) {
		t.Fatalf("DecodeRLE = %v, %v", d, err)
	}
	for _, bad := range []string{"1", "0 3", "12 2", "a b", "3 -1"} {
		if _, err := DecodeRLE(bad, 4, 3); err == nil {
			t.Errorf("bad RLE %q accepted", bad)
		}
	}
}

func TestReadFolder(t *testing.T) {
	ds, err := ReadFolder(fixture("folder"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.ClassNames, []string{"Effusion", "Nodule"}) {
		t.Fatalf("classes %v", ds.ClassNames)
	}
	expectLabels(t, ds, map[string][]float64{"a.png": {1, 0}, "sub/b.jpg": {0, nan}, "c.png": {1, 1}, "d.dcm": {0, 1}})
	for i, it := range ds.Items {
		_, err := ds.Image(i)
		if (it.ID == "c.png") != (err != nil) {
			t.Errorf("%s: decode error %v", it.ID, err)
		}
	}
}

// TestMissingColumns checks that every reader names the column it lacks.
func TestMissingColumns(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, column string
		read         func() error
	}{
		{"chexpert", "Edema", func() error {
			_, err := ReadCheXpert(write("cx/train.csv", "Path,Atelectasis,Cardiomegaly,Consolidation,Pleural Effusion,No Finding\na.jpg,1,1,1,1,0\n"), CheXpertCXformer())
			return err
		}},
		{"chexpert views", "AP/PA", func() error {
			_, err := ReadCheXpert(write("cx2/train.csv", "Path,Frontal/Lateral,Edema\na.jpg,Frontal,1\n"), CheXpertOptions{Classes: []string{"Edema"}, Views: []string{"PA"}})
			return err
		}},
		{"nih", "Finding Labels", func() error {
			write("nih/Data_Entry_2017.csv", "Image Index,Labels\na.png,x\n")
			_, err := ReadNIH(filepath.Join(dir, "nih"), NIHOptions{ImageDir: "images"})
			return err
		}},
		{"rsna", "Target", func() error {
			write("rsna/stage_2_train_labels.csv", "patientId,x,y,width,height\nabc,,,,\n")
			_, err := ReadRSNA(filepath.Join(dir, "rsna"), RSNAOptions{})
			return err
		}},
		{"vindr", "y_max", func() error {
			write("vindr/annotations_train.csv", "image_id,rad_id,class_name,x_min,y_min,x_max\na,R1,No finding,,,\n")
			_, err := ReadVinDr(filepath.Join(dir, "vindr"), VinDrOptions{})
			return err
		}},
		{"chexmask", "Heart", func() error {
			_, err := ReadCheXmask(write("cm/m.csv", "Image ID,Left Lung,Right Lung,Height,Width\na,1 1,2 1,2,2\n"), CheXmaskOptions{})
			return err
		}},
		{"folder", "path", func() error {
			write("f/labels.csv", "name,A\na.png,1\n")
			_, err := ReadFolder(filepath.Join(dir, "f"))
			return err
		}},
	}
	for _, c := range cases {
		err := c.read()
		if !errors.Is(err, ErrMissingColumn) || !strings.Contains(err.Error(), `"`+c.column+`"`) {
			t.Errorf("%s: got %v, want a missing-column error naming %q", c.name, err, c.column)
		}
	}
	if _, err := ReadCheXpert(write("cx3/train.csv", "Path,Edema\na.jpg,maybe\n"), CheXpertOptions{Classes: []string{"Edema"}}); err == nil || !strings.Contains(err.Error(), "maybe") {
		t.Errorf("bad label value: %v", err)
	}
}

// ReadImages lists images by extension (any case) under nested folders in
// lexical order, and skips hidden files and folders and other files.
func TestReadImages(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"b/2.PNG", "a/1.jpg", "a/x/3.dcm", "c.jpeg", "notes.txt", ".hidden/4.png", "a/.5.png", "d.dicom"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := ReadImages(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range ds.Items {
		got = append(got, it.ID)
		if it.Path != filepath.Join(root, filepath.FromSlash(it.ID)) || it.Labels != nil {
			t.Errorf("item %+v", it)
		}
	}
	want := []string{"a/1.jpg", "a/x/3.dcm", "b/2.PNG", "c.jpeg", "d.dicom"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "readme.md"), []byte("x"), 0o644)
	if _, err := ReadImages(empty); err == nil || !strings.Contains(err.Error(), "no PNG, JPEG or DICOM file") {
		t.Errorf("folder without images: %v", err)
	}
	if _, err := ReadImages(filepath.Join(root, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing folder: %v", err)
	}
}
