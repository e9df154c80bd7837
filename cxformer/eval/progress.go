package eval

import (
	"io"

	"github.com/gocx/gocx/internal/progress"
)

// newBar starts a progress report of n steps on w (nil: silent): a bar that
// erases itself on a terminal, plain lines for slow loops elsewhere.
func newBar(w io.Writer, n int, desc string) *progress.Bar {
	return progress.New(w, n, desc, progress.Options{ClearOnFinish: true})
}
