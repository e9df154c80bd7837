package tensor

import "fmt"

// Resample2D resamples a grid of channel vectors: src is (inH·inW, ch)
// (rows in row-major grid order), wy is (outH, inH) and wx (outW, inW),
// and the result (outH·outW, ch) is Wy·src·Wxᵀ per channel. With the
// matrices of ref.BicubicMatrix or ref.AntialiasBicubicMatrix this is the
// position-embedding interpolation of DINOv2.
func Resample2D(src, wy, wx *Tensor, inH, inW, outH, outW int) *Tensor {
	const op = "tensor.Resample2D"
	be := sameDevice(op, src, wy, wx)
	ch := checkResample(op, src, wy, wx, inH, inW, outH, outW)
	dst := newTensor(op, src.st.dev, []int{outH * outW, ch})
	be.resample2D(dst.st, src.st, wy.st, wx.st, inH, inW, outH, outW, ch)
	return dst
}

// Resample2DAdjoint returns Wyᵀ·ddst·Wx per channel: the gradient of src.
func Resample2DAdjoint(ddst, wy, wx *Tensor, inH, inW, outH, outW int) *Tensor {
	const op = "tensor.Resample2DAdjoint"
	be := sameDevice(op, ddst, wy, wx)
	if ddst.Rank() != 2 || ddst.Dim(0) != outH*outW {
		panic(fmt.Sprintf("%s: ddst %s is not (%d·%d, ch)", op, ShapeString(ddst.shape), outH, outW))
	}
	ch := ddst.Dim(1)
	mustShape(op, "wy", wy, outH, inH)
	mustShape(op, "wx", wx, outW, inW)
	dsrc := newTensor(op, ddst.st.dev, []int{inH * inW, ch})
	be.resample2DAdjoint(dsrc.st, ddst.st, wy.st, wx.st, inH, inW, outH, outW, ch)
	return dsrc
}

func checkResample(op string, src, wy, wx *Tensor, inH, inW, outH, outW int) int {
	if src.Rank() != 2 || src.Dim(0) != inH*inW {
		panic(fmt.Sprintf("%s: src %s is not (%d·%d, ch)", op, ShapeString(src.shape), inH, inW))
	}
	mustShape(op, "wy", wy, outH, inH)
	mustShape(op, "wx", wx, outW, inW)
	return src.Dim(1)
}
