package state

import (
	"fmt"
	"slices"
	"sort"
)

// File is an ordered set of named arrays plus string metadata (the
// safetensors "__metadata__" block). Order lists the names in insertion
// order, which is the order writers use; Arrays and Order must hold the same
// names. Use [File.Add] and [File.Delete] to keep them in step.
type File struct {
	Arrays   map[string]*Array
	Order    []string
	Metadata map[string]string
}

// NewFile returns an empty file.
func NewFile() *File {
	return &File{Arrays: map[string]*Array{}, Metadata: map[string]string{}}
}

// Add appends a (or replaces the array of the same name, keeping its
// position). It returns an error if a is malformed.
func (f *File) Add(a *Array) error {
	if a == nil {
		return fmt.Errorf("state: Add: nil array")
	}
	if a.Name == "" {
		return fmt.Errorf("state: Add: array with an empty name")
	}
	if err := a.Check(); err != nil {
		return err
	}
	if f.Arrays == nil {
		f.Arrays = map[string]*Array{}
	}
	if _, ok := f.Arrays[a.Name]; !ok {
		f.Order = append(f.Order, a.Name)
	}
	f.Arrays[a.Name] = a
	return nil
}

// MustAdd is Add for arrays the caller built itself; it panics on a
// malformed array (a programming error, not bad user data).
func (f *File) MustAdd(a *Array) {
	if err := f.Add(a); err != nil {
		panic(err)
	}
}

// Get returns the named array, or nil.
func (f *File) Get(name string) *Array { return f.Arrays[name] }

// Has reports whether the file holds the named array.
func (f *File) Has(name string) bool {
	_, ok := f.Arrays[name]
	return ok
}

// Delete removes the named array if present.
func (f *File) Delete(name string) {
	if _, ok := f.Arrays[name]; !ok {
		return
	}
	delete(f.Arrays, name)
	if i := slices.Index(f.Order, name); i >= 0 {
		f.Order = slices.Delete(f.Order, i, i+1)
	}
}

// Len is the number of arrays.
func (f *File) Len() int { return len(f.Arrays) }

// Names returns the array names in file order (a copy).
func (f *File) Names() []string { return slices.Clone(f.Order) }

// SortedNames returns the array names sorted lexically.
func (f *File) SortedNames() []string {
	names := f.Names()
	sort.Strings(names)
	return names
}

// Check verifies that Order and Arrays agree and every array is well formed.
func (f *File) Check() error {
	if len(f.Order) != len(f.Arrays) {
		return fmt.Errorf("state: file lists %d names in Order but holds %d arrays", len(f.Order), len(f.Arrays))
	}
	seen := make(map[string]bool, len(f.Order))
	for _, name := range f.Order {
		if seen[name] {
			return fmt.Errorf("state: name %q appears twice in Order", name)
		}
		seen[name] = true
		a, ok := f.Arrays[name]
		if !ok || a == nil {
			return fmt.Errorf("state: name %q is in Order but has no array", name)
		}
		if a.Name != name {
			return fmt.Errorf("state: array stored under %q is named %q", name, a.Name)
		}
		if err := a.Check(); err != nil {
			return err
		}
	}
	return nil
}
