// Subgroup probe: each of 4 workgroups of 256 invocations reduces
// v = (local_index % 7) + 1 + workgroup_id with subgroupAdd / subgroupMax
// inside each subgroup, then across subgroups through workgroup memory
// indexed by subgroup_id: the same pattern the row kernels use. out[w] is
// the sum, out[4+w] the maximum, out[8] the subgroup size.
enable subgroups;

struct Params {
    unused: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;

var<workgroup> part_sum: array<f32, 256>;
var<workgroup> part_max: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_size) sg_size: u32,
        @builtin(subgroup_id) sg_id: u32,
        @builtin(num_subgroups) n_sg: u32,
        @builtin(subgroup_invocation_id) sg_lane: u32) {
    let v = f32(lid % 7u + 1u + wid.x);
    let s = subgroupAdd(v);
    let m = subgroupMax(v);
    if (sg_lane == 0u) {
        part_sum[sg_id] = s;
        part_max[sg_id] = m;
    }
    workgroupBarrier();
    if (lid == 0u) {
        var ts = 0.0;
        var tm = part_max[0];
        for (var i = 0u; i < n_sg; i++) {
            ts += part_sum[i];
            tm = max(tm, part_max[i]);
        }
        out[wid.x] = ts;
        out[4u + wid.x] = tm;
        if (wid.x == 0u) {
            out[8] = f32(sg_size);
        }
    }
}
