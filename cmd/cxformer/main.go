// Command cxformer pretrains, fine-tunes and runs CXformer chest X-ray
// foundation models on the gocx engine.
//
//	cxformer devices               CPU features, kernel path and GPU adapters
//	cxformer embed --model PATH …  backbone embeddings, Hugging Face semantics
//	cxformer bench gemm [flags]    GEMM GFLOP/s at the ViT-S shapes
//
// Run "cxformer help" for the full list.
package main

import (
	"fmt"
	"io"
	"os"
)

type command struct {
	name, usage string
	run         func(args []string) error
}

func commands() []command {
	return []command{
		{"demo", "the main job: synthetic chest X-rays → pretraining → probe → segmentation → report.md (demo [--quick])", runDemo},
		{"devices", "list the CPU features, the kernel path chosen and the GPU adapters", runDevices},
		{"embed", "embeddings with Hugging Face semantics: embed --model PATH (--input pixels.safetensors | IMAGE...) --out OUT.safetensors", runEmbed},
		{"pretrain", "DINOv2/CXformer self-supervised pretraining: pretrain --preset tiny|cxformer-s|cxformer-b [--init PATH] [--resume]", runPretrain},
		{"export", "a backbone as a Hugging Face directory that transformers loads: export --model PATH --out DIR", runExport},
		{"audit-step", "one SSL step with every intermediate: audit-step --config C --weights W --batch B --centering C --out OUT", runAuditStep},
		{"probe", "frozen-backbone linear probe with AUROC/AUPRC and bootstrap CIs: probe --model PATH --data SPEC [--json]", runProbe},
		{"finetune", "full fine-tuning for multi-label classification: finetune --model PATH --data SPEC [--json]", runFinetune},
		{"segment", "linear lung/heart segmentation head with Dice: segment --model PATH --data SPEC [--json]", runSegment},
		{"bench", "benchmarks: bench gemm [--shapes vits|square|all] [--threads N] [--device cpu]", runBench},
	}
}

func main() {
	quietVulkanLoader()
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cxformer:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(out)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	usage(os.Stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cxformer <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.usage)
	}
}

func runBench(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("bench: which benchmark? (gemm)")
	}
	switch args[0] {
	case "gemm":
		return runBenchGemm(args[1:])
	}
	return fmt.Errorf("bench: unknown benchmark %q (gemm)", args[0])
}

// quietVulkanLoader sets XDG_RUNTIME_DIR to the temporary directory when it
// is unset, as on headless servers and in containers. Without it Mesa's
// Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid or not set" when
// the GPU adapters are listed: a false alarm, since compute needs no
// display, that reads like a failure at the top of every run.
func quietVulkanLoader() {
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		_ = os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
	}
}
