package gpu

import (
	"fmt"
	"strings"
)

// flashTile is a tile shape of one pass: BR rows owned per workgroup
// (query rows for fwd and q, key rows for kv), BC rows of the other
// operand streamed per tile, TM rows per invocation.
//
// The tiled kernels (flash.wgsl, flash_bwd.wgsl; named "64x32r4") give
// each invocation 4 columns of the BR×BC score tile, so a workgroup has
// TX = BC/4 lanes per row group and TY = BR/TM row groups.
//
// The m tiles (MM, flash_mm.wgsl; named "m64x64t8x4", plus "k2" for a d
// chunk KC other than 4 vec4s and "g" for DKG) give each invocation TN
// columns: TX = BC/TN lanes, TY = BR/TM row groups. Their kv pass writes
// dSᵀ to a scratch buffer and dQ is a GEMM (there is no q pass); with DKG
// dK is a GEMM too and the kv pass accumulates only dV.
type flashTile struct {
	BR, BC, TM int
	TN, KC     int  // m tiles: score columns per invocation, d chunk in vec4s
	MM         bool // m tile
	DKG        bool // m tile of the kv pass: dK by a GEMM
}

// ft is a tile of the tiled kernels.
func ft(br, bc, tm int) flashTile { return flashTile{BR: br, BC: bc, TM: tm} }

func (t flashTile) String() string {
	if !t.MM {
		return fmt.Sprintf("%dx%dr%d", t.BR, t.BC, t.TM)
	}
	s := fmt.Sprintf("m%dx%dt%dx%d", t.BR, t.BC, t.TM, t.TN)
	if t.KC != 4 {
		s += fmt.Sprintf("k%d", t.KC)
	}
	if t.DKG {
		s += "g"
	}
	return s
}

// parseFlashTile reads a tile name as String writes it.
func parseFlashTile(s string) (flashTile, error) {
	var t flashTile
	bad := fmt.Errorf("gpu: bad flash tile %q (want BRxBCrTM, e.g. 64x32r4, or mBRxBCtTMxTN[kKC][g], e.g. m64x64t8x4)", s)
	if rest, ok := strings.CutPrefix(s, "m"); ok {
		t = flashTile{MM: true, KC: 4}
		rest, t.DKG = strings.CutSuffix(rest, "g")
		var err error
		if i := strings.IndexByte(rest, 'k'); i >= 0 {
			_, err = fmt.Sscanf(rest[i+1:], "%d", &t.KC)
			rest = rest[:i]
		}
		if err != nil {
			return t, bad
		}
		if _, err := fmt.Sscanf(rest, "%dx%dt%dx%d", &t.BR, &t.BC, &t.TM, &t.TN); err != nil {
			return t, bad
		}
	} else if _, err := fmt.Sscanf(s, "%dx%dr%d", &t.BR, &t.BC, &t.TM); err != nil {
		return t, bad
	}
	if t.String() != s {
		return t, bad
	}
	return t, nil
}

// flashTilesGPU are each pass's tiles for GPUs, preferred first; the
// first that is valid for the head dim and fits the workgroup memory (with
// the workgroup-memory reduction, which is larger) is used. The m tiles
// come first: by the model in flash_mm.go they should be the fast ones,
// but no GPU has timed them yet (cmd/gpubench -attn times every tile that
// fits, with a correctness check of each). At head dim 64, m64x64t8x4 takes
// 45 KiB (48 KiB without subgroups; an H100/H200 has 48 KiB) and the kv m
// tiles 37-47 KiB; the tiled kernels' tiles follow, down to ones that fit
// 32 KiB (lavapipe) and 16 KiB (the WebGPU default). The q pass serves the
// tiled kv pass only (the m tiles' dQ is a GEMM).
var flashTilesGPU = map[string][]flashTile{
	flashFwd: {mt(64, 64, 8, 4), mt(64, 64, 4, 4), mt(32, 128, 4, 8), mt(32, 64, 4, 4), mt(64, 32, 4, 4), mt(64, 32, 8, 4),
		mt(64, 64, 8, 8),
		ft(64, 32, 4), ft(64, 32, 8), ft(64, 16, 4), ft(32, 32, 2), ft(32, 32, 4), ft(32, 16, 4), ft(16, 32, 2), ft(16, 16, 2), ft(8, 8, 2)},
	flashKV: {mt(32, 32, 4, 4), mt(32, 32, 2, 4), mt(32, 64, 4, 4).withKC(2), mt(32, 64, 4, 4).withDKG(), mt(64, 16, 8, 2).withDKG(),
		mt(32, 32, 4, 4).withDKG(), mt(16, 32, 2, 4),
		ft(32, 32, 4), ft(32, 32, 2), ft(32, 16, 4), ft(32, 16, 2), ft(16, 16, 2), ft(16, 8, 2), ft(8, 8, 2), ft(8, 4, 2), ft(4, 4, 1)},
	flashQ: {ft(64, 16, 4), ft(64, 16, 2), ft(32, 32, 4), ft(32, 32, 2), ft(32, 16, 4), ft(32, 16, 2), ft(16, 16, 2), ft(16, 8, 2), ft(8, 8, 2), ft(8, 4, 2)},
}

// flashTilesCPU are the tiles for CPU adapters (lavapipe), which run the
// CPU form of the tiled kernels (see flashForm): with the operands read
// from the buffers, the workgroup memory is only P (and dS), so compile
// time stays near a second per kernel; 8×32 with one row per invocation
// gives 8 lanes per row group, the subgroup size of lavapipe. (The m tiles
// always stage their operands; tests run them with small tiles.)
var flashTilesCPU = map[string][]flashTile{
	flashFwd: {ft(8, 32, 1), ft(16, 16, 2), ft(8, 8, 2), ft(4, 4, 1)},
	flashKV:  {ft(8, 32, 1), ft(16, 16, 2), ft(8, 8, 2), ft(4, 4, 1)},
	flashQ:   {ft(8, 32, 1), ft(16, 16, 2), ft(8, 8, 2), ft(4, 4, 1)},
}

// FlashTilesFor reports the tiles FlashAttention and FlashAttentionBackward
// use for head dim hd on this device, e.g. "fwd m64x64t8x4+sg kv m32x32t4x4
// q gemm" or "fwd 64x32r4+sg kv 32x32r4 q 64x16r4" (+sg: subgroup lane
// reductions; q gemm: dQ is a GEMM on the kv pass's dS), or why there is
// none.
func (d *Device) FlashTilesFor(hd int) string {
	if err := flashHeadDim("", hd); err != nil {
		return "unsupported head dim"
	}
	var parts []string
	mm := false
	for _, pass := range flashPasses {
		v, err := d.flashVariantFor(pass, hd)
		if pass == flashQ && mm {
			parts = append(parts, "q gemm")
			continue
		}
		if err != nil {
			return err.Error()
		}
		s := pass + " " + v.Name
		if v.Subgroups {
			s += "+sg"
		}
		parts = append(parts, s)
		mm = pass == flashKV && v.MM
	}
	return strings.Join(parts, " ")
}

// FlashTiles lists, per pass ("fwd", "kv", "q"), the tiles that fit this
// device for head dim hd, in the order of preference, m tiles included
// (which the GPU form has first; the q pass serves the tiled kv tiles
// only); for tuning with SetFlashTiles.
func (d *Device) FlashTiles(hd int) map[string][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	budget := int(d.limits.MaxComputeWorkgroupStorageSize)
	maxInv := int(d.limits.MaxComputeInvocationsPerWorkgroup)
	form := d.flashFormFor()
	out := map[string][]string{}
	for _, pass := range flashPasses {
		seen := map[flashTile]bool{}
		lists := [][]flashTile{flashTilesGPU[pass], flashTilesCPU[pass]}
		if !form.Stage {
			lists[0], lists[1] = lists[1], lists[0]
		}
		for _, list := range lists {
			for _, t := range list {
				v := newFlashVariant(pass, hd, t, false, form)
				if !seen[t] && v.valid() && v.shared() <= budget && v.NT <= maxInv {
					out[pass] = append(out[pass], t.String())
				}
				seen[t] = true
			}
		}
	}
	return out
}

// SetFlashTiles forces the tiles of the fused attention passes by name
// ("64x32r4" or "m64x64t8x4"; "" goes back to the automatic choice), for
// benchmarks and tuning. A forced tile that does not fit a later call's
// head dim makes that call return an error. An m tile for kv makes dQ a
// GEMM, and the q tile is then used only where the backward falls back to
// the tiled passes.
func (d *Device) SetFlashTiles(fwd, kv, q string) error {
	force := map[string]flashTile{}
	for i, s := range []string{fwd, kv, q} {
		if s == "" {
			continue
		}
		t, err := parseFlashTile(s)
		if err != nil {
			return err
		}
		if t.MM && flashPasses[i] == flashQ {
			return fmt.Errorf("gpu: flash tile %q: the q pass has no m tiles", s)
		}
		force[flashPasses[i]] = t
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.flashState().force = force
	return nil
}
