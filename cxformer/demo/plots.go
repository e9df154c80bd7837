package demo

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/eval"
	"github.com/gocx/gocx/cxformer/metrics"
	"github.com/gocx/gocx/tensor"
)

// writePlots writes the loss curves, ROC curves, attention maps and
// segmentation overlays into cfg.Out and records their names in res.Files.
func writePlots(cfg Config, res *Result, vit *cxformer.ViT, seg *eval.SegSplits) error {
	if err := lossPlot(cfg, res); err != nil {
		return err
	}
	if err := rocPlots(cfg, res); err != nil {
		return err
	}
	if err := attentionMaps(cfg, res, vit, seg.Test); err != nil {
		return err
	}
	return segOverlays(cfg, res, vit, seg.Test)
}

func savePlot(cfg Config, res *Result, p *plot.Plot, name string, w, h vg.Length) error {
	if err := p.Save(w, h, filepath.Join(cfg.Out, name)); err != nil {
		return fmt.Errorf("demo: writing %s: %w", name, err)
	}
	res.Files = append(res.Files, name)
	return nil
}

func lossPlot(cfg Config, res *Result) error {
	p := plot.New()
	p.Title.Text = "Pretraining losses (DINO + iBOT + KoLeo) on phantoms"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "loss"
	curve := res.Pretrain.Curve
	terms := []struct {
		name string
		get  func(m int) float64
	}{
		{"total", func(i int) float64 { return curve[i].Total }},
		{"DINO local", func(i int) float64 { return curve[i].DINOLocal }},
		{"DINO global", func(i int) float64 { return curve[i].DINOGlobal }},
		{"iBOT", func(i int) float64 { return curve[i].IBOT }},
		{"KoLeo", func(i int) float64 { return curve[i].KoLeo }},
	}
	for k, t := range terms {
		pts := make(plotter.XYs, len(curve))
		for i := range curve {
			pts[i] = plotter.XY{X: float64(i), Y: t.get(i)}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = palette[k%len(palette)]
		p.Add(l)
		p.Legend.Add(t.name, l)
	}
	p.Legend.Top = true
	return savePlot(cfg, res, p, "loss.png", 7*vg.Inch, 4*vg.Inch)
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255},
}

// rocPlots writes one ROC plot per finding: the pretrained and the random
// initialisation probe on the same test images, AUROC with its bootstrap
// 95% interval in the legend.
func rocPlots(cfg Config, res *Result) error {
	names := []string{}
	for _, c := range res.Pretrained.Test.Classes {
		names = append(names, c.Name)
	}
	for k, name := range names {
		p := plot.New()
		p.Title.Text = "ROC: " + name
		p.X.Label.Text = "false positive rate"
		p.Y.Label.Text = "true positive rate"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		diag, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		diag.Color = color.Gray{180}
		diag.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(diag)
		for m, model := range []struct {
			key string
			rep *eval.ClassificationReport
		}{{"pretrained", res.Pretrained.Test}, {"random", res.Random.Test}} {
			var sc []float64
			var lab []bool
			for i, row := range res.probeScores[model.key] {
				y := res.probeTest[i][k]
				if math.IsNaN(y) {
					continue
				}
				sc = append(sc, row[k])
				lab = append(lab, y > 0.5)
			}
			fpr, tpr, _, err := metrics.ROCCurve(sc, lab)
			if err != nil {
				continue // a class absent from the test split has no curve
			}
			pts := make(plotter.XYs, len(fpr))
			for i := range fpr {
				pts[i] = plotter.XY{X: fpr[i], Y: tpr[i]}
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color = palette[m]
			l.Width = vg.Points(1.5)
			p.Add(l)
			a := model.rep.Classes[k].AUROC
			label := "random init"
			if m == 0 {
				label = "pretrained"
			}
			p.Legend.Add(fmt.Sprintf("%s: AUROC %.3f [%.3f, %.3f]", label, a.Value, a.Lo, a.Hi), l)
		}
		p.Legend.Left, p.Legend.Top = false, false
		p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), vg.Points(4)
		if err := savePlot(cfg, res, p, "roc_"+slug(name)+".png", 4.5*vg.Inch, 4.5*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

func slug(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", "_"))
}

// grayOf turns channel 0 of a normalised CHW image back into 8-bit gray.
func grayOf(img []float32, side int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, side, side))
	m, s := data.ImageNetMean[0], data.ImageNetStd[0]
	for i := 0; i < side*side; i++ {
		v := (float64(img[i])*float64(s) + float64(m)) * 255
		g.Pix[i] = uint8(math.Max(0, math.Min(255, math.Round(v))))
	}
	return g
}

const tiles = 4

// attentionMaps overlays the last block's CLS attention (mean over heads,
// bilinearly upsampled) on test images: the regions the CLS token reads.
func attentionMaps(cfg Config, res *Result, vit *cxformer.ViT, src eval.SegSource) error {
	side := src.Size()
	n := min(tiles, src.Len())
	px := make([]float32, n*3*side*side)
	mask := make([]uint8, side*side)
	for i := 0; i < n; i++ {
		if err := src.LoadPair(i, px[i*3*side*side:(i+1)*3*side*side], mask); err != nil {
			return err
		}
	}
	x := tensor.MustFromSlice(cfg.Device, px, n, 3, side, side)
	defer x.Release()
	tp := autograd.NewTape()
	defer tp.Release()
	var out cxformer.Output
	var err error
	tp.NoGrad(func() { out, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{CLSAttention: true}) })
	if err != nil {
		return err
	}
	att := out.Attention.Data() // (n, H, Hp·Wp)
	out.Attention.Release()
	heads, hp, wp := vit.Cfg.Heads, out.Hp, out.Wp
	sheet := image.NewRGBA(image.Rect(0, 0, 2*side*n, side))
	for i := 0; i < n; i++ {
		g := grayOf(px[i*3*side*side:], side)
		grid := make([]float64, hp*wp)
		for h := 0; h < heads; h++ {
			for j := range grid {
				grid[j] += float64(att[(i*heads+h)*hp*wp+j]) / float64(heads)
			}
		}
		lo, hi := grid[0], grid[0]
		for _, v := range grid {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		for y := 0; y < side; y++ {
			for xx := 0; xx < side; xx++ {
				v := g.Pix[y*side+xx]
				sheet.Set(2*i*side+xx, y, color.RGBA{v, v, v, 255})
				a := bilinearAt(grid, hp, wp, (float64(y)+0.5)*float64(hp)/float64(side)-0.5, (float64(xx)+0.5)*float64(wp)/float64(side)-0.5)
				t := 0.0
				if hi > lo {
					t = (a - lo) / (hi - lo)
				}
				sheet.Set((2*i+1)*side+xx, y, heat(float64(v)/255, t))
			}
		}
	}
	return savePNG(cfg, res, sheet, "attention.png")
}

func bilinearAt(g []float64, h, w int, y, x float64) float64 {
	y = math.Max(0, math.Min(float64(h-1), y))
	x = math.Max(0, math.Min(float64(w-1), x))
	y0, x0 := int(y), int(x)
	y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
	fy, fx := y-float64(y0), x-float64(x0)
	return (1-fy)*((1-fx)*g[y0*w+x0]+fx*g[y0*w+x1]) + fy*((1-fx)*g[y1*w+x0]+fx*g[y1*w+x1])
}

// heat blends a gray level with a red-yellow heat colour of strength t.
func heat(gray, t float64) color.RGBA {
	r, gg, b := math.Min(1, 2*t), math.Max(0, 2*t-1), 0.0
	a := 0.6 * t
	mix := func(c float64) uint8 { return uint8(255 * ((1-a)*gray + a*c)) }
	return color.RGBA{mix(r), mix(gg), mix(b), 255}
}

// segOverlays shows test images with the predicted classes tinted (left
// lung green, right lung blue, heart red) next to the ground truth.
func segOverlays(cfg Config, res *Result, vit *cxformer.ViT, src eval.SegSource) error {
	side := src.Size()
	n := min(tiles, src.Len())
	sub := &eval.Pixels{Side: side, Data: make([]float32, n*3*side*side), Masks: make([]uint8, n*side*side)}
	for i := 0; i < n; i++ {
		if err := src.LoadPair(i, sub.Data[i*3*side*side:(i+1)*3*side*side], sub.Masks[i*side*side:(i+1)*side*side]); err != nil {
			return err
		}
	}
	feats, _, hp, wp, err := eval.PatchFeatures(vit, cfg.Device, sub, n, nil)
	if err != nil {
		return err
	}
	head := res.Seg.Head
	x := tensor.MustFromSlice(cfg.Device, feats.Data, n, hp*wp, feats.Cols/(hp*wp))
	defer x.Release()
	tp := autograd.NewTape()
	defer tp.Release()
	var logits *autograd.Var
	tp.NoGrad(func() { logits = head.Forward(tp, autograd.Const(x)) })
	l := logits.Value.Data() // (P, n, C)
	c := head.Classes()
	tint := []color.RGBA{{}, {0, 200, 0, 255}, {0, 120, 255, 255}, {230, 30, 30, 255}}
	sheet := image.NewRGBA(image.Rect(0, 0, 2*side*n, side))
	for i := 0; i < n; i++ {
		g := grayOf(sub.Data[i*3*side*side:], side)
		for pix := 0; pix < side*side; pix++ {
			best, arg := float32(math.Inf(-1)), 0
			for k := 0; k < c; k++ {
				if v := l[(pix*n+i)*c+k]; v > best {
					best, arg = v, k
				}
			}
			v := float64(g.Pix[pix]) / 255
			y, xx := pix/side, pix%side
			sheet.Set(2*i*side+xx, y, overlay(v, tint, arg))
			sheet.Set((2*i+1)*side+xx, y, overlay(v, tint, int(sub.Masks[i*side*side+pix])))
		}
	}
	return savePNG(cfg, res, sheet, "segmentation.png")
}

func overlay(gray float64, tint []color.RGBA, class int) color.RGBA {
	if class <= 0 || class >= len(tint) {
		u := uint8(255 * gray)
		return color.RGBA{u, u, u, 255}
	}
	t := tint[class]
	mix := func(c uint8) uint8 { return uint8(0.55*255*gray + 0.45*float64(c)) }
	return color.RGBA{mix(t.R), mix(t.G), mix(t.B), 255}
}

func savePNG(cfg Config, res *Result, img image.Image, name string) error {
	f, err := os.Create(filepath.Join(cfg.Out, name))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	res.Files = append(res.Files, name)
	return nil
}
