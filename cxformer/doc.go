// Package cxformer is the CXformer model family on the gocx engine: the
// DINOv2 vision transformer with register tokens (ViT), and — as the
// pretraining and evaluation issues land — the DINO and iBOT heads, their
// losses and centerings, the teacher EMA, the trainer, the linear probe and
// the segmentation head.
//
// The model follows the official DINOv2 modules exactly (see
// shared/spec/dinov2-cxformer.md §1): patch embedding 14×14, mask-token
// substitution before the position embedding, CLS prepended, position
// embedding added (interpolated in the training mode T or the Hugging Face
// mode E), register tokens inserted after it, pre-norm blocks with
// LayerScale, exact GELU and LayerNorm eps 1e-6, and a final LayerNorm.
// Parameter names are the DINOv2 state-dict names.
package cxformer
