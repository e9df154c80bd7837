package pretrain_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/tensor"
)

// Two steps of the tiny preset on synthetic crops, then a checkpoint.
func ExampleTrainer() {
	cfg := pretrain.Tiny()
	cfg.SSL.Backbone.Depth = 1 // even smaller, for the example
	tr, err := pretrain.NewTrainer(cfg, tensor.CPU, pretrain.NewRandomCrops(cfg))
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		m, err := tr.Step()
		if err != nil {
			log.Fatal(err) // e.g. a *NonFiniteError naming the loss term
		}
		fmt.Printf("step %d: lr %.2g, teacher temp %.3f\n", m.Step, m.LR, m.TeacherTemp)
	}
	fmt.Println("steps done:", tr.StepCount())
	// tr.SaveCheckpoint(dir) writes dir/ckpt-000002.safetensors; a new
	// trainer continues exactly with Resume(dir).

	// Output:
	// step 0: lr 0, teacher temp 0.040
	// step 1: lr 1e-05, teacher temp 0.040
	// steps done: 2
}

func ExampleReadConfig() {
	// A partial JSON file overrides a preset; unknown keys are errors.
	_, err := pretrain.ReadConfig(strings.NewReader(`{"dino": {"head_n_prototypes": 0}}`), pretrain.Tiny())
	fmt.Println(err)
	// Output:
	// pretrain config: dino.head_n_prototypes: 0 must be positive
}

// A data source wrapped so that the next step's batch is prepared while a
// step trains; the batches, and so the training, are the same.
func ExamplePrefetch() {
	cfg := pretrain.Tiny()
	cfg.SSL.Backbone.Depth = 1
	src := pretrain.NewPrefetch(pretrain.NewRandomCrops(cfg))
	defer src.Close() // releases the batch prepared for the step after the last
	tr, err := pretrain.NewTrainer(cfg, tensor.CPU, src)
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		if _, err := tr.Step(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("steps done:", tr.StepCount())
	// Output:
	// steps done: 2
}

// Pretraining data from images: here 20 in-memory gray ramps; a folder on
// disk is eval.OpenImages("images:DIR", …).Source. Each step cuts a batch
// into the CXformer multi-crop at the config's crop sizes.
func ExampleImages() {
	cfg := pretrain.Tiny()
	cfg.BatchSize = 4
	pool := make(data.InMemory, 20)
	for i := range pool {
		pool[i] = data.NewGray(150, 130)
		for p := range pool[i].Pix {
			pool[i].Pix[p] = uint8(p%150 + i)
		}
	}
	src, err := pretrain.NewImages(cfg, pool)
	if err != nil {
		log.Fatal(err)
	}
	b, err := src.Next(0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("global crops", b.Global.Shape(), "local crops", b.Local.Shape())
	// Output:
	// global crops [8 3 112 112] local crops [32 3 56 56]
}
