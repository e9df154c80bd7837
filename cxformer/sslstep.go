package cxformer

import (
	"fmt"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// Batch is one multi-crop batch in DINOv2's crop-major layout (spec §3.1).
type Batch struct {
	Global *tensor.Tensor // (2B, 3, S, S): rows [crop1 of images 0..B-1, crop2 of images 0..B-1]
	Local  *tensor.Tensor // (NLocal·B, 3, s, s), row l·B+b; nil without local crops
	// Masks has one entry per patch of every global crop (2B·N): non-zero
	// patches are replaced by the mask token in the student.
	Masks []int32
	// MaskIndices are the flat indices i·N+n of the masked patches, and
	// MaskWeights[j] = 1/(masked patches in the crop of MaskIndices[j]).
	MaskIndices []int32
	MaskWeights []float32
	// DropPath draws the student's stochastic depth when the backbone's
	// rate is positive (nil: none). The teacher never drops paths.
	DropPath *tensor.RNG
}

// Centers holds the teacher centering state of both losses.
type Centers struct {
	DINO, IBOT *Center
}

// NewCenters returns zero centers for the configured heads.
func NewCenters(cfg SSLConfig, dev tensor.Device) *Centers {
	return &Centers{
		DINO: NewCenter(dev, cfg.DINOHead.Prototypes, cfg.CenterMomentum),
		IBOT: NewCenter(dev, cfg.IBOTHeadConfig().Prototypes, cfg.CenterMomentum),
	}
}

// StepOutput is everything one forward of the SSL objective produced.
// The Vars live on the tape the step ran on.
type StepOutput struct {
	Total                              *autograd.Var
	DINOLocal, DINOGlobal, KoLeo, IBOT *autograd.Var // nil when the term is off
	// Teacher side (constants): logits and targets, targets after the swap
	// (rows [crop2; crop1]).
	TeacherDINOLogits, TeacherIBOTLogits *tensor.Tensor
	TargetsDINO, TargetsIBOT             *tensor.Tensor
	// Student logits: global (2B, K), local (NLocal·B, K), masked patches.
	StudentGlobal, StudentLocal, StudentPatch *autograd.Var
}

// SSLForward computes the DINO + iBOT + KoLeo objective of one step (spec
// §3): the teacher (no gradient, unmasked global crops, the crop swap,
// centering or Sinkhorn-Knopp at teacherTemp) and the student (masked
// global crops and local crops). centers is updated lazily as in DINOv2.
func SSLForward(tp *autograd.Tape, cfg SSLConfig, student, teacher *SSLModel, centers *Centers,
	batch Batch, teacherTemp float64) (StepOutput, error) {
	var out StepOutput
	gs := batch.Global.Shape()
	if len(gs) != 4 || gs[0]%cfg.NGlobal != 0 {
		return out, fmt.Errorf("ssl step: global crops %s are not (%d·B, 3, S, S)", tensor.ShapeString(gs), cfg.NGlobal)
	}
	b := gs[0] / cfg.NGlobal
	p := cfg.Backbone.PatchSize
	n := (gs[2] / p) * (gs[3] / p)
	if len(batch.Masks) != gs[0]*n {
		return out, fmt.Errorf("ssl step: %d mask entries for %d global crops of %d patches", len(batch.Masks), gs[0], n)
	}
	if len(batch.MaskIndices) != len(batch.MaskWeights) {
		return out, fmt.Errorf("ssl step: %d mask indices but %d weights", len(batch.MaskIndices), len(batch.MaskWeights))
	}
	nl := 0
	if batch.Local != nil {
		ls := batch.Local.Shape()
		if len(ls) != 4 || ls[0]%b != 0 {
			return out, fmt.Errorf("ssl step: local crops %s are not (n·%d, 3, s, s)", tensor.ShapeString(ls), b)
		}
		nl = ls[0] / b
	}
	if nl != cfg.NLocal {
		return out, fmt.Errorf("ssl step: batch has %d local crops per image, config %d", nl, cfg.NLocal)
	}
	d := cfg.Backbone.EmbedDim
	g := autograd.Const(batch.Global)

	// Teacher: unmasked global crops, no gradient.
	var err error
	tp.NoGrad(func() {
		var tout Output
		tout, err = teacher.Backbone.Forward(tp, g, Options{})
		if err != nil {
			return
		}
		cls := tp.Concat(0, tp.Slice(tout.ClsNorm, 0, b, 2*b), tp.Slice(tout.ClsNorm, 0, 0, b)) // the swap
		out.TeacherDINOLogits = teacher.DINO.Forward(tp, cls).Value
		if cfg.IBOTWeight > 0 {
			pt := tp.GatherRows(tp.Reshape(tout.PatchNorm, gs[0]*n, d), batch.MaskIndices)
			out.TeacherIBOTLogits = teacher.IBOT.Forward(tp, pt).Value
		}
	})
	if err != nil {
		return out, err
	}
	switch cfg.Centering {
	case SinkhornKnopp:
		out.TargetsDINO = tensor.SinkhornKnopp(out.TeacherDINOLogits, teacherTemp, cfg.SKIterations)
		if out.TeacherIBOTLogits != nil {
			out.TargetsIBOT = tensor.SinkhornKnopp(out.TeacherIBOTLogits, teacherTemp, cfg.SKIterations)
		}
	default:
		out.TargetsDINO = centers.DINO.Targets(out.TeacherDINOLogits, teacherTemp)
		if out.TeacherIBOTLogits != nil {
			out.TargetsIBOT = centers.IBOT.Targets(out.TeacherIBOTLogits, teacherTemp)
		}
	}
	// The tape owns the targets: they live until Release.
	tp.Const(out.TargetsDINO)
	if out.TargetsIBOT != nil {
		tp.Const(out.TargetsIBOT)
	}

	// Student: masked global crops, local crops.
	sg, err := student.Backbone.Forward(tp, g, Options{Masks: batch.Masks, DropPath: batch.DropPath})
	if err != nil {
		return out, err
	}
	terms := []*autograd.Var{}
	nTerms := float64(cfg.NGlobal*(cfg.NGlobal-1) + cfg.NGlobal*nl)
	if cfg.DINOWeight > 0 {
		out.StudentGlobal = student.DINO.Forward(tp, sg.ClsNorm)
		ce := tp.SoftCrossEntropy(autograd.Const(out.TargetsDINO), out.StudentGlobal, cfg.StudentTemp)
		out.DINOGlobal = tp.Scale(tp.Sum(ce), cfg.DINOWeight/(float64(b)*nTerms))
		terms = append(terms, out.DINOGlobal)
		if nl > 0 {
			sl, err := student.Backbone.Forward(tp, autograd.Const(batch.Local), Options{DropPath: batch.DropPath})
			if err != nil {
				return out, err
			}
			out.StudentLocal = student.DINO.Forward(tp, sl.ClsNorm)
			var local *autograd.Var
			for c := 0; c < cfg.NGlobal; c++ {
				tc := tensor.Slice(out.TargetsDINO, 0, c*b, (c+1)*b)
				tiled := tensor.BroadcastAxis(tc, 0, nl, 1) // (nl, B, K): row l·B+b pairs with teacher crop c
				tc.Release()
				ce := tp.SoftCrossEntropy(tp.Reshape(tp.Const(tiled), nl*b, -1), out.StudentLocal, cfg.StudentTemp)
				s := tp.Sum(ce)
				if local == nil {
					local = s
				} else {
					local = tp.Add(local, s)
				}
			}
			out.DINOLocal = tp.Scale(local, cfg.DINOWeight/(float64(b)*nTerms))
			terms = append(terms, out.DINOLocal)
		}
	}
	if cfg.KoLeoWeight > 0 {
		var sum *autograd.Var
		chunks := 0
		for c := 0; c < cfg.NGlobal; c++ {
			for lo := 0; lo < b; lo += cfg.KoLeoChunk {
				hi := min(lo+cfg.KoLeoChunk, b)
				k := tp.KoLeo(tp.Slice(sg.ClsNorm, 0, c*b+lo, c*b+hi))
				if sum == nil {
					sum = k
				} else {
					sum = tp.Add(sum, k)
				}
				if c == 0 {
					chunks++
				}
			}
		}
		out.KoLeo = tp.Scale(sum, cfg.KoLeoWeight/float64(chunks))
		terms = append(terms, out.KoLeo)
	}
	if cfg.IBOTWeight > 0 && len(batch.MaskIndices) > 0 {
		sp := tp.GatherRows(tp.Reshape(sg.PatchNorm, gs[0]*n, d), batch.MaskIndices)
		out.StudentPatch = student.IBOT.Forward(tp, sp)
		ce := tp.SoftCrossEntropy(autograd.Const(out.TargetsIBOT), out.StudentPatch, cfg.StudentTemp)
		w := tensor.MustFromSlice(batch.Global.Device(), batch.MaskWeights, len(batch.MaskWeights))
		out.IBOT = tp.Scale(tp.Sum(tp.Mul(ce, tp.Const(w))), cfg.IBOTWeight/float64(gs[0]))
		terms = append(terms, out.IBOT)
	}
	if len(terms) == 0 {
		return out, fmt.Errorf("ssl step: every loss weight is zero")
	}
	out.Total = terms[0]
	for _, t := range terms[1:] {
		out.Total = tp.Add(out.Total, t)
	}
	return out, nil
}
