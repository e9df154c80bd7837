// Split-K sum: C[i,j] = act(α·Σ_s part[s][i,j] + β·C[i,j] + bias[j]) over
// the P.S slices of K in order (part is S packed M×N matrices), with β·C
// only when Beta, bias only when Bias, act = exact GELU only when Gelu;
// with Pre the value before act is also stored in Pre (C's layout).

struct Params {
    M: u32,
    N: u32,
    ldc: u32,
    S: u32,
    alpha: f32,
    beta: f32,
}

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> C: array<f32>;
{{- if .Bias}}
@group(0) @binding(2) var<storage, read> bias: array<f32>;
{{- end}}
{{- if .Pre}}
@group(0) @binding({{if .Bias}}3{{else}}2{{end}}) var<storage, read_write> Pre: array<f32>;
{{- end}}
{{- if and .Bias .Pre}}
@group(0) @binding(4) var<uniform> P: Params;
{{- else if or .Bias .Pre}}
@group(0) @binding(3) var<uniform> P: Params;
{{- else}}
@group(0) @binding(2) var<uniform> P: Params;
{{- end}}
{{if .Gelu}}{{template "common_gelu"}}{{end}}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    let mn = P.M * P.N;
    if (e >= mn) {
        return;
    }
    var acc = 0.0;
    for (var s = 0u; s < P.S; s++) {
        acc += part[s * mn + e];
    }
    let i = e / P.N;
    let j = e % P.N;
    let ci = i * P.ldc + j;
    var v = P.alpha * acc;
{{- if .Beta}}
    v += P.beta * C[ci];
{{- end}}
{{- if .Bias}}
    v += bias[j];
{{- end}}
{{- if .Pre}}
    Pre[ci] = v;
{{- end}}
{{- if .Gelu}}
    v = gelu(v);
{{- end}}
    C[ci] = v;
}
