package gpu

import _ "github.com/gogpu/wgpu/hal/dx12" // DX12 is the native backend on Windows.
