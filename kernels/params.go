package kernels

import "fmt"

// Gemm describes C = Alpha*op(A)*op(B) + Beta*C, repeated over Batch
// matrices, where op(A) is M×K and op(B) is K×N.
//
// A is stored M×K row-major, or K×M when TransA (so op(A)=Aᵀ); B is stored
// K×N, or N×K when TransB. LDA, LDB and LDC are the row strides of the stored
// matrices; zero means packed (the stored row length). StrideA, StrideB and
// StrideC are the element distances between consecutive matrices of a
// batch; zero means packed (rows×LD). A zero stride for A or B is the same
// matrix for every batch only when SharedA / SharedB is set.
//
// Backward: with dC the gradient of C (no transposes), dA = dC·Bᵀ and
// dB = Aᵀ·dC, i.e. two more Gemm calls with the transpose flags flipped;
// there is no separate backward kernel.
type Gemm struct {
	TransA, TransB   bool
	M, N, K          int
	Alpha, Beta      float64
	LDA, LDB, LDC    int
	Batch            int // 0 is read as 1
	StrideA, StrideB int
	StrideC          int
	SharedA, SharedB bool // the same A (or B) for every batch entry
}

// Resolved returns a copy with every defaulted field filled in.
func (g Gemm) Resolved() Gemm {
	if g.Batch == 0 {
		g.Batch = 1
	}
	ar, ac := g.M, g.K
	if g.TransA {
		ar, ac = g.K, g.M
	}
	br, bc := g.K, g.N
	if g.TransB {
		br, bc = g.N, g.K
	}
	if g.LDA == 0 {
		g.LDA = ac
	}
	if g.LDB == 0 {
		g.LDB = bc
	}
	if g.LDC == 0 {
		g.LDC = g.N
	}
	if g.StrideA == 0 && !g.SharedA {
		g.StrideA = ar * g.LDA
	}
	if g.StrideB == 0 && !g.SharedB {
		g.StrideB = br * g.LDB
	}
	if g.StrideC == 0 {
		g.StrideC = g.M * g.LDC
	}
	return g
}

// Need returns the minimum lengths of A, B and C for a resolved Gemm.
func (g Gemm) Need() (la, lb, lc int) {
	ar, ac := g.M, g.K
	if g.TransA {
		ar, ac = g.K, g.M
	}
	br, bc := g.K, g.N
	if g.TransB {
		br, bc = g.N, g.K
	}
	span := func(rows, cols, ld, stride int) int {
		if rows == 0 || cols == 0 {
			return 0
		}
		return (g.Batch-1)*stride + (rows-1)*ld + cols
	}
	return span(ar, ac, g.LDA, g.StrideA), span(br, bc, g.LDB, g.StrideB), span(g.M, g.N, g.LDC, g.StrideC)
}

// Check resolves g and panics, naming op, when a size is negative, a
// leading dimension is shorter than its row, or a slice is too short.
func (g Gemm) Check(op string, lenA, lenB, lenC int) Gemm {
	r := g.Resolved()
	if r.M < 0 || r.N < 0 || r.K < 0 || r.Batch < 0 {
		panic(fmt.Sprintf("%s: negative size M=%d N=%d K=%d batch=%d", op, r.M, r.N, r.K, r.Batch))
	}
	ac, bc := r.K, r.N
	if r.TransA {
		ac = r.M
	}
	if r.TransB {
		bc = r.K
	}
	if r.LDA < ac || r.LDB < bc || r.LDC < r.N {
		panic(fmt.Sprintf("%s: leading dimension too small: LDA=%d (row %d) LDB=%d (row %d) LDC=%d (row %d)",
			op, r.LDA, ac, r.LDB, bc, r.LDC, r.N))
	}
	la, lb, lc := r.Need()
	if lenA < la || lenB < lb || lenC < lc {
		panic(fmt.Sprintf("%s: slices too short for M=%d N=%d K=%d batch=%d: len(A)=%d need %d, len(B)=%d need %d, len(C)=%d need %d",
			op, r.M, r.N, r.K, r.Batch, lenA, la, lenB, lb, lenC, lc))
	}
	return r
}

// Attention describes softmax(Q·Kᵀ·Scale)·V for BH independent (batch×head)
// problems. Q is BH×SQ×HD, K and V are BH×SK×HD, the output BH×SQ×HD and the
// saved probabilities BH×SQ×SK, all contiguous.
type Attention struct {
	BH, SQ, SK, HD int
	Scale          float64
}

// Check panics, naming op, when a slice length does not match.
func (a Attention) Check(op string, lenQ, lenK, lenV, lenOut, lenP int) {
	if a.BH < 0 || a.SQ < 0 || a.SK < 0 || a.HD < 0 {
		panic(fmt.Sprintf("%s: negative size %+v", op, a))
	}
	q, kv, p := a.BH*a.SQ*a.HD, a.BH*a.SK*a.HD, a.BH*a.SQ*a.SK
	if lenQ != q || lenK != kv || lenV != kv || lenOut != q || (lenP >= 0 && lenP != p) {
		panic(fmt.Sprintf("%s: %+v wants len(q)=len(out)=%d len(k)=len(v)=%d len(p)=%d; got q=%d k=%d v=%d out=%d p=%d",
			op, a, q, kv, p, lenQ, lenK, lenV, lenOut, lenP))
	}
}

// CheckLen panics with a message naming op when got != want.
func CheckLen(op, what string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("%s: len(%s)=%d, want %d", op, what, got, want))
	}
}

// CheckRows panics naming op unless rows*cols == n and both are >= 0.
func CheckRows(op, what string, n, rows, cols int) {
	if rows < 0 || cols < 0 || rows*cols != n {
		panic(fmt.Sprintf("%s: len(%s)=%d is not rows×cols=%d×%d", op, what, n, rows, cols))
	}
}

// AdamWHyper holds one AdamW step's hyper-parameters with PyTorch's
// semantics (torch.optim.AdamW, amsgrad off, maximize off). Step is the
// step number after incrementing, so the first update uses Step 1.
type AdamWHyper struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Step                               int
}
