package phantom

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

// Gray returns the sample's radiograph as an image (sharing Image's pixels).
func (s Sample) Gray() *image.Gray {
	return &image.Gray{Pix: s.Image, Stride: s.Size, Rect: image.Rect(0, 0, s.Size, s.Size)}
}

// WritePNG writes the sample's radiograph to path as an 8-bit grayscale PNG.
func WritePNG(path string, s Sample) error {
	if len(s.Image) != s.Size*s.Size || s.Size <= 0 {
		return fmt.Errorf("phantom.WritePNG: sample has %d pixels for size %d", len(s.Image), s.Size)
	}
	return writeImage(path, s.Gray())
}

// FindingColors are the colours ContactSheet uses for the findings' marks,
// in label order.
var FindingColors = [NumFindings]color.RGBA{
	{230, 60, 60, 255},  // cardiomegaly: red
	{60, 140, 240, 255}, // effusion: blue
	{240, 170, 40, 255}, // consolidation: orange
	{80, 220, 220, 255}, // pneumothorax: cyan
	{200, 80, 230, 255}, // nodule: purple
}

// ContactSheet tiles samples (all of one size) in cols columns. When
// overlay is set, lung masks are tinted green and heart masks red. A row of
// small squares in each tile's top-left corner marks the findings present,
// in label order, coloured as FindingColors (a dark square: absent).
func ContactSheet(samples []Sample, cols int, overlay bool) (*image.RGBA, error) {
	if len(samples) == 0 || cols < 1 {
		return nil, fmt.Errorf("phantom.ContactSheet: %d samples in %d columns", len(samples), cols)
	}
	size := samples[0].Size
	for i, s := range samples {
		if s.Size != size || len(s.Image) != size*size || len(s.Mask) != size*size {
			return nil, fmt.Errorf("phantom.ContactSheet: sample %d is %d px with %d pixels, want %d px", i, s.Size, len(s.Image), size)
		}
	}
	rows := (len(samples) + cols - 1) / cols
	gap := 4
	sheet := image.NewRGBA(image.Rect(0, 0, cols*(size+gap)-gap, rows*(size+gap)-gap))
	mark := max(size/28, 3)
	for n, s := range samples {
		ox, oy := (n%cols)*(size+gap), (n/cols)*(size+gap)
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				v := s.Image[y*size+x]
				c := color.RGBA{v, v, v, 255}
				if overlay {
					switch s.Mask[y*size+x] {
					case ClassLeftLung, ClassRightLung:
						c.G = uint8(min(255, int(v)/2+110))
						c.R, c.B = v/2, v/2
					case ClassHeart:
						c.R = uint8(min(255, int(v)/2+120))
						c.G, c.B = v/2, v/2
					}
				}
				sheet.SetRGBA(ox+x, oy+y, c)
			}
		}
		for k, present := range s.Labels {
			c := color.RGBA{40, 40, 40, 255}
			if present {
				c = FindingColors[k]
			}
			for y := 2; y < 2+mark; y++ {
				for x := 0; x < mark; x++ {
					sheet.SetRGBA(ox+2+k*(mark+2)+x, oy+y, c)
				}
			}
		}
	}
	return sheet, nil
}

// WriteContactSheet writes ContactSheet(samples, cols, overlay) to path as PNG.
func WriteContactSheet(path string, samples []Sample, cols int, overlay bool) error {
	img, err := ContactSheet(samples, cols, overlay)
	if err != nil {
		return err
	}
	return writeImage(path, img)
}

func writeImage(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("phantom: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("phantom: encoding %s: %w", path, err)
	}
	return f.Close()
}
