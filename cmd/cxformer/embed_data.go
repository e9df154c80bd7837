package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// embedData embeds every image of a data spec, streaming: each batch is
// decoded, preprocessed, run and reduced to two vectors an image before
// the next, so a data set of any size fits in memory. It writes
//
//	pooler_output (N, D)  the final-normed CLS token (Hugging Face's pooler_output)
//	patch_mean    (N, D)  the mean of the final-normed patch tokens
//
// with the images' identifiers in the metadata ("ids", a JSON list, in row
// order). Unreadable images are left out and reported.
func embedData(vit *cxformer.ViT, dev tensor.Device, spec string, size, batch int, out string) error {
	if p := vit.Cfg.PatchSize; size <= 0 || size%p != 0 {
		return fmt.Errorf("embed: image size %d after preprocessing is not a positive multiple of the patch size %d", size, p)
	}
	set, err := eval.OpenImages(spec, size, 0)
	if err != nil {
		return fmt.Errorf("embed: --data: %w", err)
	}
	if err := set.DropUnreadable(os.Stderr); err != nil {
		return fmt.Errorf("embed: %w", err)
	}
	src := &eval.Decoded{Images: set.Source, Side: size, Equalize: true}
	feats, err := eval.Features(vit, dev, src, eval.FeatureOptions{Batch: batch, NBlocks: 1, Progress: os.Stderr, Desc: "embed"})
	if err != nil {
		return err
	}
	n, d := feats.Rows, vit.Cfg.EmbedDim
	pooled, patches := make([]float32, n*d), make([]float32, n*d)
	ids := make([]string, n)
	for i := range n {
		row := feats.Row(i) // [CLS, mean patch], both final-normed
		copy(pooled[i*d:], row[:d])
		copy(patches[i*d:], row[d:])
		ids[i] = set.ID(i)
	}
	f := state.NewFile()
	f.MustAdd(state.NewF32("pooler_output", []int{n, d}, pooled))
	f.MustAdd(state.NewF32("patch_mean", []int{n, d}, patches))
	idJSON, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	f.Metadata["ids"] = string(idJSON)
	f.Metadata["data"] = set.Name
	f.Metadata["model"] = fmt.Sprintf("ViT D=%d depth=%d registers=%d", d, vit.Cfg.Depth, vit.Cfg.Registers)
	if err := state.WriteSafetensors(out, f); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d images of %s, pooler_output and patch_mean of width %d\n", out, n, set.Name, d)
	return nil
}
