package gpu

import _ "github.com/gogpu/wgpu/hal/metal" // Metal is the native backend on macOS.
