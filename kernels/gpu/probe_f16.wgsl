// f16 probe: out[i] = f32(f16(i) * 0.5h) for i < 16.
enable f16;

struct Params {
    unused: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;

@compute @workgroup_size(16)
fn main(@builtin(local_invocation_index) lid: u32) {
    let h = f16(lid) * 0.5h;
    out[lid] = f32(h);
}
