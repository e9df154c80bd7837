package gpu

import "testing"

func TestDriverStringSaysTheNameOnce(t *testing.T) {
	for _, c := range []struct{ name, info, want string }{
		{"Vulkan", "Vulkan 1.3.230", "Vulkan 1.3.230"},
		{"NVIDIA", "570.124.06", "NVIDIA 570.124.06"},
		{"", "Mesa 22.3.6", "Mesa 22.3.6"},
		{"llvmpipe", "", "llvmpipe"},
		{" radv ", " Mesa 23 ", "radv Mesa 23"},
	} {
		if got := driverString(c.name, c.info); got != c.want {
			t.Errorf("driverString(%q, %q) = %q, want %q", c.name, c.info, got, c.want)
		}
	}
}
