package ckpt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gocx/gocx/nn/state"
)

// hfBasePrefixes are the attribute names under which Hugging Face task
// models (Dinov2ForImageClassification, ...) hold the base model.
var hfBasePrefixes = []string{"dinov2_with_registers.", "dinov2."}

// hfRenames maps Hugging Face keys to native keys for everything except the
// q/k/v projections (spec §10.3), for a model of the given depth.
func hfRenames(depth int) map[string]string {
	m := map[string]string{
		"embeddings.cls_token":                          "cls_token",
		"embeddings.mask_token":                         "mask_token",
		"embeddings.register_tokens":                    "register_tokens",
		"embeddings.position_embeddings":                "pos_embed",
		"embeddings.patch_embeddings.projection.weight": "patch_embed.proj.weight",
		"embeddings.patch_embeddings.projection.bias":   "patch_embed.proj.bias",
		"layernorm.weight":                              "norm.weight",
		"layernorm.bias":                                "norm.bias",
	}
	layer := map[string]string{
		"norm1.weight":                  "norm1.weight",
		"norm1.bias":                    "norm1.bias",
		"attention.output.dense.weight": "attn.proj.weight",
		"attention.output.dense.bias":   "attn.proj.bias",
		"layer_scale1.lambda1":          "ls1.gamma",
		"norm2.weight":                  "norm2.weight",
		"norm2.bias":                    "norm2.bias",
		"mlp.fc1.weight":                "mlp.fc1.weight",
		"mlp.fc1.bias":                  "mlp.fc1.bias",
		"mlp.fc2.weight":                "mlp.fc2.weight",
		"mlp.fc2.bias":                  "mlp.fc2.bias",
		"layer_scale2.lambda1":          "ls2.gamma",
	}
	for i := range depth {
		hf, nat := "encoder.layer."+strconv.Itoa(i)+".", "blocks."+strconv.Itoa(i)+"."
		for k, v := range layer {
			m[hf+k] = nat + v
		}
	}
	return m
}

var hfQKV = regexp.MustCompile(`^encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$`)

var qkvIndex = map[string]int{"query": 0, "key": 1, "value": 2}

// FromHF converts a Hugging Face Dinov2Model / Dinov2WithRegistersModel
// state dict to native DINOv2 keys (spec §10.3): the query, key and value
// projections of each layer are stacked into attn.qkv (rows Q, K, V),
// layer_scale{1,2}.lambda1 become ls{1,2}.gamma, and so on. A leading
// dinov2_with_registers. or dinov2. (the base model inside a task model) is
// stripped; the task model's own keys (such as classifier.*) are then not
// part of the backbone and are left out. Any other key that is not part of
// the architecture, and any missing or wrongly shaped tensor, is an error
// listing all of them. A Dinov2Model saved with use_mask_token = false gets
// a zero mask_token (the value every released ViT-S/B/L has).
func FromHF(f *state.File, cfg HFConfig) (*state.File, error) {
	ncfg, err := cfg.Native()
	if err != nil {
		return nil, err
	}
	src := stripHFPrefix(f)
	renames := hfRenames(ncfg.Depth)
	byName := map[string]*state.Array{}
	type qkvKey struct {
		layer  int
		suffix string // weight or bias
	}
	qkv := map[qkvKey]*[3]*state.Array{} // q, k, v of one fused projection
	var unexpected []string
	for _, name := range src.Order {
		a := src.Get(name)
		if nat, ok := renames[name]; ok {
			byName[nat] = renamed(a, nat)
			continue
		}
		if m := hfQKV.FindStringSubmatch(name); m != nil {
			// Only the canonical spelling of the index: "01" would silently
			// replace layer 1's tensor.
			if i, err := strconv.Atoi(m[1]); err == nil && i < ncfg.Depth && strconv.Itoa(i) == m[1] {
				k := qkvKey{i, m[3]}
				if qkv[k] == nil {
					qkv[k] = &[3]*state.Array{}
				}
				qkv[k][qkvIndex[m[2]]] = a
				continue
			}
		}
		unexpected = append(unexpected, name)
	}
	var missing []string
	for k, parts := range qkv {
		if parts[0] == nil || parts[1] == nil || parts[2] == nil {
			for j, p := range parts {
				if p == nil {
					missing = append(missing, fmt.Sprintf("encoder.layer.%d.attention.attention.%s.%s",
						k.layer, [3]string{"query", "key", "value"}[j], k.suffix))
				}
			}
			continue
		}
		nat := fmt.Sprintf("blocks.%d.attn.qkv.%s", k.layer, k.suffix)
		if byName[nat], err = concatRows(nat, parts[:]...); err != nil {
			return nil, err
		}
	}
	if len(unexpected)+len(missing) > 0 {
		sort.Strings(unexpected)
		sort.Strings(missing)
		msg := "ckpt: Hugging Face state dict does not match the config"
		for _, n := range missing {
			msg += "\n  missing:     " + n
		}
		for _, n := range unexpected {
			msg += "\n  unexpected:  " + n + " " + FormatShape(src.Get(n).Shape)
		}
		return nil, errors.New(msg)
	}
	if _, ok := byName["mask_token"]; !ok && cfg.ModelType == ModelTypeDinov2 && !cfg.UseMaskToken {
		like := byName["cls_token"]
		if like != nil {
			z := &state.Array{Name: "mask_token", DType: like.DType, Shape: []int{1, ncfg.EmbedDim}}
			switch {
			case like.F64 != nil:
				z.F64 = make([]float64, ncfg.EmbedDim)
			default:
				z.DType, z.F32 = state.F32, make([]float32, ncfg.EmbedDim)
			}
			byName["mask_token"] = z
		}
	}
	out := inOrder(byName, NativeOrder(ncfg))
	for k, v := range f.Metadata {
		out.Metadata[k] = v
	}
	if err := Validate(out, NativeShapes(ncfg)); err != nil {
		return nil, err
	}
	return out, nil
}

// stripHFPrefix removes a base-model prefix; when one is present, keys
// outside it (task heads) are dropped.
func stripHFPrefix(f *state.File) *state.File {
	for _, p := range hfBasePrefixes {
		for _, name := range f.Order {
			if strings.HasPrefix(name, p) {
				base, _ := SplitPrefix(f, p)
				return base
			}
		}
	}
	return f
}

// inOrder builds a file from byName: first the names of order that are
// present, then any others sorted.
func inOrder(byName map[string]*state.Array, order []string) *state.File {
	out := state.NewFile()
	seen := map[string]bool{}
	for _, n := range order {
		if a, ok := byName[n]; ok {
			put(out, a)
			seen[n] = true
		}
	}
	var rest []string
	for n := range byName {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range rest {
		put(out, byName[n])
	}
	return out
}

// ToHF converts a native backbone state dict (exactly the parameters of
// NativeShapes of cfg's architecture; split heads off first with
// SplitPrefix) to Hugging Face keys, sorted by name as save_pretrained
// writes them, with metadata {"format": "pt"} that transformers expects. A
// Dinov2Model config with use_mask_token = false drops mask_token.
func ToHF(native *state.File, cfg HFConfig) (*state.File, error) {
	ncfg, err := cfg.Native()
	if err != nil {
		return nil, err
	}
	if err := Validate(native, NativeShapes(ncfg)); err != nil {
		return nil, err
	}
	toHF := map[string]string{}
	for hf, nat := range hfRenames(ncfg.Depth) {
		toHF[nat] = hf
	}
	byName := map[string]*state.Array{}
	for _, name := range native.Order {
		a := native.Get(name)
		if name == "mask_token" && cfg.ModelType == ModelTypeDinov2 && !cfg.UseMaskToken {
			continue
		}
		if hf, ok := toHF[name]; ok {
			byName[hf] = renamed(a, hf)
			continue
		}
		// The only other native keys are blocks.{i}.attn.qkv.{weight,bias}.
		layer, suffix, ok := strings.Cut(strings.TrimPrefix(name, "blocks."), ".attn.qkv.")
		if !ok {
			return nil, fmt.Errorf("ckpt: no Hugging Face name for %q", name)
		}
		base := "encoder.layer." + layer + ".attention.attention."
		parts, err := splitRows(a, base+"query."+suffix, base+"key."+suffix, base+"value."+suffix)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			byName[p.Name] = p
		}
	}
	out := inOrder(byName, nil)
	out.Metadata["format"] = "pt"
	return out, nil
}

// WriteHF writes a native backbone as a Hugging Face model directory:
// config.json (cfg, every field) and model.safetensors (ToHF), each
// replaced atomically. The directory is created if needed.
func WriteHF(dir string, native *state.File, cfg HFConfig) error {
	hf, err := ToHF(native, cfg)
	if err != nil {
		return err
	}
	cj, err := cfg.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("ckpt: %w", err)
	}
	if err := state.WriteSafetensors(filepath.Join(dir, "model.safetensors"), hf); err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	if err := state.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(cj); return err }); err != nil {
		return fmt.Errorf("ckpt: writing %s: %w", path, err)
	}
	return nil
}

// LoadHF reads a Hugging Face model directory (config.json plus
// model.safetensors, or pytorch_model.bin when there is no safetensors file)
// and returns the backbone in native keys with its config.
func LoadHF(dir string) (*state.File, HFConfig, error) {
	cfg, err := ReadHFConfig(dir)
	if err != nil {
		return nil, HFConfig{}, err
	}
	path := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(path); err != nil {
		if _, ierr := os.Stat(path + ".index.json"); ierr == nil {
			return nil, HFConfig{}, fmt.Errorf("ckpt: %s: sharded checkpoints are not supported", dir)
		}
		if bin := filepath.Join(dir, "pytorch_model.bin"); fileExists(bin) {
			path = bin
		}
	}
	f, err := readState(path)
	if err != nil {
		return nil, HFConfig{}, err
	}
	native, err := FromHF(f, cfg)
	if err != nil {
		return nil, HFConfig{}, fmt.Errorf("%w\n(in %s)", err, path)
	}
	return native, cfg, nil
}

// readState is state.Read, with a panic inside the reader (a malformed file it
// does not catch) turned into an error naming the file.
func readState(path string) (f *state.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("ckpt: %s: malformed checkpoint (the reader panicked: %v)", path, r)
		}
	}()
	return state.Read(path)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
