package pretrain

// CollapseMonitor watches the teacher's DINO target entropy for the two
// ways DINO collapses (spec §3, §11): every image assigned to one prototype
// (row entropy → 0, "one-hot") or the teacher output flattening to the
// uniform distribution (row entropy → ln K, "uniform"). It tracks the ratio
// H/ln K of the mean row entropy H and reports a signature once the ratio
// has been below Low or above High for Patience consecutive steps.
//
// The defaults (Low 0.05, High 0.98, Patience 10) leave room for healthy
// runs: at initialisation the weight-normalised head gives logits
// g·cos(v_k, b) with cosines of order 1/√bottleneck, so the teacher targets
// at temperature 0.04 sit clearly below ln K (≈0.9·ln K for CXformer's
// 384-wide bottleneck and K = 16384), and trained models keep the ratio
// well above 0.05 because centering (or Sinkhorn-Knopp) spreads the mass
// over many prototypes.
type CollapseMonitor struct {
	Low, High float64
	Patience  int

	lowRun, highRun int
}

// DefaultCollapseMonitor returns the monitor with the documented
// thresholds.
func DefaultCollapseMonitor() CollapseMonitor {
	return CollapseMonitor{Low: 0.05, High: 0.98, Patience: 10}
}

// Observe records one step's entropy ratio. It returns the signature
// ("one-hot" or "uniform") while the ratio has been out of range for at
// least Patience steps, and fired = true on the step it first gets there.
// The monitor's run counters are not part of a checkpoint: after a resume
// a collapse is reported Patience steps later at the latest.
func (m *CollapseMonitor) Observe(ratio float64) (signature string, fired bool) {
	switch {
	case ratio < m.Low:
		m.lowRun++
		m.highRun = 0
	case ratio > m.High:
		m.highRun++
		m.lowRun = 0
	default:
		m.lowRun, m.highRun = 0, 0
	}
	patience := max(m.Patience, 1)
	switch {
	case m.lowRun >= patience:
		return "one-hot", m.lowRun == patience
	case m.highRun >= patience:
		return "uniform", m.highRun == patience
	}
	return "", false
}
