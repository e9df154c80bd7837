package phantom_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocx/gocx/cxformer/phantom"
)

func ExampleGenerate() {
	s, err := phantom.Generate(1, 0, 224, phantom.DefaultConfig())
	if err != nil {
		panic(err)
	}
	lungPixels := 0
	for _, c := range s.Mask {
		if c == phantom.ClassLeftLung || c == phantom.ClassRightLung {
			lungPixels++
		}
	}
	fmt.Println(len(s.Image) == 224*224, lungPixels > 224*224/10)
	fmt.Println(s.Labels[phantom.Cardiomegaly] == (s.Findings.CTR > 0.5))

	dir, _ := os.MkdirTemp("", "phantom")
	defer os.RemoveAll(dir)
	fmt.Println(phantom.WritePNG(filepath.Join(dir, "cxr.png"), s))
	// Output:
	// true true
	// true
	// <nil>
}

func ExampleDataset() {
	cfg := phantom.DefaultConfig()
	cfg.Prevalence[phantom.Nodule] = 1 // every patient has a nodule
	set, err := phantom.Dataset(7, 4, 64, cfg)
	if err != nil {
		panic(err)
	}
	for _, s := range set {
		fmt.Print(s.Labels[phantom.Nodule], " ")
	}
	fmt.Println()
	// Output: true true true true
}
