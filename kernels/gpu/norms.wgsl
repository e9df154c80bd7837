{{/*
Row norms: one workgroup of WG invocations per row, the row read in
units of T = f32 or vec4<f32> (vec4 when cols % 4 == 0); n = P.n units per
row. The row index is folded into a 2-D grid: row = wid.x + wid.y·nwg.x.

Mode "l2":      n_r = ‖x_r‖₂,  y_r = x_r / max(n_r, eps),  norm[r] = n_r
Mode "l2back":  n = norm[r];  if n > eps: dx = (dy − y·(y·dy)) / n
                              else:       dx = dy / eps
Mode "wn":      norm[r] = ‖v_r‖₂,  w_r = (g[r] / norm[r])·v_r
Mode "wnback":  c = (dw_r·v_r) / n,  dg[r] = c,
                dv_r = (g[r] / n)·(dw_r − (c / n)·v_r)         (n = norm[r])

The reductions are fixed-order tree sums in workgroup memory, so results
are deterministic.

The defines below are shared by the row kernels of norms.wgsl, losses.wgsl
and ssl.wgsl (their data, rkVariant, has fields WG, Vec4 and method T).
*/}}
{{define "rowk_vec"}}
// vdot(a, b) = Σ a⊙b over the components; hsum(a) = Σ components;
// hmax(a) = max component.
{{- if .Vec4}}
fn vdot(a: vec4<f32>, b: vec4<f32>) -> f32 { return dot(a, b); }
fn hsum(a: vec4<f32>) -> f32 { return (a.x + a.y) + (a.z + a.w); }
fn hmax(a: vec4<f32>) -> f32 { return max(max(a.x, a.y), max(a.z, a.w)); }
{{- else}}
fn vdot(a: f32, b: f32) -> f32 { return a * b; }
fn hsum(a: f32) -> f32 { return a; }
fn hmax(a: f32) -> f32 { return a; }
{{- end}}
{{end}}

{{define "rowk_sum"}}
var<workgroup> red_sum: array<f32, {{.WG}}>;

// wg_sum returns Σ v over the workgroup (a fixed-order tree), to every
// invocation. It must be called from uniform control flow.
fn wg_sum(lid: u32, v: f32) -> f32 {
    red_sum[lid] = v;
    workgroupBarrier();
    for (var s = {{div .WG 2}}u; s > 0u; s = s >> 1u) {
        if (lid < s) {
            red_sum[lid] = red_sum[lid] + red_sum[lid + s];
        }
        workgroupBarrier();
    }
    let r = red_sum[0];
    workgroupBarrier(); // red_sum may be reused right after
    return r;
}
{{end}}

{{define "rowk_row"}}
    let row = wid.x + wid.y * nwg.x;
    if (row >= P.rows) {
        return;
    }
    let o = row * P.n;
{{end}}

struct Params {
    rows: u32,
    n: u32,
    eps: f32,
}

{{- if eq .Mode "l2"}}
@group(0) @binding(0) var<storage, read> x: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{.T}}>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- else if eq .Mode "l2back"}}
@group(0) @binding(0) var<storage, read> dy: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> y: array<{{.T}}>;
@group(0) @binding(2) var<storage, read> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<{{.T}}>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else if eq .Mode "wn"}}
@group(0) @binding(0) var<storage, read> v: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> w: array<{{.T}}>;
@group(0) @binding(3) var<storage, read_write> norm: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else if eq .Mode "wnback"}}
@group(0) @binding(0) var<storage, read> dw: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<{{.T}}>;
@group(0) @binding(3) var<storage, read> norm: array<f32>;
@group(0) @binding(4) var<storage, read_write> dg: array<f32>;
@group(0) @binding(5) var<storage, read_write> dv: array<{{.T}}>;
@group(0) @binding(6) var<uniform> P: Params;
{{- end}}
{{template "rowk_vec" .}}
{{template "rowk_sum" .}}

@compute @workgroup_size({{.WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- template "rowk_row"}}
{{- if eq .Mode "l2"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let a = x[o + i];
        acc += vdot(a, a);
    }
    let nrm = sqrt(wg_sum(lid, acc));
    let den = max(nrm, P.eps);
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        y[o + i] = x[o + i] / den;
    }
    if (lid == 0u) {
        norm[row] = nrm;
    }
{{- else if eq .Mode "l2back"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        acc += vdot(y[o + i], dy[o + i]);
    }
    let yd = wg_sum(lid, acc);
    let nrm = norm[row];
    // !(n > eps) also catches a NaN norm, as the reference does.
    let big = nrm > P.eps;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let d = dy[o + i];
        if (big) {
            dx[o + i] = (d - y[o + i] * yd) / nrm;
        } else {
            dx[o + i] = d / P.eps;
        }
    }
{{- else if eq .Mode "wn"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let a = v[o + i];
        acc += vdot(a, a);
    }
    let nrm = sqrt(wg_sum(lid, acc));
    let s = g[row] / nrm;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        w[o + i] = s * v[o + i];
    }
    if (lid == 0u) {
        norm[row] = nrm;
    }
{{- else if eq .Mode "wnback"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        acc += vdot(dw[o + i], v[o + i]);
    }
    let nrm = norm[row];
    let c = wg_sum(lid, acc) / nrm;
    let s = g[row] / nrm;
    let cn = c / nrm;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        dv[o + i] = s * (dw[o + i] - cn * v[o + i]);
    }
    if (lid == 0u) {
        dg[row] = c;
    }
{{- end}}
}
