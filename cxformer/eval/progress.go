package eval

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar is a progress bar that does nothing when its writer is nil (tests,
// library use without a terminal).
type bar struct{ pb *progressbar.ProgressBar }

// newBar starts a bar of n steps on w (nil: silent).
func newBar(w io.Writer, n int, desc string) bar {
	if w == nil || n <= 0 {
		return bar{}
	}
	return bar{progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond))}
}

func (b bar) add(n int) {
	if b.pb != nil {
		_ = b.pb.Add(n)
	}
}

func (b bar) describe(desc string) {
	if b.pb != nil {
		b.pb.Describe(desc)
	}
}

func (b bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}
