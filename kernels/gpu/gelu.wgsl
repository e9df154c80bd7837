// GELU (exact, erf form), elementwise over P.n elements of type {{.T}}
// (mode {{.Mode}}):
//   fwd: y = x·Φ(x)
//   bwd: dx = dy·(Φ(x) + x·φ(x)),  φ(x) = e^{−x²/2}/√(2π)
// Φ comes from the erfc fit in common.wgsl (fractional error < 1.2e-7).

struct Params {
    n: u32,
}

{{- if eq .Mode "fwd"}}
@group(0) @binding(0) var<storage, read> x: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> x: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> dy: array<{{.T}}>;
@group(0) @binding(2) var<storage, read_write> dx: array<{{.T}}>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}
{{template "common_gelu"}}

{{- if .Vec4}}
fn f(v: vec4<f32>) -> vec4<f32> {
    return vec4<f32>(F(v.x), F(v.y), F(v.z), F(v.w));
}
{{- else}}
fn f(v: f32) -> f32 {
    return F(v);
}
{{- end}}

fn F(v: f32) -> f32 {
{{- if eq .Mode "fwd"}}
    return gelu(v);
{{- else}}
    return gelu_grad(v);
{{- end}}
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (i >= P.n) {
        return;
    }
{{- if eq .Mode "fwd"}}
    y[i] = f(x[i]);
{{- else}}
    dx[i] = dy[i] * f(x[i]);
{{- end}}
}
