package ref

import "fmt"

// checkSizes panics, naming op, when a size is negative: a product of two
// negative sizes could otherwise match a slice length by accident.
func checkSizes(op, names string, sizes ...int) {
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("%s: negative size in %s = %v", op, names, sizes))
		}
	}
}
