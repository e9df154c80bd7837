// Package gpu is the WebGPU runtime of gocx and its WGSL kernels, on the
// pure-Go github.com/gogpu/wgpu (Vulkan on Linux and Windows, Metal on
// macOS, DX12 on Windows; no cgo). The tensor package wraps it; kernels
// take *Buffer arguments plus explicit sizes, like kernels/ref and
// kernels/cpu take slices (see ../CONTRACT.md).
//
// # Adapters
//
// Adapters lists what the library can open. Open takes the first hardware
// backend with an adapter (Vulkan, then Metal, then DX12) unless
// Options.Backend names one; the pure-Go software adapter only when named
// "software". The backend actually obtained is always checked, because the
// library silently hands out the software adapter when the asked-for
// backend has no driver: Open then fails with "no Vulkan/Metal/DX12 adapter
// found". A CPU implementation of Vulkan (Mesa lavapipe) counts as Vulkan;
// it is what CI tests on. The device is opened with the adapter's own
// limits (storage bindings up to 4 GiB and 48 KiB of workgroup memory on an
// H200), not the WebGPU defaults. Open also runs two probes: a subgroup
// kernel (subgroupAdd/subgroupMax reduced through workgroup memory, the
// pattern the row kernels use) whose result must be exact, and an f16
// kernel. Describe reports adapter, limits and probes.
//
// # OpenGL
//
// Built with the gl build tag (cgo; the default build stays pure Go), Open
// also offers an OpenGL 4.3 device, Options{Backend: "gl"}, for machines
// with an OpenGL driver and no Vulkan. It runs the same kernels: every WGSL
// template variant is rendered as for WebGPU and translated to GLSL 4.30 at
// first use by naga's GLSL back end (compute shaders on std430 shader
// storage blocks, the parameter block as a std140 uniform block; a select
// with a vector condition, which naga writes as an invalid `?:`, becomes
// GLSL's mix with a bvec), then compiled by the driver. The context is headless: EGL without a window or
// surface, on an EGL device (EGL_PLATFORM_DEVICE_EXT, how the NVIDIA driver
// runs headless) or on Mesa's surfaceless platform
// (EGL_PLATFORM_SURFACELESS_MESA: llvmpipe on the CPU, which CI tests on).
// OpenGL entry points come from github.com/go-gl/gl (v4.3-core). Every GL
// call is made on one OS thread locked to a goroutine of the device. Both
// APIs sit behind one internal executor interface (executor.go): the pool,
// the kernel cache, the launchers and the public API are shared; the
// OpenGL executor records dispatches and uploads like a command buffer and
// issues them in batches (a glMemoryBarrier after each dispatch keeps
// program order). Without EGL, or without an OpenGL 4.3 core context, Open
// says which is missing. Build and test with
//
//	go test -tags gl -ldflags=-linkmode=internal ./kernels/gpu  # GOCX_GPU_BACKEND=gl
//
// (internal linking: the external linker cannot link goffi, the FFI under
// gogpu/wgpu, next to cgo code). Subgroups need GL_KHR_shader_subgroup,
// which llvmpipe lacks; the probe then turns them off.
//
// # Execution
//
// Ops are eager but asynchronous. Every op records one or more dispatches
// into a single open compute pass; nothing is submitted per op (about 75 us
// per submit-and-wait on an H200 against about 5 us per dispatch in one
// pass). The command buffer is submitted without waiting when
// Options.MaxQueued dispatches (256) are recorded, and submitted and waited
// for by Sync and by every Download. The Vulkan HAL puts a global memory
// barrier after each dispatch, so ops see each other's results in program
// order.
//
// Copies between host and device go through host-visible staging buffers
// that are pooled and reused, and between staging and device buffers
// through a copy kernel recorded in the same pass (Upload, Download, Copy,
// Zero and Fill are all dispatches). The library records no barrier between
// a transfer command (CopyBufferToBuffer, ClearBuffer) and a later dispatch
// inside one command buffer, so transfers are kept out of the pass;
// CopyTransfer, the one transfer-engine copy, submits on its own and waits.
// Download maps its staging buffer by polling the device from the calling
// goroutine (Buffer.Map would wait on a goroutine of its own, and a Vulkan
// queue must not be used from two threads at once).
//
// Errors: a shape or length that does not match panics with the op and the
// sizes (a programming error); device failures (pipeline compilation,
// allocation, submission) are returned, by the op that hit them or by the
// next Sync or Download.
//
// # Memory
//
// Alloc hands out buffers from a size-class pool: classes of 256 bytes,
// then four per power of two (1, 1.25, 1.5, 1.75 × 2^k, at most 25% waste),
// so the same shapes reuse the same buffers. Release returns a buffer; work
// already queued on it stays valid, because every later use of the memory
// is queued after it. New buffers hold stale data (Vulkan does not clear
// them): Zero clears explicitly. A size beyond the device limits is an
// error. Stats counts buffers, staging buffers, pipelines and bind groups
// created, so a test can assert that a repeated step allocates nothing
// (TestSteadyState). Bind groups are cached per (kernel, buffers, parameter
// slot): releasing a step's buffers in reverse order of allocation hands
// the same buffers to the same roles next time, so the cache hits from the
// second step on; any other order reaches a steady state after a few steps.
//
// # Kernel parameters
//
// WebGPU offers no push constants here, and the Vulkan HAL implements no
// dynamic uniform offsets. Each dispatch's parameter block (sizes, strides,
// scalars: at most 32 words) is interned into a 256-byte slot of one
// uniform buffer, and the bind group names the slot. A training loop
// repeats its shapes, so in steady state every block is already there and
// no bytes move; new blocks are written with one Queue.WriteBuffer per
// submit (the library orders it, with a barrier, before the submitted
// commands). When the 4096 slots are used up the device waits and starts
// the arena again.
//
// # Kernels
//
// Kernels are WGSL text templates (*.wgsl, embedded), one file plus one Go
// launcher per operator family, rendered per variant with text/template
// because naga rejects `override` constants: tile sizes, workgroup sizes,
// vec4 or scalar access, subgroup or workgroup-memory reductions, fused
// epilogues. A pipeline is compiled on the first use of a variant and
// cached under a comparable key struct. Kernels stay within portable
// limits: at most 8 storage buffers, grids folded into two dimensions of at
// most 65,535 workgroups, no float atomics (reductions are fixed-order trees
// or two-pass), no module-scope constant arrays indexed at run time (naga
// reads them as zeros).
//
// GEMM (gemm.wgsl) is a shared-memory tiled kernel with register tiling:
// 128×128 block tiles with an 8×8 tile per invocation and 256 invocations
// for large problems, and 128×64, 64×64 and 32×32 tiles chosen by an
// estimate of the waves of workgroups a problem makes; k-steps of 16 (8 in
// the 32×32k8 tile that CPU adapters use)
// double-buffered in workgroup memory (one barrier per step), vec4 global
// loads where the layout is aligned, bounds-checked edges, and a fused
// epilogue (bias per column, exact GELU, optionally also storing the
// pre-activation for the backward). Products with few output tiles and a
// long K (weight gradients) are split along K (with their own tile
// ranking) and summed by a second kernel. Transposes, leading dimensions,
// strided and shared batches follow kernels.Gemm. The row kernels
// (Softmax, LogSoftmax, LayerNorm and their backwards) have two forms: a
// register path, where a group of invocations (often one subgroup) holds
// a row in registers as vec4s, so that each row is read once and written
// once and a workgroup serves several short rows; and a loop path, one
// workgroup per row, for rows too long for registers and for CPU adapters
// (whose compilers are slow on the unrolled form). Reductions go through
// subgroup operations when the probe verified them, otherwise a fixed-order
// tree. Gelu, GeluBackward and the copy kernel move 1, 2 or 4 vec4s per
// invocation (RowTuning, StreamShape).
//
// # Views and packed training state
//
// Buffer.View aliases a span of a buffer at an aligned offset; every kernel
// works on views unchanged (they are bound with an offset). Arenas of
// parameters, gradients and moments built from views let AdamWMultiCtrl
// and EMAMultiCtrl update a whole model in one dispatch each, scaled by
// clip coefficients and guarded by a skip flag that SumSquaresSpans and
// ClipControl compute on the device.
//
// # Testing
//
// The tests compare every kernel with the float64 references of
// kernels/ref on random inputs of awkward sizes, bounding the relative
// error ||got−ref||/||ref||. They open the device through openTestDevice,
// which skips (loudly) when no adapter exists, unless GOCX_REQUIRE_GPU is
// set (CI sets it to vulkan): then a missing adapter, or one on another
// backend, fails. GOCX_GPU_BACKEND=gl runs them on the OpenGL device
// (.ci/gl.sh). On lavapipe, compiling a kernel costs seconds (LLVM), so
// GEMM uses the 32×32k8 tile there and the tests run the other tiles only
// with GOCX_GPU_LONG=1; on a real GPU they run every tile.
// cmd/gpubench is a self-contained benchmark and spot-check for a real GPU.
package gpu
