// Package golden finds and loads the shared golden reference data
// (../shared/golden relative to the repository root, or $GOCX_GOLDEN):
// outputs of the official DINOv2 and Hugging Face implementations that
// gocx's tests compare against. See that directory's README.md for what each
// file holds and KEYS.md here for every key with its dtype and shape.
//
// It is a test helper: the loaders take a testing.TB and stop the test on
// any error, so a golden test reads as a list of comparisons.
package golden
