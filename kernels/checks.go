package kernels

import "fmt"

// CheckPermutation panics, naming op, unless perm is a permutation of the
// axes of shape and every size is non-negative; it returns the number of
// elements. Permute in every library validates its operands with it.
func CheckPermutation(op string, shape, perm []int) int {
	if len(perm) != len(shape) {
		panic(fmt.Sprintf("%s: len(perm)=%d but len(shape)=%d (shape %v, perm %v)", op, len(perm), len(shape), shape, perm))
	}
	seen := make([]bool, len(perm))
	for _, a := range perm {
		if a < 0 || a >= len(perm) || seen[a] {
			panic(fmt.Sprintf("%s: perm %v is not a permutation of 0..%d", op, perm, len(perm)-1))
		}
		seen[a] = true
	}
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("%s: negative size in shape %v", op, shape))
		}
		n *= s
	}
	return n
}

// CheckGather validates GatherRows / ScatterAddRows operands, panicking
// with op's name: the table (tableName, table elements) holds whole rows
// of cols, the per-index side (rowsName, rows elements) has len(idx) rows,
// and every index names a row of the table.
func CheckGather(op, tableName string, table int, rowsName string, rows int, idx []int32, cols int) {
	if cols < 0 {
		panic(fmt.Sprintf("%s: negative cols=%d", op, cols))
	}
	CheckRows(op, rowsName, rows, len(idx), cols)
	if cols == 0 {
		return
	}
	if table%cols != 0 {
		panic(fmt.Sprintf("%s: len(%s)=%d is not a multiple of cols=%d", op, tableName, table, cols))
	}
	n := table / cols
	for i, r := range idx {
		if r < 0 || int(r) >= n {
			panic(fmt.Sprintf("%s: idx[%d]=%d out of range [0,%d) of %s", op, i, r, n, tableName))
		}
	}
}
