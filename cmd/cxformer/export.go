package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

const exportUsage = `usage: cxformer export --model PATH --out DIR [--heads N] [--interp T|E]

Writes a backbone as a Hugging Face model directory (config.json + model.safetensors) that
transformers' AutoModel loads: Dinov2WithRegistersModel with registers, Dinov2Model without.
PATH is anything the other commands read: a gocx pretraining checkpoint (its teacher), a
teacher_backbone.safetensors, a DINOv2-native .pth/.safetensors or a Hugging Face directory.

transformers resizes position embeddings its own way (mode E with registers); a model trained
with DINOv2's code (mode T) gives the same outputs at its training resolution and slightly
different ones at others.
`

func runExport(args []string) error { return exportCommand(args, os.Stdout) }

func exportCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), exportUsage); fs.PrintDefaults() }
	model := fs.String("model", "", "model: Hugging Face directory, DINOv2-native .pth/.safetensors or a gocx checkpoint")
	out := fs.String("out", "", "output directory (created; existing config.json and model.safetensors are replaced)")
	interp := fs.String("interp", "T", interpFlagUsage)
	heads := fs.Int("heads", 0, "attention heads of native checkpoints (default: the number the file records, else D/64)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *model == "":
		return fmt.Errorf("export: --model is required")
	case *out == "":
		return fmt.Errorf("export: --out is required")
	case fs.NArg() > 0:
		return fmt.Errorf("export: unexpected arguments %q", fs.Args())
	}
	mode, err := parseInterpFlag("export", *interp)
	if err != nil {
		return err
	}
	vit, err := cxformer.LoadModel(*model, tensor.CPU, cxformer.LoadOptions{Interp: mode, Heads: *heads})
	if err != nil {
		return err
	}
	if err := vit.SaveHF(*out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	c := vit.Cfg
	fmt.Fprintf(stdout, "wrote %s: D=%d depth=%d heads=%d registers=%d patch %d, %d px (%d×%d positions)\n",
		*out, c.EmbedDim, c.Depth, c.Heads, c.Registers, c.PatchSize, c.ImgSize, c.Grid(), c.Grid())
	return nil
}
