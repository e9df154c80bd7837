package ref

// NumericGrad returns the central finite-difference gradient of the scalar
// function f with respect to x:
//
//	grad[i] = (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h),
//
// whose error is O(h²) for smooth f. f must read x (it is usually a closure
// that runs a forward pass over x); NumericGrad perturbs x[i] in place and
// restores it exactly before moving on, so x is unchanged on return.
// Gradient checks across gocx (kernels, autograd) use it with float64 data
// and h around 1e-6…1e-4.
func NumericGrad(f func() float64, x []float64, h float64) []float64 {
	grad := make([]float64, len(x))
	for i := range x {
		orig := x[i]
		x[i] = orig + h
		fp := f()
		x[i] = orig - h
		fm := f()
		x[i] = orig
		grad[i] = (fp - fm) / (2 * h)
	}
	return grad
}
