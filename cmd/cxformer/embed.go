package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/internal/progress"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

const embedUsage = `usage: cxformer embed --model PATH [--device cpu|gpu] (--input pixels.safetensors | IMAGE... | --data SPEC) --out OUT.safetensors

Runs the backbone and writes, with Hugging Face's semantics:
  last_hidden_state (B, 1+R+N, D)  final-normed CLS, registers and patches
  pooler_output     (B, D)         final-normed CLS
  hidden_state_<i>  (B, 1+R+N, D)  the embedding output (i=0) and each block's output, before the final norm
From image files (PNG 8/16-bit, JPEG, DICOM) it applies the CXR preprocessing first: grayscale,
histogram equalisation, resize of the shorter side to --size (bicubic), centre crop, ImageNet normalisation.

With --data (a folder images:DIR, a CheXpert CSV, NIH, … as pretrain --data takes) it embeds every image
of the data set in a streaming pass and writes two vectors an image, pooler_output (N, D) and patch_mean
(N, D) (the mean final-normed patch token), with the image identifiers as the JSON list "ids" in the
file's metadata; unreadable images are left out and reported.
`

func runEmbed(args []string) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), embedUsage); fs.PrintDefaults() }
	model := fs.String("model", "", "model: Hugging Face directory or DINOv2-native .pth/.safetensors")
	device := fs.String("device", "cpu", "cpu, gpu or auto")
	input := fs.String("input", "", "safetensors file with pixel_values (B, 3, H, W) float32")
	out := fs.String("out", "", "output safetensors file")
	batch := fs.Int("batch", 8, "images per forward pass")
	size := fs.Int("size", 518, "image side after preprocessing (image inputs; a multiple of 14)")
	interp := fs.String("interp", "T", interpFlagUsage)
	heads := fs.Int("heads", 0, "attention heads of native checkpoints (default: the number the file records, else D/64)")
	dataSpec := fs.String("data", "", "embed every image of a data spec (see pretrain --help), two vectors an image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	images := fs.Args()
	given := 0
	for _, g := range []bool{*input != "", len(images) > 0, *dataSpec != ""} {
		if g {
			given++
		}
	}
	switch {
	case *model == "":
		return fmt.Errorf("embed: --model is required")
	case *out == "":
		return fmt.Errorf("embed: --out is required")
	case given != 1:
		return fmt.Errorf("embed: give one of --input, image files or --data")
	case *batch < 1:
		return fmt.Errorf("embed: --batch %d must be at least 1", *batch)
	}
	mode, err := parseInterpFlag("embed", *interp)
	if err != nil {
		return err
	}
	dev, release, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer release()
	vit, err := cxformer.LoadModel(*model, dev, cxformer.LoadOptions{Interp: mode, Heads: *heads})
	if err != nil {
		return err
	}
	if *dataSpec != "" {
		return embedData(vit, dev, *dataSpec, *size, *batch, *out)
	}

	var pixels []float32
	var shape []int
	if *input != "" {
		pixels, shape, err = readPixels(*input)
	} else {
		pixels, shape, err = preprocessImages(images, *size, vit.Cfg.PatchSize)
	}
	if err != nil {
		return err
	}
	res, err := embed(vit, dev, pixels, shape, *batch)
	if err != nil {
		return err
	}
	if err := state.WriteSafetensors(*out, res); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d images, %d tokens of width %d\n", *out, shape[0], res.Arrays["last_hidden_state"].Shape[1], vit.Cfg.EmbedDim)
	return nil
}

func readPixels(path string) ([]float32, []int, error) {
	f, err := state.Read(path)
	if err != nil {
		return nil, nil, err
	}
	a, ok := f.Arrays["pixel_values"]
	if !ok {
		return nil, nil, fmt.Errorf("%s has no pixel_values (arrays: %s)", path, strings.Join(f.SortedNames(), ", "))
	}
	if len(a.Shape) != 4 || a.Shape[1] != 3 {
		return nil, nil, fmt.Errorf("%s: pixel_values has shape %v, want (B, 3, H, W)", path, a.Shape)
	}
	px, err := a.AsFloat32()
	return px, a.Shape, err
}

func preprocessImages(paths []string, size, patch int) ([]float32, []int, error) {
	if size <= 0 || size%patch != 0 {
		return nil, nil, fmt.Errorf("embed: image size %d after preprocessing is not a positive multiple of the patch size %d", size, patch)
	}
	px := make([]float32, 0, len(paths)*3*size*size)
	for _, p := range paths {
		g, err := data.DecodeFile(p)
		if err != nil {
			return nil, nil, err
		}
		px = append(px, data.ClassifyEval(data.EqualizeHist(g), size)...)
	}
	return px, []int{len(paths), 3, size, size}, nil
}

// embed runs the model over the images in batches and gathers the outputs.
func embed(vit *cxformer.ViT, dev tensor.Device, pixels []float32, shape []int, batch int) (*state.File, error) {
	n, per := shape[0], shape[1]*shape[2]*shape[3]
	var last, pooled []float32
	hidden := make([][]float32, vit.Cfg.Depth+1)
	var seq int
	var bar *progress.Bar
	if n > batch {
		bar = progress.New(os.Stderr, n, "embed", progress.Options{ClearOnFinish: true})
	}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		x, err := tensor.FromSlice(dev, pixels[lo*per:hi*per], append([]int{hi - lo}, shape[1:]...)...)
		if err != nil {
			return nil, err
		}
		tp := autograd.NewTape()
		var out cxformer.Output
		tp.NoGrad(func() { out, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{Hidden: true}) })
		if err != nil {
			tp.Release()
			return nil, err
		}
		seq = out.Normed.Shape()[1]
		last = append(last, out.Normed.Value.Data()...)
		pooled = append(pooled, out.ClsNorm.Value.Data()...)
		for i, h := range out.Hidden {
			hidden[i] = append(hidden[i], h.Value.Data()...)
		}
		tp.Release()
		x.Release()
		bar.Add(hi - lo)
	}
	d := vit.Cfg.EmbedDim
	f := state.NewFile()
	f.MustAdd(state.NewF32("last_hidden_state", []int{n, seq, d}, last))
	f.MustAdd(state.NewF32("pooler_output", []int{n, d}, pooled))
	for i, h := range hidden {
		f.MustAdd(state.NewF32(fmt.Sprintf("hidden_state_%d", i), []int{n, seq, d}, h))
	}
	f.Metadata["model"] = fmt.Sprintf("ViT D=%d depth=%d registers=%d", d, vit.Cfg.Depth, vit.Cfg.Registers)
	return f, nil
}
