package pretrain

import (
	"bytes"
	stdimage "image"
	"image/png"
	"testing"

	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/tensor"
)

// BenchmarkSSLStep times one full training step of the Tiny preset on the
// CPU — 8 images, each with 2 global (112 px) and 8 local (56 px) crops:
// data, masks, teacher and student forward, backward, clipping, AdamW and
// EMA — and reports images per second.
//
//	go test -run '^$' -bench SSLStep -benchtime 20x ./cxformer/pretrain/
func BenchmarkSSLStep(b *testing.B) {
	cfg := Tiny()
	tr, err := NewTrainer(cfg, tensor.CPU, NewRandomCrops(cfg))
	if err != nil {
		b.Fatal(err)
	}
	for range 2 { // warm up the allocator and the interpolation caches
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*cfg.BatchSize)/sec, "images/s")
	b.ReportMetric(float64(b.N)/sec, "steps/s")
}

// pngImages is an ImageSource of PNG files held in memory: Image decodes,
// as a data set of files on disk does, without the disk.
type pngImages [][]byte

func (p pngImages) Len() int { return len(p) }

func (p pngImages) Image(i int) (*data.Gray, error) { return data.Decode("image.png", p[i]) }

// BenchmarkImagesNext times the data path of CXformer-S pretraining on
// radiograph-sized images: a batch of 8 decoded from 1024×1024 8-bit PNGs,
// histogram-equalised and cut into 2 global 518 px and 8 local 98 px crops
// (pretrain.Images on all cores), and reports images per second: the rate
// a training step must not outrun for the data to keep up.
//
//	go test -run '^$' -bench ImagesNext -benchtime 5x ./cxformer/pretrain/
func BenchmarkImagesNext(b *testing.B) {
	cfg := CXformerS()
	cfg.BatchSize = 8
	var files pngImages
	for i := range 16 {
		img := stdimage.NewGray(stdimage.Rect(0, 0, 1024, 1024))
		for p := range img.Pix {
			x, y := p%1024, p/1024
			img.Pix[p] = uint8((x*x+y*3+i*977)>>6 ^ (x ^ y))
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			b.Fatal(err)
		}
		files = append(files, buf.Bytes())
	}
	src, err := NewImages(cfg, files)
	if err != nil {
		b.Fatal(err)
	}
	step := 0
	for b.Loop() {
		if _, err := src.Next(step); err != nil {
			b.Fatal(err)
		}
		step++
	}
	b.ReportMetric(float64(step*cfg.BatchSize)/b.Elapsed().Seconds(), "images/s")
}
