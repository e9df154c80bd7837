// Package masking draws the iBOT patch masks of a DINOv2 training batch:
// the block-wise (BEiT-style) mask generator and the per-batch collate that
// stratifies mask ratios across the global crops.
//
// # Generator
//
// A [Generator] on an H×W patch grid masks up to n patches by repeatedly
// placing random rectangles. Each attempt draws
//
//	area   ~ U(min_patches, budget),   budget = min(n − count, max_patches)
//	aspect = exp(U(ln 0.3, ln(1/0.3)))
//	h = round(√(area·aspect)),  w = round(√(area/aspect))   (round half to even)
//
// and, if h < H and w < W (strict), a top-left corner uniformly in
// [0, H−h] × [0, W−w]; the rectangle is kept when it adds between 1 and
// budget new patches. Up to 10 attempts make one block; generation stops at
// n patches or when a block fails, so a mask never exceeds n. U(a, b) is
// a + (b−a)·u with u ~ U[0, 1) even when a > b (Python's random.uniform).
// DINOv2 builds it with max_patches = 0.5·S//P·S//P evaluated left to right
// for crop size S and patch size P ([MaxNumPatches]; 666 for 518/14).
//
// # Collate
//
// [Collate] masks floor(n·p) of the n global crops (p = 0.5): with
// probs = linspace(r_min, r_max, floor(n·p)+1) in float32, crop i gets
//
//	target_i = ⌊N·U(probs[i], probs[i+1])⌋,    upperbound = Σ_i ⌊N·probs[i+1]⌋,
//
// the other crops none, and the crops are shuffled. From the masks M (n×N),
// [IndicesAndWeights] gives the flat indices i·N + j of the masked patches
// in row-major order and, per masked patch, the weight 1/Σ_j M[i,j] of its
// crop (so every masked crop's weights sum to 1).
//
// All randomness comes from a [tensor.RNG], which is deterministic for a
// seed and serialisable, so a resumed run draws the same masks. The draws
// follow the reference's order (area, aspect, top, left; then the shuffle) but
// not Python's generator, so masks are statistically, not bitwise, equal to
// DINOv2's.
package masking
