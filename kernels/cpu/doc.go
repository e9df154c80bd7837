// Package cpu holds the float32 CPU kernels of gocx: the operators of
// ../CONTRACT.md on []float32, with the signatures of kernels/ref.
//
// # Kernel paths
//
// At start-up the package picks one path from the CPU's features
// (github.com/klauspost/cpuid/v2); Path names it and Features lists what
// was detected:
//
//	avx512   amd64 with AVX-512F (and AVX2+FMA): the GEMM runs a 12×32
//	         AVX-512 micro-kernel; the row kernels use AVX2+FMA
//	avx2fma  amd64 with AVX2 and FMA: a 4×24 AVX2 GEMM micro-kernel and the
//	         AVX2+FMA row kernels
//	generic  everything else (arm64, older x86): pure Go, same algorithms
//
// The environment variable GOCX_CPU caps the choice: GOCX_CPU=generic
// forces pure Go, GOCX_CPU=avx2fma keeps an AVX-512 machine on AVX2.
// Every kernel's tests run on each path the machine supports.
//
// # GEMM
//
// Gemm follows Goto and BLIS: op(B) is packed kc×nc panel by panel into
// NR-wide slivers, op(A) mc×kc block by block into MR-high slivers (the
// transposes are absorbed by the packing, and edges are zero-padded), and
// a register-blocked micro-kernel accumulates an MR×NR tile of C over kc
// steps in vector registers. Packing buffers are pooled, so steady-state
// calls do not allocate on one goroutine. Attention is built from Gemm and
// Softmax, one (batch, head) problem per task.
//
// # Fused attention
//
// FlashAttention computes the same function blockwise — 24 query rows
// against 96-key tiles, an online softmax (running max and sum rescaled
// per tile), P·V accumulated in place — so the BH×SQ×SK probabilities
// never exist; it saves the row log-sum-exp instead. FlashAttentionBackward
// recomputes P from it and uses rowsum(dP⊙P) = rowsum(dO⊙O). The tile
// products are one generated assembly kernel (flash_gen.go) on AVX-512
// and AVX2, with the same blocking in pure Go elsewhere.
//
// # Threading
//
// A kernel splits its work into at most Threads() goroutines (by default
// runtime.GOMAXPROCS(0); SetThreads changes it): GEMMs over batch entries
// and ranges of rows or columns of C, row-wise kernels over rows, attention
// over heads. Calls too small to repay a goroutine run on the caller's.
// Gemm splits only at micro-tile boundaries, so its results are the same,
// bit for bit, whatever the thread count.
package cpu
