// Package demo is gocx's end-to-end run on the embedded default data, the
// synthetic chest X-ray phantoms: it pretrains a small CXformer with DINO +
// iBOT + KoLeo on unlabelled phantoms, linear-probes the teacher and the
// same architecture at random initialisation on labelled phantoms (per
// finding AUROC with bootstrap CIs), trains the linear segmentation head
// (lung and heart Dice), and writes report.md with PNG plots: loss curves,
// ROC curves, CLS attention maps and segmentation overlays.
//
// The pretraining and evaluation patients are drawn from different seeds,
// so no evaluated image was seen during pretraining.
package demo
