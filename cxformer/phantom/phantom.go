package phantom

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// The findings, in the order of Sample.Labels and Config.Prevalence.
const (
	Cardiomegaly = iota
	Effusion
	Consolidation
	Pneumothorax
	Nodule
	NumFindings
)

// FindingNames names the findings in label order.
var FindingNames = [NumFindings]string{"Cardiomegaly", "Effusion", "Consolidation", "Pneumothorax", "Nodule"}

// Mask classes (spec §9.4). Left and right are the patient's.
const (
	ClassBackground = 0
	ClassLeftLung   = 1 // the lung on the image's right
	ClassRightLung  = 2 // the lung on the image's left
	ClassHeart      = 3
	NumClasses      = 4
)

// Side names a side of the patient (Right is on the image's left).
type Side uint8

// Sides of a finding.
const (
	NoSide Side = iota
	Right
	Left
	Both
)

func (s Side) String() string {
	switch s {
	case Right:
		return "right"
	case Left:
		return "left"
	case Both:
		return "both"
	}
	return "none"
}

// has reports whether the finding is on lung side (0 right, 1 left).
func (s Side) has(side int) bool {
	return s == Both || (s == Right && side == 0) || (s == Left && side == 1)
}

// Findings records which findings a sample has and the parameters that drew
// them. Positions and lengths are in normalised image coordinates (multiply
// by Size for pixels). The parameters of an absent finding are drawn anyway
// (so that switching one finding on or off leaves the rest of the patient
// unchanged) but are not used.
type Findings struct {
	Cardiomegaly, Effusion, Consolidation, Pneumothorax, Nodule bool

	// CTR is the cardiothoracic ratio the heart was scaled to:
	// Anatomy.HeartWidth / Anatomy.ThoracicWidth. Cardiomegaly == (CTR > 0.5).
	CTR float64
	// EffusionSide and EffusionHeight: the fluid rises medially to
	// EffusionHeight times the lung height (apex to costophrenic angle)
	// above the costophrenic angle, and higher along the lateral wall.
	EffusionSide   Side
	EffusionHeight float64
	// The consolidation is a lobulated patch of mean radius
	// ConsolidationRadius around (ConsolidationX, ConsolidationY), inside the
	// ConsolidationSide lung.
	ConsolidationSide                                   Side
	ConsolidationX, ConsolidationY, ConsolidationRadius float64
	// The pneumothorax's pleural line lies PneumothoraxWidth inside the
	// lateral chest wall and below the apex of the PneumothoraxSide lung
	// (a soft minimum of the two distances, which rounds its top).
	PneumothoraxSide  Side
	PneumothoraxWidth float64
	// The nodule is a sphere of radius NoduleRadius centred at (NoduleX, NoduleY)
	// in the NoduleSide lung.
	NoduleSide                     Side
	NoduleX, NoduleY, NoduleRadius float64
}

// Labels returns the presence of each finding in label order.
func (f Findings) Labels() [NumFindings]bool {
	return [NumFindings]bool{f.Cardiomegaly, f.Effusion, f.Consolidation, f.Pneumothorax, f.Nodule}
}

// Anatomy summarises a patient's geometry in normalised image coordinates.
// Index 0 of the per-side arrays is the patient's right (image left), 1 the
// patient's left (image right).
type Anatomy struct {
	MidlineX      float64    // x of the patient's midline
	ApexY         float64    // top of the lungs
	CostophrenicY [2]float64 // y of the costophrenic angles
	DomeY         [2]float64 // top of each hemidiaphragm
	LateralX      [2]float64 // x of the lateral lung borders at their widest (the costophrenic angles)
	ThoracicWidth float64    // LateralX[1] − LateralX[0]
	HeartLeftX    float64    // leftmost x of the heart (image coordinates)
	HeartRightX   float64    // rightmost x of the heart
	HeartWidth    float64    // HeartRightX − HeartLeftX
}

// Sample is one phantom radiograph.
type Sample struct {
	Size     int
	Image    []uint8 // Size×Size, row-major, 8-bit: 0 black (air) to 255 white (bone)
	Mask     []uint8 // Size×Size class map: ClassBackground, ClassLeftLung, ClassRightLung, ClassHeart
	Labels   [NumFindings]bool
	Findings Findings
	Anatomy  Anatomy
}

// Config sets the prevalence of each finding, in label order: the
// probability, independently per finding and per sample, that it is
// present. The zero Config draws healthy patients only.
type Config struct {
	Prevalence [NumFindings]float64
}

// DefaultConfig gives every finding a prevalence of 0.3.
func DefaultConfig() Config {
	var c Config
	for i := range c.Prevalence {
		c.Prevalence[i] = 0.3
	}
	return c
}

// Validate reports a prevalence outside [0, 1].
func (c Config) Validate() error {
	for i, p := range c.Prevalence {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("phantom: prevalence of %s is %v, want a probability in [0, 1]", FindingNames[i], p)
		}
	}
	return nil
}

// MinSize and MaxSize bound the image side length.
const (
	MinSize = 16
	MaxSize = 4096
)

func checkArgs(size int, cfg Config) error {
	if size < MinSize || size > MaxSize {
		return fmt.Errorf("phantom: image size %d is outside [%d, %d]", size, MinSize, MaxSize)
	}
	return cfg.Validate()
}

// Generate draws sample number index of the phantom set with the given seed
// at size×size pixels. The result depends only on its arguments. It returns
// an error for a size outside [MinSize, MaxSize] or an invalid Config.
func Generate(seed uint64, index int, size int, cfg Config) (Sample, error) {
	if err := checkArgs(size, cfg); err != nil {
		return Sample{}, err
	}
	p := newPatient(seed, index, cfg)
	s := Sample{
		Size:     size,
		Image:    make([]uint8, size*size),
		Mask:     make([]uint8, size*size),
		Labels:   p.findings.Labels(),
		Findings: p.findings,
		Anatomy:  p.anatomy(),
	}
	rd := newRenderer(p, size)
	rd.render(s.Image, s.Mask)
	putScratch(rd.vessels)
	return s, nil
}

// Dataset draws samples 0..n-1 of the phantom set with the given seed,
// spreading the work over all cores (GOMAXPROCS); the result is the same as
// calling Generate for each index.
func Dataset(seed uint64, n, size int, cfg Config) ([]Sample, error) {
	if n < 0 {
		return nil, fmt.Errorf("phantom: negative number of samples %d", n)
	}
	if err := checkArgs(size, cfg); err != nil {
		return nil, err
	}
	out := make([]Sample, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				out[i], _ = Generate(seed, i, size, cfg) // arguments checked above
			}
		}()
	}
	wg.Wait()
	return out, nil
}
