{{- if .Subgroups}}
enable subgroups;
{{- end}}
// Softmax family, one workgroup of {{.W}} invocations per row of P.cols
// values (mode {{.Mode}}):
//   fwd:     m = max_j x_j,  s = Σ_j e^{x_j−m},  y_k = e^{x_k−m} / s
//   logfwd:  y_k = x_k − (m + log s)
//   bwd:     dx_k = y_k·(dy_k − Σ_j dy_j·y_j)          (y = softmax output)
//   logbwd:  dx_k = dy_k − e^{y_k}·Σ_j dy_j            (y = log-softmax output)

struct Params {
    rows: u32,
    cols: u32,
}

{{- if or (eq .Mode "fwd") (eq .Mode "logfwd")}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}
{{template "common_reduce" .}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
{{- template "common_row_init" .}}
{{- if or (eq .Mode "fwd") (eq .Mode "logfwd")}}
    var m = -3.40282347e38;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        m = max(m, x[o + j]);
    }
    m = wg_max(m);
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += exp(x[o + j] - m);
    }
    s = wg_sum(s);
    {{- if eq .Mode "fwd"}}
    let inv = 1.0 / s;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = exp(x[o + j] - m) * inv;
    }
    {{- else}}
    let lse = m + log(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = x[o + j] - lse;
    }
    {{- end}}
{{- else if eq .Mode "bwd"}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += dy[o + j] * y[o + j];
    }
    s = wg_sum(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        dx[o + j] = y[o + j] * (dy[o + j] - s);
    }
{{- else}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += dy[o + j];
    }
    s = wg_sum(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        dx[o + j] = dy[o + j] - exp(y[o + j]) * s;
    }
{{- end}}
}
