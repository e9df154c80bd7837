package cpu

// Packing copies a block of op(A) or op(B) into the sliver layout the
// micro-kernels stream, absorbing the transpose flags and zero-padding the
// last sliver so that edge tiles need no special kernel.
//
// Two of the four cases are plain copies of contiguous runs (op(A) with
// TransA, op(B) without TransB). The other two transpose: a sliver gathers
// one value from each of mr (or nr) stored rows per step. Those run through
// packRowsTransposed, whose AVX2 core transposes 4×8 blocks in registers;
// done element by element they cost up to a fifth of a ViT-S GEMM.

// packA packs op(A)[i0:i0+rows, p0:p0+k] into mr-high slivers: element
// (i, p) of sliver s lands at dst[s·mr·k + p·mr + i]. A is stored at
// a[off:] with row stride lda; op(A)[i,p] = A[p,i] when trans.
func packA(dst, a []float32, off, lda int, trans bool, i0, p0, rows, k, mr int) {
	for s := 0; s < rows; s += mr {
		d := dst[s*k : (s+mr)*k]
		h := min(mr, rows-s)
		if trans {
			packRowsCopied(d, a[off+p0*lda+i0+s:], lda, h, k, mr)
		} else {
			packRowsTransposed(d, a[off+(i0+s)*lda+p0:], lda, h, k, mr)
		}
	}
}

// packB packs op(B)[p0:p0+k, j0:j0+cols] into nr-wide slivers: element
// (p, j) of sliver t lands at dst[t·nr·k + p·nr + j]. B is stored at b[off:]
// with row stride ldb; op(B)[p,j] = B[j,p] when trans.
func packB(dst, b []float32, off, ldb int, trans bool, p0, j0, k, cols, nr int) {
	for t := 0; t < cols; t += nr {
		d := dst[t*k : (t+nr)*k]
		w := min(nr, cols-t)
		if trans {
			packRowsTransposed(d, b[off+(j0+t)*ldb+p0:], ldb, w, k, nr)
		} else {
			packRowsCopied(d, b[off+p0*ldb+j0+t:], ldb, w, k, nr)
		}
	}
}

// packRowsCopied fills a sliver from k stored rows of which the first h
// values are used: d[p·width+i] = src[p·ld+i] for i < h, and 0 for
// h <= i < width.
func packRowsCopied(d, src []float32, ld, h, k, width int) {
	if h == width && packCopy(d, src, ld, k, width) {
		return
	}
	// Runs are short (width floats): an element loop beats a memmove call.
	for p := 0; p < k; p++ {
		dp := d[p*width : p*width+width]
		sp := src[p*ld : p*ld+h]
		for i, v := range sp {
			dp[i] = v
		}
		for i := h; i < width; i++ {
			dp[i] = 0
		}
	}
}

// packRowsTransposed fills a sliver from h stored rows of k values each:
// d[p·width+i] = src[i·ld+p] for i < h, and 0 for h <= i < width.
func packRowsTransposed(d, src []float32, ld, h, k, width int) {
	// Groups of four rows go through the assembly transpose, which covers
	// the columns below a multiple of 8 (k8); the rest is done here.
	asmRows, k8 := 0, 0
	for ; asmRows+4 <= h; asmRows += 4 {
		n := packTranspose4(d[asmRows:], src[asmRows*ld:], ld, k, width)
		if n == 0 {
			break
		}
		k8 = n
	}
	for i := 0; i < h; i++ {
		first := 0
		if i < asmRows {
			first = k8
		}
		row := src[i*ld+first : i*ld+k]
		for p, v := range row {
			d[(first+p)*width+i] = v
		}
	}
	for i := h; i < width; i++ {
		for p := 0; p < k; p++ {
			d[p*width+i] = 0
		}
	}
}
