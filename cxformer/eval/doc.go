// Package eval runs the downstream protocols of CXformer (spec §9) on a
// gocx ViT: the frozen-backbone linear probe, full fine-tuning for
// multi-label classification and the linear segmentation head, with the
// metrics of spec §9.5 (per-class and macro AUROC and AUPRC, dataset-level
// Dice) and 95% bootstrap intervals over the test images.
//
// # Features (spec §9.1)
//
// [Features] computes, per image, the linear-probe feature of DINOv2's
// create_linear_input with CXformer's settings (n = 4, avgpool):
//
//	f = [cls_{L-n+1}, …, cls_L, mean_p patch_L,p]     ((n+1)·D values)
//
// where every token is the output of a block passed through the final
// LayerNorm and the mean runs over the patch tokens only (CLS and
// registers excluded). [FineTune] builds the same feature on the autograd
// tape so that gradients reach the backbone.
//
// # Protocols
//
//   - [LinearProbe] trains one Linear(F → C) per learning rate of the grid
//     {1e-5 … 0.1} simultaneously on cached features (CXformer's
//     linear_cxr: AdamW, weight decay 0, cosine decay to 0, multi-label
//     BCE with missing labels masked, weights N(0, 0.01²), bias 0), picks
//     the learning rate with the best validation macro AUROC and reports
//     it on the test set.
//   - [FineTune] trains the whole backbone and a Linear((n+1)·D → C) head
//     with separate learning rates (5e-7 and 5e-5), AdamW with weight
//     decay 0, a constant learning rate and global gradient-norm clipping
//     at 1.0, keeps the epoch with the best validation macro AUROC and
//     reports it on the test set.
//   - [TrainSegHead] trains a 1×1 convolution (Linear(D → C)) on the last
//     block's final-normed patch tokens of a frozen backbone, upsampled
//     bilinearly (align_corners = false) to the image, with the loss
//     0.5·CE + 0.5·(1 − soft Dice) of spec §9.4, and reports Dice.
//
// Where the released CXformer scripts differ from the paper (spec §9.7),
// the paper's intent is implemented: the feature uses the CLS token (not
// the first patch token) and the pooled patch mean leaves out the CLS
// token and the registers. The linear probe trains on cached features of
// the evaluation transform (linear_cxr recomputes augmented features every
// epoch), and the segmentation head trains on cached features without
// augmentation; both are what makes the protocols affordable on a CPU.
//
// # Data
//
// Images come from a [Source] (normalised 3×S×S tensors; [Pixels] holds
// them in memory, [Decoded] decodes and preprocesses a data.ImageSource on
// all cores) and segmentation pairs from a [SegSource]. [OpenClassification]
// and [OpenSegmentation] turn a dataset spec such as "chexpert:/data/train.csv"
// or "phantom:600" into train/validation/test splits; [OpenImages] turns one
// (or "images:DIR", a folder of files) into the unlabelled image set of
// pretraining and of cxformer embed --data.
//
// # Determinism
//
// Every random choice (initialisation, batch order, augmentation, splits,
// bootstrap resamples) derives from a seed in the configuration, so a run
// is repeatable on one device; nothing depends on goroutine scheduling.
package eval
