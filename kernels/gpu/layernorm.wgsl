{{- if .Subgroups}}
enable subgroups;
{{- end}}
// LayerNorm over rows of P.cols values (mode {{.Mode}}):
//   fwd:   μ = mean_k x_k,  σ² = mean_k (x_k − μ)²  (two passes, biased),
//          rstd = 1/√(σ² + eps),  y_k = (x_k − μ)·rstd·γ_k + β_k,
//          mean[r] = μ, rstd[r] = rstd; one workgroup of {{.W}} per row.
//   bwd:   x̂ = (x − μ)·rstd, g = dy⊙γ,
//          dx = rstd·(g − mean_k g − x̂·mean_k(g⊙x̂)); one workgroup per row.
//   cols:  partial column sums over a chunk of P.chunk rows: thread c of
//          chunk b writes part[2b·cols + c] = Σ dy·x̂ and
//          part[(2b+1)·cols + c] = Σ dy (rows in order).
//   colsum: dγ[c] = Σ_b part[2b·cols + c], dβ[c] = Σ_b part[(2b+1)·cols + c],
//          chunks in order: the column sums are deterministic.

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    chunk: u32,
}

{{- if eq .Mode "fwd"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "bwd"}}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "cols"}}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}

{{- if or (eq .Mode "fwd") (eq .Mode "bwd")}}
{{template "common_reduce" .}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
{{- template "common_row_init" .}}
    let inv_n = 1.0 / f32(max(P.cols, 1u));
{{- if eq .Mode "fwd"}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += x[o + j];
    }
    let mu = wg_sum(s) * inv_n;
    var q = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let c = x[o + j] - mu;
        q += c * c;
    }
    let rs = 1.0 / sqrt(wg_sum(q) * inv_n + P.eps);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = (x[o + j] - mu) * rs * gamma[j] + beta[j];
    }
    if (lid == 0u) {
        mean[row] = mu;
        rstd[row] = rs;
    }
{{- else}}
    let mu = mean[row];
    let rs = rstd[row];
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let g = dy[o + j] * gamma[j];
        sg += g;
        sgx += g * (x[o + j] - mu) * rs;
    }
    let a = wg_sum(sg) * inv_n;
    let b = wg_sum(sgx) * inv_n;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let g = dy[o + j] * gamma[j];
        let xh = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (g - a - xh * b);
    }
{{- end}}
}
{{- else if eq .Mode "cols"}}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    if (c >= P.cols) {
        return;
    }
    let r0 = gid.y * P.chunk;
    let r1 = min(r0 + P.chunk, P.rows);
    var dg = 0.0;
    var db = 0.0;
    for (var r = r0; r < r1; r++) {
        let d = dy[r * P.cols + c];
        dg += d * (x[r * P.cols + c] - mean[r]) * rstd[r];
        db += d;
    }
    part[2u * gid.y * P.cols + c] = dg;
    part[(2u * gid.y + 1u) * P.cols + c] = db;
}
{{- else}}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    if (c >= P.cols) {
        return;
    }
    var dg = 0.0;
    var db = 0.0;
    for (var b = 0u; b < P.rows; b++) {
        dg += part[2u * b * P.cols + c];
        db += part[(2u * b + 1u) * P.cols + c];
    }
    dgamma[c] = dg;
    dbeta[c] = db;
}
{{- end}}
