package state_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocx/gocx/nn/state"
)

func Example() {
	dir, _ := os.MkdirTemp("", "state-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	f := state.NewFile()
	f.Metadata["format"] = "pt"
	f.MustAdd(state.NewF32("proj.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}))
	f.MustAdd(state.NewBool("mask", []int{3}, []bool{true, false, true}))
	if err := state.WriteSafetensors(path, f); err != nil {
		fmt.Println(err)
		return
	}

	// Read detects safetensors and PyTorch checkpoints from their content.
	g, err := state.Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range g.Order {
		a := g.Get(name)
		v, _ := a.AsFloat64()
		fmt.Println(name, a.DType, a.Shape, v)
	}
	fmt.Println(g.Metadata["format"])
	// Output:
	// proj.weight F32 [2 3] [1 2 3 4 5 6]
	// mask BOOL [3] [1 0 1]
	// pt
}
