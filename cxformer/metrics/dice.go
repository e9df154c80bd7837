package metrics

import (
	"fmt"
	"math"
)

// DiceStats accumulates, per class, the pixel counts that Dice needs:
// Inter[c] = Σ (P_c ∧ G_c), Pred[c] = Σ P_c and Truth[c] = Σ G_c, where P_c
// and G_c indicate that a pixel is of class c in the prediction and in the
// ground truth. Counting per image and adding the counts of chosen images
// gives the dataset-level Dice of any subset (for Bootstrap) without
// revisiting pixels.
type DiceStats struct {
	Inter, Pred, Truth []int64
}

// CountDice counts the pixels of two class maps of equal length (any number
// of images concatenated). It panics, naming the sizes, if the lengths differ
// or a value is not below classes.
func CountDice(pred, truth []uint8, classes int) DiceStats {
	if len(pred) != len(truth) {
		panic(fmt.Sprintf("metrics.CountDice: %d predicted pixels but %d ground-truth pixels", len(pred), len(truth)))
	}
	if classes < 1 || classes > 256 {
		panic(fmt.Sprintf("metrics.CountDice: classes = %d, want 1..256", classes))
	}
	s := NewDiceStats(classes)
	for i, p := range pred {
		g := truth[i]
		if int(p) >= classes || int(g) >= classes {
			panic(fmt.Sprintf("metrics.CountDice: pixel %d has classes pred=%d truth=%d, want < %d", i, p, g, classes))
		}
		s.Pred[p]++
		s.Truth[g]++
		if p == g {
			s.Inter[p]++
		}
	}
	return s
}

// NewDiceStats returns zero counts for classes classes.
func NewDiceStats(classes int) DiceStats {
	return DiceStats{Inter: make([]int64, classes), Pred: make([]int64, classes), Truth: make([]int64, classes)}
}

// Add accumulates o into s; both must have the same number of classes.
func (s DiceStats) Add(o DiceStats) {
	if len(o.Inter) != len(s.Inter) {
		panic(fmt.Sprintf("metrics.DiceStats.Add: %d classes into %d", len(o.Inter), len(s.Inter)))
	}
	for c := range s.Inter {
		s.Inter[c] += o.Inter[c]
		s.Pred[c] += o.Pred[c]
		s.Truth[c] += o.Truth[c]
	}
}

// Dice returns 2·Inter/(Pred+Truth) per class, 1 for a class absent from
// both prediction and ground truth. Index c is class c; index 0 (the
// background) is computed the same way but is not part of the spec's
// average (see MeanForeground).
func (s DiceStats) Dice() []float64 {
	d := make([]float64, len(s.Inter))
	for c := range d {
		den := s.Pred[c] + s.Truth[c]
		if den == 0 {
			d[c] = 1
			continue
		}
		d[c] = 2 * float64(s.Inter[c]) / float64(den)
	}
	return d
}

// DiceUnion returns the dataset-level Dice of the union of the listed
// classes, treated as one structure (for example both lungs, classes 1 and 2,
// as "lung"): a pixel is positive in a map when its class is in the set. It
// panics if the lengths differ.
func DiceUnion(pred, truth []uint8, set ...uint8) float64 {
	if len(pred) != len(truth) {
		panic(fmt.Sprintf("metrics.DiceUnion: %d predicted pixels but %d ground-truth pixels", len(pred), len(truth)))
	}
	var in [256]bool
	for _, c := range set {
		in[c] = true
	}
	var inter, p, g int64
	for i := range pred {
		a, b := in[pred[i]], in[truth[i]]
		if a {
			p++
		}
		if b {
			g++
		}
		if a && b {
			inter++
		}
	}
	if p+g == 0 {
		return 1
	}
	return 2 * float64(inter) / float64(p+g)
}

// DiceDataset returns the dataset-level Dice of spec §9.5 for every class:
// d[c] = 2·Σ(P_c ∧ G_c) / (ΣP_c + ΣG_c), the sums running over all pixels of
// all images (pred and truth are class maps of the images concatenated), and
// 1 when class c is absent from both. len(d) == classes; d[0] is the
// background. It panics on mismatched lengths or out-of-range classes.
func DiceDataset(pred, truth []uint8, classes int) []float64 {
	return CountDice(pred, truth, classes).Dice()
}

// MeanForeground returns the mean of d[1:], the spec's dice_avg over the
// non-background classes (NaN if there are none).
func MeanForeground(d []float64) float64 {
	if len(d) < 2 {
		return math.NaN()
	}
	var s float64
	for _, v := range d[1:] {
		s += v
	}
	return s / float64(len(d)-1)
}
