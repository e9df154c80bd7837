package gpu

import (
	"fmt"
	"strings"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"
	"github.com/gogpu/wgpu/core"
)

// Backend names as they appear in AdapterInfo.Backend and Options.Backend
// (Options matches them case-insensitively).
const (
	BackendVulkan   = "Vulkan"
	BackendMetal    = "Metal"
	BackendDX12     = "DX12"
	BackendGL       = "GL"
	BackendSoftware = "software"
)

// Limits are the adapter limits that the kernels and the buffer pool size
// themselves by. Open requests the adapter's own values, not the smaller
// WebGPU defaults.
type Limits struct {
	MaxBufferSize                     uint64 // bytes in one buffer
	MaxStorageBufferBindingSize       uint64 // bytes visible through one storage binding
	MaxComputeWorkgroupStorageSize    uint32 // bytes of var<workgroup> memory
	MaxComputeInvocationsPerWorkgroup uint32
	MaxComputeWorkgroupsPerDimension  uint32
	MaxStorageBuffersPerShaderStage   uint32
	MinStorageBufferOffsetAlignment   uint32
	MinUniformBufferOffsetAlignment   uint32
}

func limitsFrom(l gputypes.Limits) Limits {
	return Limits{
		MaxBufferSize:                     l.MaxBufferSize,
		MaxStorageBufferBindingSize:       l.MaxStorageBufferBindingSize,
		MaxComputeWorkgroupStorageSize:    l.MaxComputeWorkgroupStorageSize,
		MaxComputeInvocationsPerWorkgroup: l.MaxComputeInvocationsPerWorkgroup,
		MaxComputeWorkgroupsPerDimension:  l.MaxComputeWorkgroupsPerDimension,
		MaxStorageBuffersPerShaderStage:   l.MaxStorageBuffersPerShaderStage,
		MinStorageBufferOffsetAlignment:   l.MinStorageBufferOffsetAlignment,
		MinUniformBufferOffsetAlignment:   l.MinUniformBufferOffsetAlignment,
	}
}

// AdapterInfo describes one adapter the WebGPU library can open.
type AdapterInfo struct {
	Backend    string // BackendVulkan, BackendMetal, BackendDX12, BackendGL or BackendSoftware
	Name       string // e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)"
	Vendor     string
	VendorID   uint32
	DeviceID   uint32
	DeviceType string // DiscreteGPU, IntegratedGPU, VirtualGPU, CPU or Other
	Driver     string
	Limits     Limits
}

// String is one line: backend, name, device type, driver.
func (a AdapterInfo) String() string {
	s := fmt.Sprintf("%s: %s (%s", a.Backend, a.Name, a.DeviceType)
	if a.Driver != "" {
		s += ", driver " + a.Driver
	}
	return s + ")"
}

// backendName maps the library's backend enum to the names above. The
// pure-Go software adapter reports the "empty" backend.
func backendName(b gputypes.Backend) string {
	switch b {
	case gputypes.BackendVulkan:
		return BackendVulkan
	case gputypes.BackendMetal:
		return BackendMetal
	case gputypes.BackendDX12:
		return BackendDX12
	case gputypes.BackendGL:
		return BackendGL
	case gputypes.BackendEmpty:
		return BackendSoftware
	}
	return b.String()
}

func adapterInfoFrom(info gputypes.AdapterInfo, l gputypes.Limits) AdapterInfo {
	return AdapterInfo{
		Backend:    backendName(info.Backend),
		Name:       info.Name,
		Vendor:     info.Vendor,
		VendorID:   info.VendorID,
		DeviceID:   info.DeviceID,
		DeviceType: info.DeviceType.String(),
		Driver:     driverString(info.Driver, info.DriverInfo),
		Limits:     limitsFrom(l),
	}
}

// hardwareBackends are the backends Open tries, in order, when no backend is
// named. Only the ones linked on this platform enumerate anything.
var hardwareBackends = []struct {
	name string
	mask gputypes.Backends
}{
	{BackendVulkan, gputypes.BackendsVulkan},
	{BackendMetal, gputypes.BackendsMetal},
	{BackendDX12, gputypes.BackendsDX12},
}

// Adapters lists every adapter of every linked backend (Vulkan, plus Metal
// on macOS and DX12 on Windows, plus the pure-Go software adapter, plus the
// OpenGL device in builds with the gl tag). It opens no WebGPU device; the
// OpenGL device is found by creating (and destroying) an EGL context. An empty list is not an error; an error means the enumeration
// itself failed.
func Adapters() (list []AdapterInfo, err error) {
	defer func() {
		// The HAL loaders call into C libraries through purego; a broken
		// driver installation must come back as an error, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("gpu: adapter enumeration failed: %v", r)
		}
	}()
	seen := map[string]bool{}
	masks := []gputypes.Backends{gputypes.BackendsVulkan, gputypes.BackendsMetal, gputypes.BackendsDX12}
	for _, mask := range masks {
		inst := core.NewInstance(&gputypes.InstanceDescriptor{Backends: mask})
		for _, id := range inst.EnumerateAdapters() {
			info, err := core.GetAdapterInfo(id)
			if err != nil {
				continue
			}
			lim, err := core.GetAdapterLimits(id)
			if err != nil {
				continue
			}
			a := adapterInfoFrom(info, lim)
			// Every instance also carries the software adapter (it is not
			// filtered by backend mask); list it once.
			key := a.Backend + "\x00" + a.Name + "\x00" + fmt.Sprint(a.DeviceID)
			if !seen[key] {
				seen[key] = true
				list = append(list, a)
			}
		}
		inst.Destroy()
	}
	return append(list, glAdapters()...), nil
}

// Options choose the adapter Open uses.
type Options struct {
	// Backend is "" for the first hardware backend that has an adapter
	// (Vulkan, then Metal, then DX12), or one of "vulkan", "metal", "dx12",
	// "software", "gl" (case-insensitive). "gl" is the OpenGL 4.3 device
	// of builds with the gl tag (headless EGL; see gl.go); it is never
	// chosen unless named. The software adapter is never chosen
	// unless named: it runs workgroup invocations one after another and
	// ignores barriers (GPU-FACTS bug 5), and in wgpu v0.31.5 it computes
	// wrong results even for the fill and copy kernels, so nothing should
	// run on it; opening it by name is supported and tested, no more.
	Backend string

	// LowPower prefers an integrated GPU where several adapters exist;
	// the default prefers a discrete GPU. Within one backend the library
	// offers no finer choice (a CPU implementation such as lavapipe is
	// taken only when it is the backend's sole adapter).
	LowPower bool

	// MaxQueued is the number of dispatches recorded before the open
	// command buffer is submitted without waiting; 0 means 256.
	MaxQueued int
}

// openAdapter finds the adapter for opts and returns it with its instance.
// The library silently falls back to the software adapter when the asked-for
// backend has no driver (GPU-FACTS bug 6), so the backend actually obtained
// is always checked.
func openAdapter(opts Options) (*wgpu.Instance, *wgpu.Adapter, error) {
	pref := gputypes.PowerPreferenceHighPerformance
	if opts.LowPower {
		pref = gputypes.PowerPreferenceLowPower
	}
	try := func(want string, mask gputypes.Backends, software bool) (*wgpu.Instance, *wgpu.Adapter, error) {
		inst, err := wgpu.CreateInstance(&wgpu.InstanceDescriptor{Backends: mask})
		if err != nil {
			return nil, nil, err
		}
		ad, err := inst.RequestAdapter(&wgpu.RequestAdapterOptions{PowerPreference: pref, ForceFallbackAdapter: software})
		if err != nil {
			inst.Release()
			return nil, nil, err
		}
		if got := backendName(ad.Info().Backend); got != want {
			ad.Release()
			inst.Release()
			return nil, nil, fmt.Errorf("asked for %s, the library offered %s adapter %q", want, got, ad.Info().Name)
		}
		return inst, ad, nil
	}
	switch strings.ToLower(opts.Backend) {
	case "":
		var reasons []string
		for _, hb := range hardwareBackends {
			inst, ad, err := try(hb.name, hb.mask, false)
			if err == nil {
				return inst, ad, nil
			}
			reasons = append(reasons, fmt.Sprintf("%s: %v", hb.name, err))
		}
		return nil, nil, fmt.Errorf("gpu: no Vulkan/Metal/DX12 adapter found: %s", strings.Join(reasons, "; "))
	case "software":
		inst, ad, err := try(BackendSoftware, gputypes.BackendsNone, true)
		if err != nil {
			return nil, nil, fmt.Errorf("gpu: no software adapter: %w", err)
		}
		return inst, ad, nil
	default:
		for _, hb := range hardwareBackends {
			if strings.EqualFold(hb.name, opts.Backend) {
				inst, ad, err := try(hb.name, hb.mask, false)
				if err != nil {
					return nil, nil, fmt.Errorf("gpu: no %s adapter found: %w", hb.name, err)
				}
				return inst, ad, nil
			}
		}
		return nil, nil, fmt.Errorf("gpu: unknown backend %q (want vulkan, metal, dx12 or software)", opts.Backend)
	}
}

// driverString joins a driver's name and its version text, once: drivers
// whose version text repeats the name ("Vulkan", "Vulkan 1.3.230") get
// the version text alone.
func driverString(name, info string) string {
	name, info = strings.TrimSpace(name), strings.TrimSpace(info)
	if name == "" || strings.HasPrefix(info, name) {
		return info
	}
	return strings.TrimSpace(name + " " + info)
}
