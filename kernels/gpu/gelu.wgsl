// GELU (exact, erf form), elementwise over P.n elements of type {{.T}}
// (mode {{.Mode}}; {{.U}} elements per invocation, {{if .Stride}}grid-stride{{else}}one-shot{{end}}: see
// stream_main in copy.wgsl):
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

{{- if eq .T "vec4<f32>"}}
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

fn item(i: u32) {
{{- range $k := seq .U}}
    var x{{$k}}: {{$.T}};
{{- if ne $.Mode "fwd"}}
    var d{{$k}}: {{$.T}};
{{- end}}
    if (i + {{mul $k 256}}u < P.n) {
        x{{$k}} = x[i + {{mul $k 256}}u];
{{- if ne $.Mode "fwd"}}
        d{{$k}} = dy[i + {{mul $k 256}}u];
{{- end}}
    }
{{- end}}
{{- range $k := seq .U}}
    if (i + {{mul $k 256}}u < P.n) {
{{- if eq $.Mode "fwd"}}
        y[i + {{mul $k 256}}u] = f(x{{$k}});
{{- else}}
        dx[i + {{mul $k 256}}u] = d{{$k}} * f(x{{$k}});
{{- end}}
    }
{{- end}}
}
{{template "stream_main" .}}
