package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Plain-line pacing: a Bar prints when its loop passes another tenth, but
// not sooner than MinGap after its previous line (a loop of a few seconds
// says nothing until it ends), and at least every LogEvery while the loop
// advances (a slow run shows it is alive between tenths).
var (
	MinGap   = 5 * time.Second
	LogEvery = time.Minute
)

// Options shape a Bar. The zero value is a bar with a count and a time
// estimate.
type Options struct {
	Unit          string // what one step is ("step"); a terminal bar then also shows the rate
	Width         int    // terminal bar width in cells (0: the library's default)
	ClearOnFinish bool   // a terminal bar erases itself when done (plain lines are never erased)
	DescAtEnd     bool   // a terminal bar puts its description after the bar (long, changing descriptions)
}

// Bar reports progress on a loop of a fixed number of steps.
type Bar struct {
	total int
	desc  string

	w     io.Writer
	pb    *progressbar.ProgressBar // terminal: the animated bar; nil: plain lines
	clear bool                     // the terminal bar erases itself when done

	// Plain lines: the count, where the loop started, and what has been
	// reported.
	n     int
	n0    int
	moved bool // Set or Add was called

	t0       time.Time
	lastOut  time.Time
	lastTen  int // tenths of total already reported
	lines    int // plain lines printed
	printedN int // the count on the last line (-1: none yet)
	finished bool
}

// IsTerminal reports whether w is a terminal, the one place an animated bar
// belongs.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New starts a Bar of total steps on w, described by desc. It returns nil,
// a Bar that prints nothing, when w is nil or total is not positive.
func New(w io.Writer, total int, desc string, o Options) *Bar {
	if w == nil || total <= 0 {
		return nil
	}
	b := &Bar{total: total, desc: desc, w: w, clear: o.ClearOnFinish, printedN: -1}
	if !IsTerminal(w) {
		b.t0 = time.Now()
		b.lastOut = b.t0
		return b
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
	}
	if o.Unit != "" {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(o.Unit))
	}
	if o.Width > 0 {
		opts = append(opts, progressbar.OptionSetWidth(o.Width))
	}
	if o.ClearOnFinish {
		opts = append(opts, progressbar.OptionClearOnFinish())
	}
	if o.DescAtEnd {
		opts = append(opts, progressbar.OptionShowDescriptionAtLineEnd())
	}
	b.pb = progressbar.NewOptions(total, opts...)
	return b
}

// Add advances the bar by n steps.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.set(b.count() + n)
}

// Set moves the bar to step n. A first Set, before any Add, is where the
// loop starts (a resumed run starts part-way): the time estimates count
// only the steps from there.
func (b *Bar) Set(n int) {
	if b != nil && !b.moved {
		b.n0 = min(max(n, 0), b.total)
	}
	b.set(n)
}

func (b *Bar) set(n int) {
	switch {
	case b == nil:
	case b.pb != nil:
		_ = b.pb.Set(n)
	default:
		b.moved = true
		b.n = min(max(n, 0), b.total)
		ten := 10 * b.n / b.total
		now := time.Now()
		gap := now.Sub(b.lastOut)
		if ten > b.lastTen && gap >= MinGap || gap >= LogEvery {
			b.lastTen = max(b.lastTen, ten)
			b.line(now)
		}
	}
}

// Describe replaces the description shown with the count.
func (b *Bar) Describe(desc string) {
	if b == nil {
		return
	}
	b.desc = desc
	if b.pb != nil {
		b.pb.Describe(desc)
	}
}

// Finish ends the report: a terminal bar fills up and ends its line (or
// erases itself, with ClearOnFinish). A plain-line Bar prints where the loop
// stopped, which is short of the end when an error cut it, unless it just
// printed that line; with ClearOnFinish a loop that printed nothing before
// (a short one) stays silent. Later calls do nothing.
func (b *Bar) Finish() {
	switch {
	case b == nil || b.finished:
	case b.pb != nil:
		_ = b.pb.Finish()
		if !b.clear {
			fmt.Fprintln(b.w)
		}
	default:
		if b.printedN != b.n && (b.lines > 0 || !b.clear) {
			b.line(time.Now())
		}
	}
	if b != nil {
		b.finished = true
	}
}

// Abandon ends a terminal bar's line where it stands, so that an error
// message printed next starts on a line of its own. Plain lines need
// nothing.
func (b *Bar) Abandon() {
	if b != nil && b.pb != nil {
		_ = b.pb.Exit()
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) count() int {
	if b.pb != nil {
		return int(b.pb.State().CurrentNum)
	}
	return b.n
}

// line prints one plain progress line.
func (b *Bar) line(now time.Time) {
	b.lastOut = now
	b.lines++
	b.printedN = b.n
	el := now.Sub(b.t0)
	s := fmt.Sprintf("%s: %d/%d (%d%%) %s", b.desc, b.n, b.total, 100*b.n/b.total, roundDur(el))
	if done := b.n - b.n0; done > 0 && b.n < b.total {
		left := time.Duration(float64(el) * float64(b.total-b.n) / float64(done))
		s += ", about " + roundDur(left).String() + " left"
	}
	fmt.Fprintln(b.w, s)
}

// roundDur keeps durations readable: whole seconds, or tenths under ten
// seconds.
func roundDur(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
