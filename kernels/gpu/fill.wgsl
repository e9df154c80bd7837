// fill: dst[off + i] = value for i < n, in units of {{.T}} (u32 or
// vec4<u32>); value is the bit pattern, so 0 clears float32 and int32 data.

struct Params {
    n: u32,
    off: u32,
    value: u32,
}

@group(0) @binding(0) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(1) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (i < P.n) {
        dst[P.off + i] = {{.T}}(P.value);
    }
}
