package data

import (
	"context"
	"image"
	"runtime"
	"testing"
)

// jpegSource decodes one in-memory JPEG per request, like a dataset of files on disk
// without the I/O.
type jpegSource struct {
	n    int
	data [][]byte
}

func (s *jpegSource) Len() int                   { return s.n }
func (s *jpegSource) Image(i int) (*Gray, error) { return Decode("bench.jpg", s.data[i%len(s.data)]) }

func benchLoader(b *testing.B, src ImageSource, batch int) {
	m, err := NewMultiCrop(CXformerMultiCrop())
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLoader(src, m, LoaderConfig{BatchSize: batch, Shuffle: true, Seed: 1, Equalize: true})
	if err != nil {
		b.Fatal(err)
	}
	images := 0
	b.ResetTimer()
	for epoch := 0; b.Loop(); epoch++ {
		for bt, err := range l.Epoch(context.Background(), epoch) {
			if err != nil {
				b.Fatal(err)
			}
			images += bt.B
			l.Release(bt)
		}
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
}

// BenchmarkLoader518 measures the full CXformer pipeline (equalise, 2×518 px global crops
// with affine, 8×98 px local crops, normalise, crop-major batching) on all cores, from
// decoded 512×512 images.
func BenchmarkLoader518(b *testing.B) {
	src := &memSource{bad: map[int]bool{}}
	for i := range 8 {
		src.imgs = append(src.imgs, synthGray(512, 512, uint64(i)))
	}
	n := max(64, 8*runtime.GOMAXPROCS(0))
	for len(src.imgs) < n {
		src.imgs = append(src.imgs, src.imgs[len(src.imgs)%8])
	}
	benchLoader(b, src, 16)
}

// BenchmarkLoader518JPEG is BenchmarkLoader518 with a JPEG decode of each 512×512 image.
func BenchmarkLoader518JPEG(b *testing.B) {
	src := &jpegSource{n: max(64, 8*runtime.GOMAXPROCS(0))}
	for i := range 4 {
		g := synthGray(512, 512, uint64(i))
		img := &image.Gray{Pix: g.Pix, Stride: g.W, Rect: image.Rect(0, 0, g.W, g.H)}
		src.data = append(src.data, encodeJPEG(b, img))
	}
	benchLoader(b, src, 16)
}

// BenchmarkMultiCropApply is one image's augmentation on one core.
func BenchmarkMultiCropApply(b *testing.B) {
	m, _ := NewMultiCrop(CXformerMultiCrop())
	img := EqualizeHist(synthGray(512, 512, 1))
	i := 0
	for b.Loop() {
		if _, err := m.Apply(img, SampleKey{Seed: 1, Index: i}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkResizeBicubic518 is the global-crop resample (a 400×360 region to 518²).
func BenchmarkResizeBicubic518(b *testing.B) {
	img := synthGray(512, 512, 1)
	dst := NewGray(518, 518)
	for b.Loop() {
		resizeRegionInto(img, 50, 60, 360, 400, dst)
	}
	b.ReportMetric(float64(518*518)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

// BenchmarkGaussianBlur518 is the 9-tap blur of a 518² crop.
func BenchmarkGaussianBlur518(b *testing.B) {
	img := synthGray(518, 518, 1)
	for b.Loop() {
		GaussianBlur(img, 9, 1.3)
	}
	b.ReportMetric(float64(518*518)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}

// BenchmarkDecodeDICOM2048 decodes a 2048×2048 12-bit DICOM with a window to 8 bits.
func BenchmarkDecodeDICOM2048(b *testing.B) {
	const n = 2048
	px := make([]int, n*n)
	for i := range px {
		px[i] = (i%n + i/n) % 4096
	}
	file := writeDICOM(b, dicomSpec{W: n, H: n, Bits: 16, Stored: 12, Pixels: px, Photometric: "MONOCHROME2", Center: "2000", Width: "3000"})
	for b.Loop() {
		if _, err := Decode("bench.dcm", file); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}
