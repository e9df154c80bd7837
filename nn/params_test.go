package nn

import (
	"strings"
	"testing"

	"github.com/gocx/gocx/tensor"
)

func TestParamsLoadAllOrNothing(t *testing.T) {
	var ps Params
	l := NewLinear(&ps, "fc", tensor.CPU, tensor.NewRNG(1), 3, 2, true, InitTruncNormal02)
	before := l.W.Value.Data()
	err := ps.Load(map[string][]float32{"fc.weight": make([]float32, 6), "extra": {1}})
	if err == nil || !strings.Contains(err.Error(), "fc.bias") || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("load with a missing and an unexpected entry: %v", err)
	}
	if got := l.W.Value.Data(); got[0] != before[0] {
		t.Fatal("a failed load changed the weights")
	}
	if err := ps.Load(map[string][]float32{"fc.weight": make([]float32, 5), "fc.bias": {0, 0}}); err == nil ||
		!strings.Contains(err.Error(), "wrongly shaped") {
		t.Fatalf("wrong size: %v", err)
	}
	vals := ps.Values()
	vals["fc.bias"] = []float32{7, 8}
	if err := ps.Load(vals); err != nil {
		t.Fatal(err)
	}
	if b := l.B.Value.Data(); b[0] != 7 || b[1] != 8 {
		t.Fatalf("bias %v after load", b)
	}
	if ps.Count() != 8 || len(ps.Names()) != 2 {
		t.Fatalf("count %d names %v", ps.Count(), ps.Names())
	}
}

func TestInitStatistics(t *testing.T) {
	var ps Params
	l := NewLinear(&ps, "fc", tensor.CPU, tensor.NewRNG(2), 400, 300, true, InitTruncNormal02)
	var s, ss float64
	w := l.W.Value.Data()
	for _, v := range w {
		s += float64(v)
		ss += float64(v) * float64(v)
	}
	n := float64(len(w))
	std := ss/n - (s/n)*(s/n)
	if std < 0.019*0.019 || std > 0.021*0.021 {
		t.Fatalf("trunc-normal(0.02) weights have variance %g", std)
	}
	for _, v := range l.B.Value.Data() {
		if v != 0 {
			t.Fatal("bias not zero")
		}
	}
	ln := NewLayerNorm(&ps, "ln", tensor.CPU, 4, 1e-6)
	if g := ln.W.Value.Data(); g[0] != 1 {
		t.Fatal("LayerNorm weight not one")
	}
}
