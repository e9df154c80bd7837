// resample: one pass of the separable 2-D resampling, a matrix applied
// along the middle axis of a (A, K, C) tensor:
//
//   out[a, j, c] = Σ_{k<K} W(j, k)·in[a, k, c]   for j < J,
{{- if .Trans}}
//   W(j, k) = w[k·J + j]   (the transposed weights: the adjoint passes),
{{- else}}
//   W(j, k) = w[j·K + k],
{{- end}}
//
// summed in ascending k. One invocation per output element of type {{.T}}
// (f32, or vec4<f32> along c when C divides by 4); C is in those units.

struct Params {
    n: u32,
    j: u32,
    k: u32,
    c: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (e >= P.n) {
        return;
    }
    let c = e % P.c;
    let t = e / P.c;
    let j = t % P.j;
    let a = t / P.j;
    var acc = {{.T}}(0.0);
    var s = a * P.k * P.c + c;
    for (var k = 0u; k < P.k; k++) {
{{- if .Trans}}
        acc += w[k * P.j + j] * src[s];
{{- else}}
        acc += w[j * P.k + k] * src[s];
{{- end}}
        s += P.c;
    }
    dst[e] = acc;
}
