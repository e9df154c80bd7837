package eval

import (
	"strings"
	"testing"
)

// OpenImages lists the images of every kind it knows without decoding
// them (a corrupt file is listed, to be skipped in training) and names the
// spec in its errors.
func TestOpenImages(t *testing.T) {
	for _, c := range []struct {
		spec string
		n    int
	}{
		{"images:" + fixtures + "images", 8}, // every PNG and JPEG, corrupt.png included; not garbage.bin
		{"folder:" + fixtures + "folder", 4},
		{"chexpert:" + fixtures + "chexpert/CheXpert-v1.0-small/train.csv", -1},
		{"phantom:12", 12},
	} {
		set, err := OpenImages(c.spec, 64, 1)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		if n := set.Source.Len(); (c.n >= 0 && n != c.n) || n == 0 {
			t.Errorf("%s: %d images, want %d", c.spec, n, c.n)
		}
		if !strings.Contains(set.Name, strings.SplitN(c.spec, ":", 2)[0]) {
			t.Errorf("%s: name %q", c.spec, set.Name)
		}
	}
	img, err := mustOpen(t, "phantom:12").Source.Image(3)
	if err != nil || img.W != 64 || img.H != 64 {
		t.Fatalf("phantom image: %v %+v", err, img)
	}
	for _, c := range []struct{ spec, want string }{
		{"mnist:/data", `unknown pretraining data kind "mnist"`},
		{"images:" + fixtures + "nothing-here", "nothing-here"},
		{"images:" + fixtures + "images,x=1", `unknown option "x"`},
		{"phantom:3", "≥ 10"},
		{"justapath", "KIND:ARG"},
	} {
		if _, err := OpenImages(c.spec, 64, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", c.spec, err, c.want)
		}
	}
	if _, err := OpenImages("phantom:12", 8, 1); err == nil {
		t.Error("phantoms of 8 px accepted")
	}
}

func mustOpen(t *testing.T, spec string) *Images {
	t.Helper()
	set, err := OpenImages(spec, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
