package progress

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// fast makes every tenth print at once, as if each step took long.
func fast(t *testing.T) {
	old := MinGap
	MinGap = 0
	t.Cleanup(func() { MinGap = old })
}

func TestPlainLinesEveryTenth(t *testing.T) {
	fast(t)
	var out bytes.Buffer
	b := New(&out, 100, "work", Options{Unit: "step"})
	if b.pb != nil {
		t.Fatal("a bytes.Buffer got the terminal bar")
	}
	for i := 0; i < 100; i++ {
		b.Describe(fmt.Sprintf("work %d", i))
		b.Add(1)
	}
	b.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want one per tenth (10):\n%s", len(lines), out.String())
	}
	if !strings.HasPrefix(lines[0], "work 9: 10/100 (10%)") || !strings.Contains(lines[0], "left") {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.HasPrefix(lines[9], "work 99: 100/100 (100%)") || strings.Contains(lines[9], "left") {
		t.Errorf("last line %q", lines[9])
	}
}

func TestFinishReportsWhereTheLoopStopped(t *testing.T) {
	fast(t)
	var out bytes.Buffer
	b := New(&out, 7, "cut", Options{})
	b.Set(3) // 4/10 of the way: one line
	b.Add(1) // 5/10: another
	b.Add(1)
	b.Finish() // an error stopped the loop at 5 of 7
	b.Finish()
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 3 || !strings.HasPrefix(got[0], "cut: 3/7 (42%)") || !strings.HasPrefix(got[2], "cut: 5/7 (71%)") {
		t.Fatalf("got %q", got)
	}
}

func TestSetClampsAndResumes(t *testing.T) {
	fast(t)
	var out bytes.Buffer
	b := New(&out, 10, "resume", Options{})
	b.Set(5) // a resumed run starts part-way
	b.Set(-3)
	b.Add(50)
	if b.n != 10 {
		t.Fatalf("count %d after overshoot, want 10", b.n)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Fatalf("%d lines, want 2:\n%s", n, out.String())
	}
}

func TestLogEveryKeepsSlowLoopsVisible(t *testing.T) {
	defer func(d time.Duration) { LogEvery = d }(LogEvery)
	LogEvery = 0 // every update is "a minute later"
	var out bytes.Buffer
	b := New(&out, 1000, "slow", Options{})
	b.Add(1)
	b.Add(1)
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Fatalf("%d lines, want 2 (each update past LogEvery):\n%s", n, out.String())
	}
}

func TestShortLoopsPrintOnlyTheirEnd(t *testing.T) {
	var out bytes.Buffer // MinGap as shipped: this loop takes far less
	b := New(&out, 50, "quick", Options{})
	for range 50 {
		b.Add(1)
	}
	b.Finish()
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); len(got) != 1 || !strings.HasPrefix(got[0], "quick: 50/50 (100%)") {
		t.Fatalf("got %q, want only the end", got)
	}
	out.Reset()
	b = New(&out, 50, "inner", Options{ClearOnFinish: true})
	b.Add(50)
	b.Finish()
	if out.Len() != 0 {
		t.Fatalf("a short ClearOnFinish loop printed %q", out.String())
	}
}

func TestNilIsSilent(t *testing.T) {
	for _, b := range []*Bar{nil, New(nil, 10, "x", Options{}), New(&bytes.Buffer{}, 0, "x", Options{})} {
		if b != nil {
			t.Fatalf("New gave a live bar for a nil writer or an empty loop")
		}
		b.Add(1)
		b.Set(2)
		b.Describe("y")
		b.Finish()
		b.Abandon()
	}
}

func TestFilesThatAreNotTerminals(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Fatal("a regular file reported as a terminal")
	}
	if b := New(f, 3, "file", Options{}); b.pb != nil {
		t.Fatal("a regular file got the terminal bar")
	}
}

// A loop reports through a Bar; written to a log (not a terminal) that
// gives one line per tenth of the loop.
func Example() {
	MinGap = 0 // report every tenth at once; a real loop's lines come at least MinGap apart
	defer func() { MinGap = 5 * time.Second }()
	var log strings.Builder
	bar := New(&log, 4, "epochs", Options{Unit: "epoch"})
	for range 4 {
		bar.Add(1)
	}
	bar.Finish()
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		fmt.Println(l[:strings.Index(l, ")")+1]) // drop the times, which vary
	}
	// Output:
	// epochs: 1/4 (25%)
	// epochs: 2/4 (50%)
	// epochs: 3/4 (75%)
	// epochs: 4/4 (100%)
}
