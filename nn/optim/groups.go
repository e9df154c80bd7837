package optim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/nn"
)

// ParamGroup is one parameter with its optimisation rules (DINOv2 builds
// one group per parameter and later fuses equal ones; fusing changes
// nothing numerically, so gocx keeps them apart).
type ParamGroup struct {
	Module string // the sub-module, e.g. "backbone", "dino_head"; may be empty
	Name   string // the parameter's name inside Module, e.g. "blocks.3.attn.qkv.weight"
	Param  *autograd.Var

	LRMult      float64 // multiplies the step's learning rate
	WDMult      float64 // multiplies the step's weight decay
	IsLastLayer bool    // uses the last-layer learning rate (prototype layer)
}

// Key is the group's unique name, Module + "." + Name (Name alone without a
// module); optimizer state is stored under it.
func (g ParamGroup) Key() string {
	if g.Module == "" {
		return g.Name
	}
	return g.Module + "." + g.Name
}

// UniformGroups puts every trainable parameter in a group with both
// multipliers 1 and no last-layer rule: a single plain AdamW group.
func UniformGroups(params nn.Params, module string) []ParamGroup {
	var out []ParamGroup
	for _, p := range params {
		if !p.V.RequiresGrad() {
			continue
		}
		out = append(out, ParamGroup{Module: module, Name: p.Name, Param: p.V, LRMult: 1, WDMult: 1})
	}
	return out
}

// DINOv2Groups applies DINOv2's get_params_groups_with_decay to the
// trainable parameters of one sub-module (frozen ones are left out). Names
// are relative to the module. depth is the number of transformer blocks of a
// backbone and 0 for a head; with depth L > 0 and ρ = layerwiseDecay,
//
//	layer_id = 0      for pos_embed, patch_embed, mask_token, cls_token, register_tokens
//	         = i + 1  for blocks.i.* (or blocks.c.i.* with chunked blocks)
//	         = L + 1  otherwise (the final norm)
//	LRMult   = ρ^(L+1−layer_id),  × patchEmbedLRMult for patch_embed.*
//
// and LRMult = 1 for a head (depth 0; patch_embed.* still gets
// patchEmbedLRMult, as in DINOv2). WDMult is 0 for names ending in ".bias"
// or containing "norm" or "gamma" (LayerScale), else 1; IsLastLayer is set
// for names containing "last_layer". It panics on a block name whose index
// is not an integer in [0, depth) — a model-building bug.
func DINOv2Groups(params nn.Params, module string, depth int, layerwiseDecay, patchEmbedLRMult float64) []ParamGroup {
	var out []ParamGroup
	for _, p := range params {
		if !p.V.RequiresGrad() {
			continue
		}
		g := ParamGroup{Module: module, Name: p.Name, Param: p.V, LRMult: 1, WDMult: 1}
		if depth > 0 {
			id := layerID(p.Name, depth)
			g.LRMult = math.Pow(layerwiseDecay, float64(depth+1-id))
		}
		if strings.Contains(p.Name, "patch_embed") {
			g.LRMult *= patchEmbedLRMult
		}
		if strings.HasSuffix(p.Name, ".bias") || strings.Contains(p.Name, "norm") || strings.Contains(p.Name, "gamma") {
			g.WDMult = 0
		}
		g.IsLastLayer = strings.Contains(p.Name, "last_layer")
		out = append(out, g)
	}
	return out
}

// layerID is DINOv2's layer index of a backbone parameter (see
// DINOv2Groups). A name "blocks.c.i.rest" with two integer indices is a
// chunked block and uses the second one, the global block index.
func layerID(name string, depth int) int {
	for _, tok := range []string{"pos_embed", "patch_embed", "mask_token", "cls_token", "register_tokens"} {
		if strings.Contains(name, tok) {
			return 0
		}
	}
	at := strings.Index(name, "blocks.")
	if at < 0 {
		return depth + 1
	}
	parts := strings.Split(name[at:], ".")
	idx := parts[1]
	if len(parts) > 3 && isInt(parts[1]) && isInt(parts[2]) {
		idx = parts[2]
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= depth {
		panic(fmt.Sprintf("optim.DINOv2Groups: parameter %q: block index %q is not in [0, %d)", name, idx, depth))
	}
	return i + 1
}

func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}
