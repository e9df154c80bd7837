package metrics_test

import (
	"fmt"

	"github.com/gocx/gocx/cxformer/metrics"
)

func ExampleAUROC() {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	labels := []bool{false, false, true, true}
	auc, _ := metrics.AUROC(scores, labels)
	ap, _ := metrics.AveragePrecision(scores, labels)
	fmt.Printf("AUROC %.2f AP %.2f\n", auc, ap)
	_, err := metrics.AUROC(scores, []bool{true, true, true, true})
	fmt.Println(err)
	// Output:
	// AUROC 0.75 AP 0.83
	// metrics.AUROC: only one class present in labels (4 positive, 0 negative): metric undefined
}

func ExampleBootstrap() {
	scores := []float64{0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.3}
	labels := []bool{false, false, true, true, true, false, true, false}
	auroc := func(idx []int) (float64, error) {
		s, y := make([]float64, len(idx)), make([]bool, len(idx))
		for k, i := range idx {
			s[k], y[k] = scores[i], labels[i]
		}
		return metrics.AUROC(s, y)
	}
	ci, _ := metrics.Bootstrap(len(scores), 500, 1, auroc)
	fmt.Println(ci.Used+ci.Skipped, ci.Lo <= ci.Median && ci.Median <= ci.Hi)
	// Output: 500 true
}

func ExampleDiceDataset() {
	// Two 2×2 images concatenated; classes 0 background, 1 lung, 2 heart.
	pred := []uint8{1, 1, 0, 2, 1, 0, 0, 2}
	truth := []uint8{1, 1, 0, 0, 1, 1, 0, 2}
	d := metrics.DiceDataset(pred, truth, 3)
	fmt.Printf("lung %.3f heart %.3f avg %.3f\n", d[1], d[2], metrics.MeanForeground(d))
	// Output: lung 0.857 heart 0.667 avg 0.762
}
