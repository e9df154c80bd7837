{{/* Shared WGSL snippets, included with {{template "name"}}. */}}

{{define "common_gelu"}}
// erfc_pos(z) = erfc(z) for z >= 0, by the Chebyshev fit of Numerical
// Recipes (erfcc): fractional error below 1.2e-7 for every z >= 0, so the
// tails of Φ keep their relative accuracy.
fn erfc_pos(z: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
        t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
        t * (-0.82215223 + t * 0.17087277))))))));
    return t * exp(p);
}

// phi_cdf(x) = Φ(x) = ½·erfc(−x/√2), the standard normal CDF.
fn phi_cdf(x: f32) -> f32 {
    let h = 0.5 * erfc_pos(abs(x) * 0.70710678118654752);
    return select(1.0 - h, h, x < 0.0);
}

// gelu(x) = x·Φ(x), the exact (erf) GELU.
fn gelu(x: f32) -> f32 {
    return x * phi_cdf(x);
}

// gelu_grad(x) = dGELU/dx = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π).
fn gelu_grad(x: f32) -> f32 {
    return phi_cdf(x) + x * 0.39894228040143268 * exp(-0.5 * x * x);
}
{{end}}

{{/*
common_reduce declares wg_sum and wg_max: the sum / maximum of one f32 per
invocation over a workgroup of .W invocations, returned to every
invocation. Both must be called from uniform control flow, after
common_row_init. With .Subgroups each subgroup reduces with
subgroupAdd/subgroupMax and the per-subgroup results are combined in
subgroup order through workgroup memory (the path the subgroup probe
verified at Open); otherwise a fixed-order tree in workgroup memory. Either
way the order of the operations depends only on the sizes, so a result is
bit-reproducible on one device.
*/}}
{{define "common_reduce"}}
var<private> r_lid: u32;
{{- if .Subgroups}}
var<private> r_lane: u32;
var<private> r_sg: u32;
var<private> r_nsg: u32;
{{- end}}
var<workgroup> r_buf: array<f32, {{.W}}>;
{{range $op := .ReduceOps}}
fn wg_{{$op}}(v: f32) -> f32 {
{{- if $.Subgroups}}
    {{- if eq $op "sum"}}
    let s = subgroupAdd(v);
    {{- else}}
    let s = subgroupMax(v);
    {{- end}}
    if (r_lane == 0u) {
        r_buf[r_sg] = s;
    }
    workgroupBarrier();
    var t = r_buf[0];
    for (var i = 1u; i < r_nsg; i++) {
        {{- if eq $op "sum"}}
        t += r_buf[i];
        {{- else}}
        t = max(t, r_buf[i]);
        {{- end}}
    }
{{- else}}
    r_buf[r_lid] = v;
    workgroupBarrier();
    {{- range $h := halves $.W}}
    if (r_lid < {{$h}}u) {
        {{- if eq $op "sum"}}
        r_buf[r_lid] += r_buf[r_lid + {{$h}}u];
        {{- else}}
        r_buf[r_lid] = max(r_buf[r_lid], r_buf[r_lid + {{$h}}u]);
        {{- end}}
    }
    workgroupBarrier();
    {{- end}}
    let t = r_buf[0];
{{- end}}
    workgroupBarrier(); // r_buf is reused by the next reduction
    return t;
}
{{end}}
{{end}}

{{/* common_row_args: the entry-point parameters of a row kernel. */}}
{{define "common_row_args"}}@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32
{{- if .Subgroups}},
        @builtin(subgroup_invocation_id) sg_lane: u32,
        @builtin(subgroup_id) sg_id: u32,
        @builtin(num_subgroups) n_sg: u32
{{- end}}{{end}}

{{/* common_row_init: record the ids common_reduce needs, find the row
(folded into a 2-D grid) and return from surplus workgroups. */}}
{{define "common_row_init"}}
    r_lid = lid;
{{- if .Subgroups}}
    r_lane = sg_lane;
    r_sg = sg_id;
    r_nsg = n_sg;
{{- end}}
    let row = wid.x + wid.y * nwg.x;
    if (row >= P.rows) {
        return;
    }
    let o = row * P.cols;
{{end}}
