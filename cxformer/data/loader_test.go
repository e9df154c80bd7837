package data

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// memSource is an in-memory ImageSource whose listed indices fail to decode and whose
// images take a varying time, to shuffle worker completion order.
type memSource struct {
	imgs  []*Gray
	bad   map[int]bool
	calls atomic.Int64
}

func (m *memSource) Len() int { return len(m.imgs) }

func (m *memSource) Image(i int) (*Gray, error) {
	m.calls.Add(1)
	if m.bad[i] {
		return nil, fmt.Errorf("image %d is corrupt", i)
	}
	time.Sleep(time.Duration((i*7919)%5) * 200 * time.Microsecond)
	return m.imgs[i], nil
}

func newMemSource(n int, bad ...int) *memSource {
	s := &memSource{bad: map[int]bool{}}
	for i := range n {
		s.imgs = append(s.imgs, synthGray(40+i%7*5, 36+i%3*9, uint64(i)))
	}
	for _, b := range bad {
		s.bad[b] = true
	}
	return s
}

func collect(t *testing.T, l *Loader, epoch int) []*Batch {
	t.Helper()
	var out []*Batch
	for b, err := range l.Epoch(context.Background(), epoch) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	m := smallMultiCrop(t)
	src := newMemSource(11)
	var runs [][]*Batch
	for _, workers := range []int{1, 3, 8} {
		l, err := NewLoader(src, m, LoaderConfig{BatchSize: 4, Workers: workers, Prefetch: 1, Shuffle: true, Seed: 42, Equalize: true})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, collect(t, l, 3))
	}
	for r := 1; r < len(runs); r++ {
		if len(runs[r]) != len(runs[0]) {
			t.Fatalf("run %d: %d batches, want %d", r, len(runs[r]), len(runs[0]))
		}
		for i := range runs[0] {
			a, b := runs[0][i], runs[r][i]
			if !slices.Equal(a.Indices, b.Indices) || !slices.Equal(a.Global, b.Global) || !slices.Equal(a.Local, b.Local) {
				t.Fatalf("batch %d differs between worker counts", i)
			}
		}
	}
	sizes := []int{}
	for _, b := range runs[0] {
		sizes = append(sizes, b.B)
	}
	if !slices.Equal(sizes, []int{4, 4, 3}) {
		t.Fatalf("batch sizes %v", sizes)
	}
	l, _ := NewLoader(src, m, LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 42})
	order := l.Order(3)
	var seen []int
	for _, b := range runs[0] {
		seen = append(seen, b.Indices...)
	}
	if !slices.Equal(seen, order) {
		t.Fatalf("batches visit %v, order is %v", seen, order)
	}
	if slices.Equal(l.Order(3), l.Order(4)) {
		t.Fatal("shuffle order does not change with the epoch")
	}
}

// TestLoaderLayout checks the crop-major layout against MultiCrop.Apply on each image.
func TestLoaderLayout(t *testing.T) {
	m := smallMultiCrop(t)
	src := newMemSource(5)
	l, _ := NewLoader(src, m, LoaderConfig{BatchSize: 3, Workers: 2, Seed: 9, Equalize: true})
	batches := collect(t, l, 1)
	gLen, lLen := 3*56*56, 3*28*28
	for _, b := range batches {
		if len(b.Global) != 2*b.B*gLen || len(b.Local) != 4*b.B*lLen {
			t.Fatalf("batch tensors %d/%d for B=%d", len(b.Global), len(b.Local), b.B)
		}
		for slot, idx := range b.Indices {
			v, err := m.Apply(EqualizeHist(src.imgs[idx]), SampleKey{Seed: 9, Epoch: 1, Index: idx})
			if err != nil {
				t.Fatal(err)
			}
			for c := range 2 {
				row := b.Global[(c*b.B+slot)*gLen : (c*b.B+slot+1)*gLen]
				if !slices.Equal(row, v.Global[c]) {
					t.Fatalf("image %d global crop %d not at row %d", idx, c, c*b.B+slot)
				}
			}
			for c := range 4 {
				row := b.Local[(c*b.B+slot)*lLen : (c*b.B+slot+1)*lLen]
				if !slices.Equal(row, v.Local[c]) {
					t.Fatalf("image %d local crop %d not at row %d", idx, c, c*b.B+slot)
				}
			}
		}
	}
}

func TestLoaderSkipsAndStrict(t *testing.T) {
	m := smallMultiCrop(t)
	src := newMemSource(9, 2, 5)
	var warned []error
	l, _ := NewLoader(src, m, LoaderConfig{BatchSize: 3, Workers: 3, Warn: func(err error) { warned = append(warned, err) }})
	var idx []int
	for _, b := range collect(t, l, 0) {
		idx = append(idx, b.Indices...)
		if b.B != 3 && b.B != 1 {
			t.Fatalf("batch of %d", b.B)
		}
	}
	if !slices.Equal(idx, []int{0, 1, 3, 4, 6, 7, 8}) || l.Skipped() != 2 || len(warned) != 2 {
		t.Fatalf("indices %v, skipped %d, warnings %v", idx, l.Skipped(), warned)
	}
	dl, _ := NewLoader(src, m, LoaderConfig{BatchSize: 3, DropLast: true, Warn: func(error) {}})
	if bs := collect(t, dl, 0); len(bs) != 2 {
		t.Fatalf("DropLast: %d batches", len(bs))
	}
	strict, _ := NewLoader(src, m, LoaderConfig{BatchSize: 2, Workers: 2, Strict: true})
	var got []*Batch
	var gotErr error
	for b, err := range strict.Epoch(context.Background(), 0) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, b)
	}
	if gotErr == nil || len(got) != 1 {
		t.Fatalf("strict: %d batches, err %v", len(got), gotErr)
	}
}

func TestLoaderOnFolderFixture(t *testing.T) {
	ds, err := ReadFolder(fixture("folder"))
	if err != nil {
		t.Fatal(err)
	}
	c := CXformerMultiCrop()
	c.GlobalSize, c.LocalSize, c.NumLocal = 28, 14, 2
	m, _ := NewMultiCrop(c)
	var warnings int
	l, _ := NewLoader(ds, m, LoaderConfig{BatchSize: 8, Equalize: true, Warn: func(error) { warnings++ }})
	bs := collect(t, l, 0)
	if len(bs) != 1 || bs[0].B != 3 || warnings != 1 || l.Skipped() != 1 {
		t.Fatalf("%d batches, warnings %d, skipped %d", len(bs), warnings, l.Skipped())
	}
	strict, _ := NewLoader(ds, m, LoaderConfig{BatchSize: 8, Strict: true})
	for _, err := range strict.Epoch(context.Background(), 0) {
		if err == nil {
			t.Fatal("strict loader produced a batch despite c.png")
		}
		break
	}
}

func TestLoaderStopsCleanly(t *testing.T) {
	m := smallMultiCrop(t)
	src := newMemSource(40)
	before := runtime.NumGoroutine()
	l, _ := NewLoader(src, m, LoaderConfig{BatchSize: 2, Workers: 4, Prefetch: 1})
	for b, err := range l.Epoch(context.Background(), 0) {
		if err != nil || b == nil {
			t.Fatal(err)
		}
		break
	}
	if calls := src.calls.Load(); calls > int64(2+1*2+4+4) {
		t.Errorf("decoded %d images for one batch: prefetch not bounded", calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var lastErr error
	for _, err := range l.Epoch(ctx, 1) {
		if err != nil {
			lastErr = err
			break
		}
		n++
		if n == 2 {
			cancel()
		}
	}
	// After cancel only batches already rendered (at most one prefetch window) may arrive.
	if !errors.Is(lastErr, context.Canceled) || n > 2+(1*2+4)/2 {
		t.Errorf("cancel: %d batches, err %v; want context.Canceled soon after batch 2", n, lastErr)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines after the epochs ended, %d before", g, before)
	}
	if _, err := NewLoader(src, m, LoaderConfig{}); err == nil {
		t.Error("zero batch size accepted")
	}
}

func TestLoaderReleaseReusesBuffers(t *testing.T) {
	m := smallMultiCrop(t)
	src := newMemSource(8)
	l, _ := NewLoader(src, m, LoaderConfig{BatchSize: 4, Workers: 2, Seed: 1})
	ref := collect(t, l, 0)
	var again []*Batch
	for b, err := range l.Epoch(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		c := &Batch{Indices: slices.Clone(b.Indices), Global: slices.Clone(b.Global), Local: slices.Clone(b.Local)}
		again = append(again, c)
		l.Release(b)
	}
	for i := range ref {
		if !slices.Equal(ref[i].Global, again[i].Global) || !slices.Equal(ref[i].Local, again[i].Local) {
			t.Fatalf("batch %d changed when buffers were recycled", i)
		}
	}
}
