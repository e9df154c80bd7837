// Package ref holds the reference implementation of every gocx operator:
// plain loops, generic over float32 and float64, written to be read next to
// the math. Tests instantiate it with float64 and compare the fast float32
// kernels of kernels/cpu and kernels/gpu against it; gradient checks run its
// forward functions under central finite differences.
//
// Nothing here is tuned. See ../CONTRACT.md for the list of operators,
// their signatures and the forward and backward equations.
package ref

// Float is the element type of the references.
type Float interface{ ~float32 | ~float64 }
