{{- if .Subgroups}}
enable subgroups;
{{- end}}
// Residual add (+LayerScale) fused with LayerNorm, over rows of P.cols
// values, one workgroup of {{.W}} per row (mode {{.Mode}}):
//   fused:  s = x + a;  μ = mean s,  σ² = mean (s − μ)²  (two passes),
//           rstd = 1/√(σ² + eps),  y = (s − μ)·rstd·w + β;
//           writes sum = s, y, mean[r] = μ, rstd[r] = rstd.
//   sum:    s = x + γ⊙a and its statistics: writes sum, mean, rstd.
//   affine: y = (sum − mean[r])·rstd[r]·w + β from what sum wrote.
// (γ needs a ninth storage buffer in one kernel, beyond WebGPU's eight, so
// with LayerScale the work is split in two: sum, then affine.)
// The second and third passes reread the row this invocation just wrote
// (its own writes, in program order), which the cache still holds.

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    pad: u32,
}

{{- if eq .Mode "fused"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> sum: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> mean: array<f32>;
@group(0) @binding(7) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;
{{- else if eq .Mode "sum"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> sum: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- end}}
{{- if ne .Mode "affine"}}
{{template "common_reduce" .}}
{{- end}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
{{- if eq .Mode "affine"}}
    let row = wid.x + wid.y * nwg.x;
    if (row >= P.rows) {
        return;
    }
    let o = row * P.cols;
    let mu = mean[row];
    let rs = rstd[row];
{{- else}}
{{- template "common_row_init" .}}
    let inv_n = 1.0 / f32(max(P.cols, 1u));
    var t = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
{{- if eq .Mode "sum"}}
        let s = x[o + j] + gamma[j] * a[o + j];
{{- else}}
        let s = x[o + j] + a[o + j];
{{- end}}
        sum[o + j] = s;
        t += s;
    }
    let mu = wg_sum(t) * inv_n;
    var q = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let c = sum[o + j] - mu;
        q += c * c;
    }
    let rs = 1.0 / sqrt(wg_sum(q) * inv_n + P.eps);
    if (lid == 0u) {
        mean[row] = mu;
        rstd[row] = rs;
    }
{{- end}}
{{- if ne .Mode "sum"}}
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = (sum[o + j] - mu) * rs * w[j] + beta[j];
    }
{{- end}}
}
