package main

import (
	"fmt"
	"strings"

	"github.com/gocx/gocx/cxformer"
)

// interpFlagUsage is the help of every command's --interp flag.
const interpFlagUsage = "position-embedding interpolation of native checkpoints: T (DINOv2 training), E (released reg4 models)"

// parseInterpFlag reads an --interp value of command cmd: T or E, any case.
func parseInterpFlag(cmd, s string) (cxformer.InterpMode, error) {
	switch strings.ToUpper(s) {
	case "T":
		return cxformer.ModeT, nil
	case "E":
		return cxformer.ModeE, nil
	}
	return 0, fmt.Errorf("%s: --interp %q: want T or E", cmd, s)
}
