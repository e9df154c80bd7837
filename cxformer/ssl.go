package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// SSLConfig is the self-supervised objective of spec §2-§4: the backbone,
// the DINO and iBOT heads, temperatures, centering and loss weights.
type SSLConfig struct {
	Backbone         Config
	DINOHead         HeadConfig // In is the backbone width
	IBOTHead         HeadConfig // used when SeparateIBOTHead
	SeparateIBOTHead bool
	StudentTemp      float64 // 0.1
	Centering        Centering
	CenterMomentum   float64 // 0.9
	SKIterations     int     // 3
	DINOWeight       float64 // 1
	IBOTWeight       float64 // 1
	KoLeoWeight      float64 // 0.1
	NGlobal, NLocal  int     // 2 and 8
	KoLeoChunk       int     // nearest neighbours within chunks of this many images (64)
}

// Validate names the first inconsistent field.
func (c SSLConfig) Validate() error {
	if err := c.Backbone.Validate(); err != nil {
		return err
	}
	if err := c.DINOHead.Validate("dino head"); err != nil {
		return err
	}
	if c.SeparateIBOTHead {
		if err := c.IBOTHead.Validate("ibot head"); err != nil {
			return err
		}
	}
	switch {
	case c.DINOHead.In != c.Backbone.EmbedDim:
		return fmt.Errorf("dino head: input width %d differs from embed_dim %d", c.DINOHead.In, c.Backbone.EmbedDim)
	case c.SeparateIBOTHead && c.IBOTHead.In != c.Backbone.EmbedDim:
		return fmt.Errorf("ibot head: input width %d differs from embed_dim %d", c.IBOTHead.In, c.Backbone.EmbedDim)
	case c.StudentTemp <= 0:
		return fmt.Errorf("student_temp %g must be positive", c.StudentTemp)
	case c.CenterMomentum < 0 || c.CenterMomentum >= 1:
		return fmt.Errorf("center_momentum %g must be in [0, 1)", c.CenterMomentum)
	case c.Centering == SinkhornKnopp && c.SKIterations < 1:
		return fmt.Errorf("sinkhorn iterations %d must be at least 1", c.SKIterations)
	case c.NGlobal != 2:
		return fmt.Errorf("global_crops_number %d: DINOv2's crop swap needs exactly 2", c.NGlobal)
	case c.NLocal < 0:
		return fmt.Errorf("local_crops_number %d must be >= 0", c.NLocal)
	case c.KoLeoWeight > 0 && c.KoLeoChunk < 2:
		return fmt.Errorf("koleo chunk %d must be at least 2", c.KoLeoChunk)
	}
	return nil
}

// IBOTHeadConfig returns the config of the head iBOT uses.
func (c SSLConfig) IBOTHeadConfig() HeadConfig {
	if c.SeparateIBOTHead {
		return c.IBOTHead
	}
	return c.DINOHead
}

// SSLModel is one side of the student/teacher pair: backbone and heads.
// Parameter names are relative to their module ("blocks.0.norm1.weight",
// "mlp.0.weight", "last_layer.weight_g"); Modules gives the module names.
type SSLModel struct {
	Backbone   *ViT
	DINO, IBOT *Head // IBOT == DINO when the head is shared
	DINOParams nn.Params
	IBOTParams nn.Params // empty when the head is shared
}

// Module is a named parameter list ("backbone", "dino_head", "ibot_head").
type Module struct {
	Name   string
	Params nn.Params
}

// NewSSLModel builds a freshly initialised student (or teacher) on dev.
func NewSSLModel(cfg SSLConfig, dev tensor.Device, seed uint64) (*SSLModel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	vit, err := NewViT(cfg.Backbone, dev, seed)
	if err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(seed ^ 0x5eed)
	m := &SSLModel{Backbone: vit}
	m.DINO = NewHead(&m.DINOParams, "", cfg.DINOHead, dev, rng)
	m.IBOT = m.DINO
	if cfg.SeparateIBOTHead {
		m.IBOT = NewHead(&m.IBOTParams, "", cfg.IBOTHead, dev, rng)
	}
	return m, nil
}

// Modules returns the parameter lists by module, in DINOv2's order.
func (m *SSLModel) Modules() []Module {
	mods := []Module{{"backbone", m.Backbone.Params}, {"dino_head", m.DINOParams}}
	if len(m.IBOTParams) > 0 {
		mods = append(mods, Module{"ibot_head", m.IBOTParams})
	}
	return mods
}

// AllParams returns every parameter with its module prefix in the name
// ("backbone.blocks.0.norm1.weight").
func (m *SSLModel) AllParams() nn.Params {
	var all nn.Params
	for _, mod := range m.Modules() {
		for _, p := range mod.Params {
			all = append(all, nn.Param{Name: mod.Name + "." + p.Name, V: p.V})
		}
	}
	return all
}
