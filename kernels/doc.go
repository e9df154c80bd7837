// Package kernels holds what the three kernel libraries share: the parameter
// types of the operators that take more than a handful of sizes, and the
// validation that turns a wrong size into a panic naming the operator.
//
// The libraries themselves live below it:
//
//	kernels/ref  float64 references, generic over float32|float64; the oracle of every test
//	kernels/cpu  float32 kernels: pure Go everywhere, AVX2+FMA assembly on amd64
//	kernels/gpu  WebGPU runtime and WGSL kernels
//
// Every kernel follows the same conventions (gonum's style): row-major
// contiguous data, sizes passed explicitly, the destination first, and the
// destination overwritten (never accumulated into) unless the name says Acc
// or the parameter block says Beta. CONTRACT.md lists every operator with
// its forward and backward math and the exact signature that ref, cpu and
// gpu all implement.
package kernels
