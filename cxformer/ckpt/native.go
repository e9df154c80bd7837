package ckpt

import (
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/gocx/gocx/nn/state"
)

// wrapperPrefixes are the key prefixes that training code adds around a
// backbone: DDP (module.), torch.compile (_orig_mod.), dinov2's teacher
// checkpoint ({"teacher": ...} flattened to teacher.) and the SSL meta
// architecture (backbone.).
var wrapperPrefixes = []string{"module.", "_orig_mod.", "teacher.", "backbone."}

// chunkedBlock matches blocks.{chunk}.{i}. of a model built with
// block_chunks > 0 (the global block index i is kept inside each chunk).
var chunkedBlock = regexp.MustCompile(`^blocks\.\d+\.(\d+)\.`)

// NormalizeNative brings a DINOv2 training or hub checkpoint to the native
// backbone layout: it strips the prefixes module., _orig_mod., teacher. and
// backbone. wherever they lead a key (in any order), and rewrites chunked
// block keys blocks.{c}.{i}.* to blocks.{i}.*. Head parameters end up under
// dino_head. and ibot_head.; use [SplitPrefix] to separate them. Two keys
// that normalise to the same name are an error. A checkpoint that holds both
// student. and teacher. weights should be split with SplitPrefix first.
// Arrays are shared with f, renamed.
func NormalizeNative(f *state.File) (*state.File, error) {
	out := state.NewFile()
	maps.Copy(out.Metadata, f.Metadata)
	from := map[string]string{}
	for _, name := range f.Order {
		key := name
		for stripped := true; stripped; {
			stripped = false
			for _, p := range wrapperPrefixes {
				if strings.HasPrefix(key, p) {
					key = key[len(p):]
					stripped = true
				}
			}
		}
		key = chunkedBlock.ReplaceAllString(key, "blocks.$1.")
		if prev, dup := from[key]; dup {
			return nil, fmt.Errorf("ckpt: keys %q and %q both normalise to %q", prev, name, key)
		}
		from[key] = name
		if err := out.Add(renamed(f.Get(name), key)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SplitPrefix separates the arrays whose names start with prefix (returned
// in matched, with the prefix removed) from the others (rest, unchanged).
// For example SplitPrefix(f, "dino_head.") gives the DINO head's parameters
// as mlp.0.weight, ..., last_layer.weight_v. Both results get a copy of the
// metadata; arrays are shared with f.
func SplitPrefix(f *state.File, prefix string) (matched, rest *state.File) {
	matched, rest = state.NewFile(), state.NewFile()
	maps.Copy(matched.Metadata, f.Metadata)
	maps.Copy(rest.Metadata, f.Metadata)
	for _, name := range f.Order {
		a := f.Get(name)
		if key, ok := strings.CutPrefix(name, prefix); ok && key != "" {
			put(matched, renamed(a, key))
		} else {
			put(rest, a)
		}
	}
	return matched, rest
}

// renamed returns a shallow copy of a under a new name (data shared).
func renamed(a *state.Array, name string) *state.Array {
	c := *a
	c.Name = name
	return &c
}

// put appends a to f without re-checking it (it came from a file whose
// arrays were checked, and its name is new in f).
func put(f *state.File, a *state.Array) {
	f.Arrays[a.Name] = a
	f.Order = append(f.Order, a.Name)
}
