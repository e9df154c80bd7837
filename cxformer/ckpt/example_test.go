package ckpt_test

import (
	"fmt"
	"strings"

	"github.com/gocx/gocx/cxformer/ckpt"
	"github.com/gocx/gocx/nn/state"
)

// A dinov2 training checkpoint ({"teacher": ...} with DDP's module. prefix
// and chunked blocks) is normalised, its head split off, and the backbone
// checked: the missing parameters are all reported at once.
func ExampleNormalizeNative() {
	cfg := ckpt.Config{EmbedDim: 4, Depth: 1, Heads: 2, PatchSize: 2, PosGrid: 2, MLPRatio: 4}
	shapes := ckpt.NativeShapes(cfg)

	train := state.NewFile()
	for _, name := range []string{"cls_token", "blocks.0.norm1.weight", "blocks.0.attn.qkv.weight"} {
		key := strings.Replace(name, "blocks.", "blocks.0.", 1) // chunk 0
		n := state.NumElements(shapes[name])
		train.MustAdd(state.NewF32("module.teacher.backbone."+key, shapes[name], make([]float32, n)))
	}
	train.MustAdd(state.NewF32("teacher.dino_head.last_layer.weight_g", []int{8, 1}, make([]float32, 8)))

	native, err := ckpt.NormalizeNative(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	head, backbone := ckpt.SplitPrefix(native, "dino_head.")
	fmt.Println(head.Order)
	fmt.Println(backbone.Order)
	err = ckpt.Validate(backbone, shapes)
	fmt.Println(len(err.(*ckpt.ValidationError).Missing), "parameters missing, first:", err.(*ckpt.ValidationError).Missing[0])
	// Output:
	// [last_layer.weight_g]
	// [cls_token blocks.0.norm1.weight blocks.0.attn.qkv.weight]
	// 18 parameters missing, first: blocks.0.attn.proj.bias
}
