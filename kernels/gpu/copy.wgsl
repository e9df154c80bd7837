// copy: dst[dst_off + i] = src[src_off + i] for i < n, in units of {{.T}}
// (u32 or vec4<u32>: the copy is bit-exact for float32 and int32 data).
// One invocation per element; the grid is folded into two dimensions.

struct Params {
    n: u32,
    src_off: u32,
    dst_off: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (i < P.n) {
        dst[P.dst_off + i] = src[P.src_off + i];
    }
}
