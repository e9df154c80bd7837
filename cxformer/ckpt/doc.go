// Package ckpt maps checkpoints between the layouts DINOv2 models are
// published in, as pure data manipulation on [state.File] values:
//
//   - native DINOv2 keys (DinoVisionTransformer.state_dict: cls_token,
//     pos_embed, blocks.{i}.attn.qkv.weight, ...), the layout gocx uses;
//   - training checkpoints ({"teacher": {...}} with backbone./dino_head./
//     ibot_head. prefixes, DDP's module., chunked blocks.{c}.{i}.), brought
//     to the native layout by [NormalizeNative] and [SplitPrefix];
//   - Hugging Face Dinov2Model / Dinov2WithRegistersModel (config.json +
//     model.safetensors, the format of the released CXformer models), read
//     by [ReadHFConfig] and [FromHF] and written by [ToHF] and [WriteHF].
//
// [Validate] checks a state dict against [NativeShapes] and reports every
// missing, unexpected and wrongly shaped tensor at once, so that a loader
// never performs a silent partial load.
//
// Mapped arrays share their data with the input file (only the fused qkv
// projection is copied when it is concatenated or split).
package ckpt
