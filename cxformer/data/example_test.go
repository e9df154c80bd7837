package data_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gocx/gocx/cxformer/data"
)

// Decode a DICOM radiograph (modality rescale, VOI window, MONOCHROME1 inversion) and
// equalise it as CXformer's preprocessing does.
func ExampleDecodeFile() {
	img, err := data.DecodeFile("../../testdata/data/dicom/u16_window.dcm")
	if err != nil {
		log.Fatal(err)
	}
	eq := data.EqualizeHist(img)
	fmt.Println(img.W, img.H, len(eq.Pix))
	// Output: 24 20 480
}

// Plan and render the CXformer multi-crop augmentation of one image.
func ExampleMultiCrop() {
	m, err := data.NewMultiCrop(data.CXformerMultiCrop())
	if err != nil {
		log.Fatal(err)
	}
	img, err := data.DecodeFile("../../testdata/data/images/gray8.png")
	if err != nil {
		log.Fatal(err)
	}
	views, err := m.Apply(data.EqualizeHist(img), data.SampleKey{Seed: 1, Epoch: 0, Index: 0})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(views.Global), len(views.Global[0]), len(views.Local), len(views.Local[0]))
	fmt.Println(views.Plan.Global[1].Affine != nil, views.Plan.Local[0].Affine != nil)
	// Output:
	// 2 804972 8 28812
	// true false
}

// Read CheXpert with CXformer's fine-tuning label rules.
func ExampleReadCheXpert() {
	ds, err := data.ReadCheXpert("../../testdata/data/chexpert/CheXpert-v1.0-small/train.csv", data.CheXpertCXformer())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ds.ClassNames)
	for _, it := range ds.Items {
		fmt.Println(it.Labels)
	}
	// Output:
	// [Atelectasis Cardiomegaly Consolidation Edema Pleural Effusion]
	// [0 0 0 0 0]
	// [1 1 1 1 1]
	// [1 1 1 1 1]
	// [1 1 1 0 1]
}

// Iterate over the crop-major multi-crop batches of a labelled folder; the corrupt image
// in it is skipped with a warning.
func ExampleLoader() {
	ds, err := data.ReadFolder("../../testdata/data/folder")
	if err != nil {
		log.Fatal(err)
	}
	cfg := data.CXformerMultiCrop()
	cfg.GlobalSize, cfg.LocalSize = 56, 28
	m, err := data.NewMultiCrop(cfg)
	if err != nil {
		log.Fatal(err)
	}
	l, err := data.NewLoader(ds, m, data.LoaderConfig{BatchSize: 2, Equalize: true, Seed: 7,
		Warn: func(err error) { fmt.Println("skipped an image") }})
	if err != nil {
		log.Fatal(err)
	}
	for b, err := range l.Epoch(context.Background(), 0) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(b.B, len(b.Global) == 2*b.B*3*56*56, len(b.Local) == 8*b.B*3*28*28, b.Indices)
	}
	// Output:
	// 2 true true [0 1]
	// skipped an image
	// 1 true true [3]
}

// List the images of a folder for self-supervised pretraining: every PNG,
// JPEG and DICOM file below it, in path order, unlabelled.
func ExampleReadImages() {
	ds, err := data.ReadImages("../../testdata/data/folder")
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range ds.Items {
		fmt.Println(it.ID)
	}
	// Output:
	// a.png
	// c.png
	// d.dcm
	// sub/b.jpg
}
