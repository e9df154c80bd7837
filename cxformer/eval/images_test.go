package eval

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocx/gocx/cxformer/data"
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

// A wrong image root makes every file unreadable: the report names the
// first 20, then counts them all, and the readable image stays.
func TestDropUnreadableReportIsBounded(t *testing.T) {
	ds := &data.Dataset{Name: "wrong-root"}
	for i := range 25 {
		ds.Items = append(ds.Items, data.Item{ID: fmt.Sprint(i), Path: fmt.Sprintf("/nonexistent/%d.png", i)})
	}
	ds.Items = append(ds.Items, data.Item{ID: "ok", Path: fixtures + "images/gray8.png"})
	var warn strings.Builder
	kept, err := dropUnreadable(ds, false, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Len() != 1 || kept.Items[0].ID != "ok" || kept.Dropped != 25 {
		t.Fatalf("kept %d (dropped %d)", kept.Len(), kept.Dropped)
	}
	if n := strings.Count(warn.String(), "skipping unreadable image"); n != 20 || !strings.Contains(warn.String(), "skipped 25 unreadable of 26") {
		t.Errorf("%d per-image lines, want 20 and the count:\n%s", n, warn.String())
	}
}
