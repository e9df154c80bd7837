package eval

import (
	"fmt"
	"io"

	"github.com/gocx/gocx/cxformer/data"
	"github.com/gocx/gocx/cxformer/phantom"
)

// ImageSpecHelp describes the data specs OpenImages accepts.
const ImageSpecHelp = `pretraining data specs (KIND:ARG[,key=value...]); labels, where a data set has them, are not used:
  images:DIR             every PNG, JPEG and DICOM file under DIR, recursively
  phantom:N              N synthetic chest X-rays
  chexpert:TRAIN.CSV     the frontal images of a CheXpert CSV; root=DIR overrides the image root
  nih:ROOT               NIH ChestX-ray8; split=official leaves out the official test images
  rsna:ROOT              RSNA Pneumonia (DICOM)
  vindr:ROOT             VinDr-CXR, its train split
  folder:ROOT            the images listed in ROOT/labels.csv
  chexmask:CSV           the images of a CheXmask CSV; root=DIR is the image root`

// Images is an unlabelled image set for self-supervised pretraining.
type Images struct {
	Name   string
	Source data.ImageSource // full-resolution images, decoded on demand
}

// OpenImages reads a data spec (see ImageSpecHelp) for pretraining. Files
// are listed, not decoded: a data set of hundreds of thousands of images
// opens at once, and an image that turns out unreadable during training is
// skipped there (pretrain.Images). phantom:N draws its images at side
// phantomSize from seed.
func OpenImages(specStr string, phantomSize int, seed uint64) (*Images, error) {
	sp, err := parseSpec(specStr)
	if err != nil {
		return nil, err
	}
	var ds *data.Dataset
	switch sp.kind {
	case "phantom":
		n, err := phantomCount(sp)
		if err != nil {
			return nil, err
		}
		if phantomSize < phantom.MinSize {
			return nil, fmt.Errorf("dataset phantom: image side %d is below the phantoms' minimum %d", phantomSize, phantom.MinSize)
		}
		return &Images{Name: fmt.Sprintf("phantom:%d", n),
			Source: &phantomImages{n: n, seed: seed, size: phantomSize, cfg: phantom.DefaultConfig()}}, nil
	case "images":
		if err = sp.only(); err == nil {
			ds, err = data.ReadImages(sp.arg)
		}
	case "chexmask":
		if err = sp.only("root"); err == nil {
			ds, err = data.ReadCheXmask(sp.arg, data.CheXmaskOptions{ImageRoot: sp.opts["root"]})
		}
	case "chexpert", "nih", "rsna", "vindr", "folder":
		ds, _, err = readLabelled(sp) // the official test split stays out
	default:
		return nil, fmt.Errorf("unknown pretraining data kind %q\n%s", sp.kind, ImageSpecHelp)
	}
	if err != nil {
		return nil, err
	}
	if ds.Len() == 0 {
		return nil, fmt.Errorf("dataset %s: no images", specStr)
	}
	return &Images{Name: fmt.Sprintf("%s (%s)", specStr, ds.Name), Source: ds}, nil
}

// ID names image i: its data set's identifier (a path relative to the
// folder, a CheXpert path, an NIH file name…), or "phantom-i".
func (s *Images) ID(i int) string {
	if ds, ok := s.Source.(*data.Dataset); ok {
		return ds.Items[i].ID
	}
	return fmt.Sprintf("phantom-%d", i)
}

// DropUnreadable decodes every image once and leaves out those that fail,
// each reported to warn (nil: silent), for uses that must not meet a bad
// file half-way (feature extraction). Pretraining does without: it skips
// a bad image when it meets it. Generated images are never unreadable.
func (s *Images) DropUnreadable(warn io.Writer) error {
	ds, ok := s.Source.(*data.Dataset)
	if !ok {
		return nil
	}
	kept, err := dropUnreadable(ds, false, warn)
	if err != nil {
		return err
	}
	if kept.Len() == 0 {
		return fmt.Errorf("dataset %s: no readable image", s.Name)
	}
	s.Source = kept
	return nil
}
