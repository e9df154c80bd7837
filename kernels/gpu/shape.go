package gpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// shapeKey is the variant key and template data of shape.wgsl.
type shapeKey struct {
	Kind    string // permute, transpose, gather, copyaxis, patch
	T       string // f32 or vec4<f32>
	Inverse bool   // patch: Unpatchify
}

func (d *Device) shapeKernel(key shapeKey, bind ...access) (*kernel, error) {
	return d.kernel(key, func() kernelSpec { return kernelSpec{file: "shape.wgsl", data: key, bind: bind} })
}

func vecType(vec4 bool) string {
	if vec4 {
		return "vec4<f32>"
	}
	return "f32"
}

// uploadIndex copies host indices into a fresh pooled buffer; the caller
// releases it once the op using it is queued (queued work keeps it valid).
func (d *Device) uploadIndex(ix []int32) (*Buffer, error) {
	b, err := d.Alloc(len(ix))
	if err != nil {
		return nil, err
	}
	if err := d.UploadInt32(b, ix); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

// maxPermuteRank is the largest rank Permute handles after merging axes
// that stay neighbours and dropping axes of length 1.
const maxPermuteRank = 6

// Permute queues dst = src.permute(perm) for a row-major src of the given
// shape (PyTorch's x.permute(perm).contiguous()): dst has shape
// (shape[perm[0]], …) and dst[i_0, …, i_{r−1}] = src[j] with
// j_{perm[a]} = i_a.
//
// Axes that stay neighbours are merged and axes of length 1 dropped first,
// so any rank whose merged form has at most 6 axes works. When the last axis
// stays last the copy moves contiguous runs (vec4 when the run divides by
// 4); otherwise a tiled 32×32 transpose through workgroup memory keeps both
// reads and writes contiguous. dst and src must be different buffers.
//
// Backward: dsrc = Permute(ddst) over the permuted shape with the inverse
// permutation inv[perm[a]] = a.
func (d *Device) Permute(dst, src *Buffer, shape, perm []int) error {
	const op = "gpu.Permute"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	n := kernels.CheckPermutation(op, shape, perm)
	kernels.CheckLen(op, "src", src.n, n)
	kernels.CheckLen(op, "dst", dst.n, n)
	d.checkDistinct(op, dst, src)
	if n == 0 {
		return nil
	}
	dims, pm := mergeAxes(shape, perm)
	r := len(dims)
	if r > maxPermuteRank {
		panic(fmt.Sprintf("%s: shape %v, perm %v has %d axes after merging, more than %d", op, shape, perm, r, maxPermuteRank))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if r <= 1 {
		return d.copyWords(dst.buf, 0, src.buf, 0, n, copyShape)
	}
	srcStride := make([]int, r)
	for a, s := r-1, 1; a >= 0; a-- {
		srcStride[a] = s
		s *= dims[a]
	}
	dstStride := make([]int, r) // of dst axis a
	for a, s := r-1, 1; a >= 0; a-- {
		dstStride[a] = s
		s *= dims[pm[a]]
	}
	bufs := []*devBuf{src.buf, dst.buf}
	if pm[r-1] == r-1 {
		// The innermost run stays innermost: walk dst, read runs of src.
		vec4 := dims[r-1]%4 == 0
		units, div := n, 1
		if vec4 {
			units, div = n/4, 4
		}
		k, err := d.shapeKernel(shapeKey{Kind: "permute", T: vecType(vec4)}, readOnly, readWrite)
		if err != nil {
			return err
		}
		var dd, ss [maxPermuteRank]int
		for a := range r {
			dd[a], ss[a] = dims[pm[a]], srcStride[pm[a]]
			if a == r-1 {
				dd[a] /= div
			} else {
				ss[a] /= div
			}
		}
		var p params
		p.int(units).int(r)
		for _, v := range dd {
			p.int(v)
		}
		for _, v := range ss {
			p.int(v)
		}
		x, y := d.grid2D((units + 255) / 256)
		return d.dispatch(k, &p, bufs, x, y, 1)
	}
	// A true transpose: p is the last src axis, q the last dst axis.
	ap := 0 // dst position of src axis r−1
	for a := range r {
		if pm[a] == r-1 {
			ap = a
		}
	}
	q := pm[r-1]
	np, nq := dims[r-1], dims[q]
	var bd, bs, bt [4]int
	nb, batches := 0, 1
	for a := range r - 1 {
		if a == ap {
			continue
		}
		bd[nb], bs[nb], bt[nb] = dims[pm[a]], srcStride[pm[a]], dstStride[a]
		batches *= bd[nb]
		nb++
	}
	k, err := d.shapeKernel(shapeKey{Kind: "transpose", T: "f32"}, readOnly, readWrite)
	if err != nil {
		return err
	}
	ntp, ntq := (np+31)/32, (nq+31)/32
	total := ntp * ntq * batches
	var p params
	p.int(np).int(nq).int(srcStride[q]).int(dstStride[ap]).int(ntp).int(ntq).int(total).int(nb)
	for _, arr := range [][4]int{bd, bs, bt} {
		for _, v := range arr {
			p.int(v)
		}
	}
	x, y := d.grid2D(total)
	return d.dispatch(k, &p, bufs, x, y, 1)
}

// mergeAxes drops axes of length 1 and merges src axes that are
// neighbours in both src and dst order, returning the merged src shape and
// permutation. A tensor of n > 0 elements keeps at least its non-unit axes.
func mergeAxes(shape, perm []int) (dims, pm []int) {
	// Renumber the src axes longer than 1.
	newIdx := make([]int, len(shape))
	var kept []int
	for a, s := range shape {
		newIdx[a] = -1
		if s != 1 {
			newIdx[a] = len(kept)
			kept = append(kept, s)
		}
	}
	var p1 []int
	for _, a := range perm {
		if newIdx[a] >= 0 {
			p1 = append(p1, newIdx[a])
		}
	}
	// Groups of dst-consecutive axes that are also src-consecutive.
	var groups [][2]int // [first src axis, last src axis], in dst order
	for _, a := range p1 {
		if g := len(groups); g > 0 && groups[g-1][1]+1 == a {
			groups[g-1][1] = a
			continue
		}
		groups = append(groups, [2]int{a, a})
	}
	// The merged src axes in src order: rank of each group's first axis.
	rank := make(map[int]int, len(groups))
	order := make([]int, 0, len(groups))
	for a := range kept {
		for _, g := range groups {
			if g[0] == a {
				rank[a] = len(order)
				order = append(order, a)
			}
		}
	}
	dims = make([]int, len(groups))
	pm = make([]int, len(groups))
	for i, g := range groups {
		size := 1
		for a := g[0]; a <= g[1]; a++ {
			size *= kept[a]
		}
		dims[rank[g[0]]] = size
		pm[i] = rank[g[0]]
	}
	return dims, pm
}

// GatherRows queues dst[i,:] = src[idx[i],:] (an embedding lookup; dst is
// len(idx)×cols). idx is a host slice, uploaded per call. dst and src must
// be different buffers.
//
// Backward: dsrc = ScatterAddRows(ddst) into a zeroed dsrc.
func (d *Device) GatherRows(dst, src *Buffer, idx []int32, cols int) error {
	const op = "gpu.GatherRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	kernels.CheckGather(op, "src", src.n, "dst", dst.n, idx, cols)
	d.checkDistinct(op, dst, src)
	if dst.n == 0 {
		return nil
	}
	ib, err := d.uploadIndex(idx)
	if err != nil {
		return err
	}
	defer ib.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	vec4 := cols%4 == 0
	units, cu := dst.n, cols
	if vec4 {
		units, cu = units/4, cols/4
	}
	k, err := d.shapeKernel(shapeKey{Kind: "gather", T: vecType(vec4)}, readOnly, readOnly, readWrite)
	if err != nil {
		return err
	}
	var p params
	p.int(units).int(cu)
	x, y := d.grid2D((units + 255) / 256)
	return d.dispatch(k, &p, []*devBuf{src.buf, ib.buf, dst.buf}, x, y, 1)
}

// ScatterAddRows queues dst[idx[i],:] += src[i,:] (src is len(idx)×cols;
// dst is not cleared; repeated indices accumulate). There are no float
// atomics: the host groups the indices into a per-destination list of
// source rows (CSR, ascending source order), and one workgroup row per
// destination row sums its list in a fixed order and adds the sum to dst,
// so the result is bit-reproducible. dst and src must be different
// buffers.
//
// It is the backward of GatherRows; its own backward is GatherRows.
func (d *Device) ScatterAddRows(dst, src *Buffer, idx []int32, cols int) error {
	const op = "gpu.ScatterAddRows"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	kernels.CheckGather(op, "dst", dst.n, "src", src.n, idx, cols)
	d.checkDistinct(op, dst, src)
	if len(idx) == 0 || cols == 0 {
		return nil
	}
	table := scatterTable(idx, dst.n/cols)
	nU := (len(table) - len(idx) - 1) / 2
	tb, err := d.uploadIndex(table)
	if err != nil {
		return err
	}
	defer tb.Release()
	return d.scatterCSR(dst, src, tb, nU, cols)
}

// scatterTable groups idx by destination row (a counting sort, stable, so
// each list is in ascending source order) into [offsets (nU+1) | dst rows
// (nU) | source rows], nU being the number of distinct destinations.
func scatterTable(idx []int32, rows int) []int32 {
	count := make([]int32, rows)
	for _, r := range idx {
		count[r]++
	}
	nU := 0
	for _, c := range count {
		if c > 0 {
			nU++
		}
	}
	table := make([]int32, 2*nU+1+len(idx))
	offs, dstRows, list := table[:nU+1], table[nU+1:2*nU+1], table[2*nU+1:]
	start := make([]int32, rows) // next free slot of each destination row
	u, pos := 0, int32(0)
	for r, c := range count {
		if c > 0 {
			offs[u], dstRows[u], start[r] = pos, int32(r), pos
			pos += c
			u++
		}
	}
	offs[nU] = pos
	for i, r := range idx {
		list[start[r]] = int32(i)
		start[r]++
	}
	return table
}

// checkPatch validates Patchify / Unpatchify operands.
func checkPatch(op, imgName string, lenImg int, patchName string, lenPatch int, b, c, h, w, p int) {
	if b < 0 || c < 0 || h < 0 || w < 0 {
		panic(fmt.Sprintf("%s: negative size in b, c, h, w = %d, %d, %d, %d", op, b, c, h, w))
	}
	if p <= 0 || h%p != 0 || w%p != 0 {
		panic(fmt.Sprintf("%s: image %d×%d is not a whole number of %d×%d patches", op, h, w, p, p))
	}
	kernels.CheckLen(op, imgName, lenImg, b*c*h*w)
	kernels.CheckRows(op, patchName, lenPatch, b*(h/p)*(w/p), c*p*p)
}

// Patchify queues the cut of img (b, c, h, w) into non-overlapping p×p
// patches, one row per patch as a stride-p convolution sees them:
//
//	dst[t, (ch·p + ky)·p + kx] = img[n, ch, row·p + ky, col·p + kx],
//	t = (n·(h/p) + row)·(w/p) + col,
//
// dst being (b·(h/p)·(w/p)) × (c·p·p). dst and img must be different
// buffers. Backward: Unpatchify.
func (d *Device) Patchify(dst, img *Buffer, b, c, h, w, p int) error {
	const op = "gpu.Patchify"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "img", img)
	checkPatch(op, "img", img.n, "dst", dst.n, b, c, h, w, p)
	d.checkDistinct(op, dst, img)
	return d.patch(false, dst, img, b, c, h, w, p)
}

// Unpatchify is the exact inverse of Patchify, and its backward: dimg
// (b, c, h, w) is overwritten with the pixels of dpatch. The buffers must
// be different.
func (d *Device) Unpatchify(dimg, dpatch *Buffer, b, c, h, w, p int) error {
	const op = "gpu.Unpatchify"
	d.checkBuffer(op, "dimg", dimg)
	d.checkBuffer(op, "dpatch", dpatch)
	checkPatch(op, "dimg", dimg.n, "dpatch", dpatch.n, b, c, h, w, p)
	d.checkDistinct(op, dimg, dpatch)
	return d.patch(true, dimg, dpatch, b, c, h, w, p)
}

func (d *Device) patch(inverse bool, dst, src *Buffer, b, c, h, w, p int) error {
	n := b * c * h * w
	if n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	k, err := d.shapeKernel(shapeKey{Kind: "patch", T: "f32", Inverse: inverse}, readOnly, readWrite)
	if err != nil {
		return err
	}
	var pr params
	pr.int(n).int(c).int(h).int(w).int(p).int(h / p).int(w / p)
	x, y := d.grid2D((n + 255) / 256)
	return d.dispatch(k, &pr, []*devBuf{src.buf, dst.buf}, x, y, 1)
}

// CopyAxis queues, with dst viewed as (outer, dstN, inner) and src as
// (outer, srcN, inner),
//
//	dst[o, dstOff+i, :] = src[o, srcOff+i, :]   for o < outer, i < count,
//
// leaving the rest of dst untouched (concatenation and slicing along an
// axis). dst and src must be different buffers.
//
// Backward: the same copy the other way round into a cleared gradient.
func (d *Device) CopyAxis(dst *Buffer, dstN, dstOff int, src *Buffer, srcN, srcOff int, outer, count, inner int) error {
	const op = "gpu.CopyAxis"
	d.checkBuffer(op, "dst", dst)
	d.checkBuffer(op, "src", src)
	if outer < 0 || count < 0 || inner < 0 || dstOff < 0 || srcOff < 0 ||
		dstOff+count > dstN || srcOff+count > srcN {
		panic(fmt.Sprintf("%s: run [%d,%d) of dst axis %d / [%d,%d) of src axis %d (outer %d, inner %d) out of range",
			op, dstOff, dstOff+count, dstN, srcOff, srcOff+count, srcN, outer, inner))
	}
	kernels.CheckLen(op, "dst", dst.n, outer*dstN*inner)
	kernels.CheckLen(op, "src", src.n, outer*srcN*inner)
	d.checkDistinct(op, dst, src)
	run := count * inner
	n := outer * run
	if n == 0 {
		return nil
	}
	ds, db, ss, sb := dstN*inner, dstOff*inner, srcN*inner, srcOff*inner
	vec4 := run%4 == 0 && ds%4 == 0 && db%4 == 0 && ss%4 == 0 && sb%4 == 0
	if vec4 {
		n, run, ds, db, ss, sb = n/4, run/4, ds/4, db/4, ss/4, sb/4
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	k, err := d.shapeKernel(shapeKey{Kind: "copyaxis", T: vecType(vec4)}, readOnly, readWrite)
	if err != nil {
		return err
	}
	var p params
	p.int(n).int(run).int(ds).int(db).int(ss).int(sb)
	x, y := d.grid2D((n + 255) / 256)
	return d.dispatch(k, &p, []*devBuf{src.buf, dst.buf}, x, y, 1)
}
