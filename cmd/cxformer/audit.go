package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/nn/state"
)

const auditUsage = `usage: cxformer audit-step --config C --weights W --batch B --centering centering|sinkhorn_knopp --out OUT [--device cpu|gpu|auto]

Runs one SSL step on a given batch and writes OUT.safetensors with every intermediate, named as in the
golden SSL data (shared/golden/ssl, whose files are examples of C, W and B):
  <centering>.step1.{t_dino_logits,t_ibot_logits,tgt_dino,tgt_ibot,s_global_logits,s_local_logits,s_patch_logits}
  <centering>.step1.loss.{dino_local,dino_global,koleo,ibot,total}, <centering>.step1.grad.<module>.<param>
  opt.clip_total_norm.<module>, opt.student_after.<module>.<param>, opt.teacher_after.<module>.<param>
C is the golden config.json format; W holds student.* and teacher.* weights; B holds global_crops,
local_crops, masks, mask_indices and masks_weight. The optimiser step is one AdamW group (weight decay
on every parameter), gradient clipping per module, then the teacher EMA; centers start at zero.
`

func runAuditStep(args []string) error {
	fs := flag.NewFlagSet("audit-step", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), auditUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "", "step config (golden ssl/config.json format)")
	weightsPath := fs.String("weights", "", "safetensors with student.* and teacher.* parameters")
	batchPath := fs.String("batch", "", "safetensors with the batch")
	centering := fs.String("centering", "centering", "centering or sinkhorn_knopp")
	out := fs.String("out", "", "output file (.safetensors is appended if missing)")
	device := fs.String("device", "cpu", "cpu, gpu or auto")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("audit-step: unexpected arguments %q", fs.Args())
	case *configPath == "" || *weightsPath == "" || *batchPath == "" || *out == "":
		return fmt.Errorf("audit-step: --config, --weights, --batch and --out are required")
	}
	c, err := cxformer.ParseCentering(*centering)
	if err != nil {
		return fmt.Errorf("audit-step: --centering: %w", err)
	}
	cfg, err := pretrain.ReadAuditConfig(*configPath)
	if err != nil {
		return err
	}
	weights, err := state.Read(*weightsPath)
	if err != nil {
		return err
	}
	batchFile, err := state.Read(*batchPath)
	if err != nil {
		return err
	}
	dev, release, err := openDevice(*device)
	if err != nil {
		return err
	}
	defer release()
	batch, err := pretrain.ReadAuditBatch(batchFile, dev)
	if err != nil {
		return fmt.Errorf("%s: %w", *batchPath, err)
	}
	res, err := pretrain.AuditStep(cfg, c, weights, batch, dev)
	if err != nil {
		return err
	}
	path := *out
	if !strings.HasSuffix(path, ".safetensors") {
		path += ".safetensors"
	}
	if err := state.WriteSafetensors(path, res); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d arrays (%s, device %s)\n", path, res.Len(), c, dev)
	return nil
}
