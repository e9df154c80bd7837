package eval

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/gocx/gocx/cxformer/data"
)

// maxUnreadableShown bounds the per-image warnings of dropUnreadable: a
// wrong image root makes every image unreadable, and the count that ends
// the report says how many there were.
const maxUnreadableShown = 20

// dropUnreadable decodes every image of ds once (on all cores) and returns
// the dataset without those that cannot be read. The first
// maxUnreadableShown skipped images are reported to warn with the
// decoder's error (which names the file), then their count; all are
// counted in Dataset.Dropped. With strict, the first unreadable image is
// an error instead and nothing is skipped.
func dropUnreadable(ds *data.Dataset, strict bool, warn io.Writer) (*data.Dataset, error) {
	if ds == nil {
		return nil, nil
	}
	bad := make([]error, ds.Len())
	var nBad atomic.Int64
	err := parallel(ds.Len(), func(i int) error {
		if _, err := ds.Image(i); err != nil {
			bad[i] = err
			nBad.Add(1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if nBad.Load() == 0 {
		return ds, nil
	}
	out := *ds
	out.Items = nil
	shown := 0
	for i, it := range ds.Items {
		if bad[i] == nil {
			out.Items = append(out.Items, it)
			continue
		}
		if strict {
			return nil, fmt.Errorf("dataset %s: unreadable image (strict mode): %w", ds.Name, bad[i])
		}
		if warn != nil && shown < maxUnreadableShown {
			fmt.Fprintf(warn, "warning: skipping unreadable image: %v\n", bad[i])
			shown++
		}
	}
	out.Dropped += int(nBad.Load())
	if warn != nil {
		fmt.Fprintf(warn, "warning: dataset %s: skipped %d unreadable of %d images\n", ds.Name, nBad.Load(), ds.Len())
	}
	return &out, nil
}
