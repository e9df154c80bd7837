// Package data turns chest X-ray files into the tensors that CXformer trains on.
//
// It has four layers, each usable on its own:
//
//   - Decoding (Decode, DecodeFile, DecodeDICOM): PNG (8/16-bit gray, RGB and palette
//     images converted to luminance the way Pillow's convert("L") does), JPEG and DICOM
//     (modality rescale, VOI window, MONOCHROME1 inversion, signed/unsigned 8-16 bit data)
//     into an 8-bit Gray image. Wide-range images pass through a float GrayF intermediate.
//   - Preprocessing and augmentation primitives on 8-bit planes, each reproducing the
//     torchvision/Pillow behaviour the reference pipeline runs on PIL images (spec §6.1,
//     §6.3): EqualizeHist (OpenCV equalizeHist), ResizeBicubic (Pillow's antialiased
//     bicubic), RandomResizedCrop, HFlip, RandomAffine (Pillow's nearest affine in 16.16
//     fixed point), ColorJitter (Pillow ImageEnhance), GaussianBlur (torchvision, kernel 9),
//     Solarize and the ImageNet normalisation to three float32 planes.
//   - MultiCrop: the DINOv2/CXformer multi-crop augmentation of spec §6.2 (two global
//     crops, eight local crops, the effective blur probabilities 0 / 0.9 / 0.5, solarise on
//     global crop 2 only, affine on global crops only), split into Plan (all random draws,
//     deterministic for a SampleKey) and Render (the pixel work). The downstream
//     transforms of spec §9.3/§9.4 (ClassifyTrain, ClassifyEval, SegmentEval) reuse the
//     same primitives.
//   - Dataset readers for the public layouts (CheXpert, NIH ChestX-ray8/14, RSNA
//     Pneumonia, VinDr-CXR, CheXmask, and a plain folder with labels.csv) returning a
//     common Dataset of Items, and a parallel Loader that decodes and augments on all
//     cores and emits crop-major multi-crop batches (spec §3.1) in a deterministic order.
//
// Malformed input: decoders and readers return errors naming the file (and the row, column
// or DICOM element) rather than panicking; sizes that headers or CSVs claim are checked
// before anything is allocated for them (at most MaxImagePixels pixels, DICOM value
// lengths within the file), and panics inside the DICOM parser become errors. Fuzz
// targets in fuzz_test.go exercise every reader.
//
// Randomness: every random draw comes from an RNG derived from (seed, epoch, image index,
// crop index), so results do not depend on goroutine scheduling. The draws cannot match
// PyTorch's generator; what matches the reference is the distribution of every parameter
// and the resampling, rounding and fill semantics of every operation.
package data
