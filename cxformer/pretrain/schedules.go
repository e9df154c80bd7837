package pretrain

import "github.com/gocx/gocx/nn/optim"

// Schedules are the per-iteration hyper-parameters of spec §7.1, built
// from a Config exactly as DINOv2's build_schedulers.
type Schedules struct {
	LR, WD, Momentum, TeacherTemp optim.CosineSchedule
	// FreezeLastLayerIters iterations use a last-layer lr of 0.
	FreezeLastLayerIters int
}

// Values are the hyper-parameters of one iteration.
type Values struct {
	LR, WD, Momentum, TeacherTemp, LastLayerLR float64
}

// NewSchedules builds the schedules of c (which must be valid):
//
//	lr:      warm-up 0 → BaseLR over WarmupEpochs, cosine to MinLR
//	wd:      cosine WeightDecay → WeightDecayEnd
//	mom:     cosine MomentumTeacher → FinalMomentumTeacher
//	τt:      linspace WarmupTeacherTemp → TeacherTemp over
//	         WarmupTeacherTempEpochs, then TeacherTemp
//	last lr: the lr, 0 for the first FreezeLastLayerEpochs epochs
func NewSchedules(c Config) Schedules {
	e, total := c.EpochLength, c.TotalIters()
	return Schedules{
		LR: optim.CosineSchedule{Base: c.BaseLR, Final: c.MinLR, Total: total, Warmup: c.WarmupEpochs * e},
		WD: optim.CosineSchedule{Base: c.WeightDecay, Final: c.WeightDecayEnd, Total: total},
		Momentum: optim.CosineSchedule{Base: c.MomentumTeacher, Final: c.FinalMomentumTeacher,
			Total: total},
		TeacherTemp:          teacherTemp(c),
		FreezeLastLayerIters: c.FreezeLastLayerEpochs * e,
	}
}

// teacherTemp is DINOv2's teacher-temperature schedule: np.concatenate of
// linspace(warmup, final, W) and final for the remaining iterations. With
// W = 0 it is the constant final temperature.
func teacherTemp(c Config) optim.CosineSchedule {
	w := c.WarmupTeacherTempEpochs * c.EpochLength
	if w == 0 {
		return optim.Constant(c.TeacherTemp)
	}
	return optim.Linear(c.WarmupTeacherTemp, c.TeacherTemp, w)
}

// At returns every hyper-parameter at iteration it.
func (s Schedules) At(it int) Values {
	v := Values{
		LR:          s.LR.At(it),
		WD:          s.WD.At(it),
		Momentum:    s.Momentum.At(it),
		TeacherTemp: s.TeacherTemp.At(it),
	}
	if it >= s.FreezeLastLayerIters {
		v.LastLayerLR = v.LR
	}
	return v
}
