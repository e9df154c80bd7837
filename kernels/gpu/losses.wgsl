{{/*
Soft-target cross-entropy (the DINO / iBOT loss term), one workgroup of WG
invocations per row, the row read once per pass in units of T = f32 or
vec4<f32>; n = P.n units per row.

With τ = |temp|, σ = sign(temp) and u = σ·s (so s/temp = u/τ), each
invocation folds its elements into an online state (m, S, A, T):

    m = max u,  S = Σ e^{(u−m)/τ},  A = Σ t·(m−u)/τ,  T = Σ t

rescaling S and A whenever m grows; states merge with a fixed-order tree in
workgroup memory. Every term of S and A is ≥ 0 (for t ≥ 0), so nothing
cancels, and exponents are formed from differences u − m of the inputs,
not from u/τ, which keeps the rounding of the exponent proportional to
|u − m| (small where e^{(u−m)/τ} matters).

The online state helpers (define "rowk_online") are shared with the
centered softmax of ssl.wgsl, whose Params also carry tau.

Mode "fwd":  loss[r] = −Σ_k t_k·log_softmax(s/temp)_k = A + T·log S
Mode "back": ds[r,k] = dloss[r]·(e^{(u_k−m)/τ}/S·T − t_k)/temp
*/}}
struct Params {
    rows: u32,
    n: u32,
    tau: f32,   // |temp|
    sgn: f32,   // sign(temp): u = sgn·s
    temp: f32,
}

@group(0) @binding(0) var<storage, read> t: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> s: array<{{.T}}>;
{{- if eq .Mode "fwd"}}
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- else}}
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> ds: array<{{.T}}>;
@group(0) @binding(4) var<uniform> P: Params;
{{- end}}

{{template "rowk_online" .}}

@compute @workgroup_size({{.WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- template "rowk_row"}}
    var st = vec4<f32>(-3.40282347e38, 0.0, 0.0, 0.0);
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let u = P.sgn * s[o + i];
        let tk = t[o + i];
{{- if .Vec4}}
        st = push(st, u.x, tk.x);
        st = push(st, u.y, tk.y);
        st = push(st, u.z, tk.z);
        st = push(st, u.w, tk.w);
{{- else}}
        st = push(st, u, tk);
{{- end}}
    }
    let r = wg_merge(lid, st);
{{- if eq .Mode "fwd"}}
    if (lid == 0u) {
        // T = 0 (no columns, or targets that sum to zero) contributes 0,
        // not 0·log 0.
        loss[row] = r.z + select(r.w * log(r.y), 0.0, r.w == 0.0);
    }
{{- else}}
    let c = dloss[row] / P.temp;
    let inv = 1.0 / r.y;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let p = exp((P.sgn * s[o + i] - r.x) / P.tau) * inv;
        ds[o + i] = c * (p * r.w - t[o + i]);
    }
{{- end}}
}

{{define "rowk_online"}}
// A state is a vec4 (m, S, A, T) as in the header comment (a vector
// rather than a struct: lavapipe's compiler takes seconds per variant on
// struct values, growing with the workgroup size). The empty state is
// m = −FLT_MAX with S = A = T = 0; S ≥ 1 for every non-empty one. (It is
// written out where used: a module-scope const vector reads as zeros under
// naga, like the const arrays of GPU-FACTS bug 2.)

// push folds one element (u, tk) into st. Only a new maximum pays for a
// second exponential (the rescaling of the old state).
fn push(st: vec4<f32>, u: f32, tk: f32) -> vec4<f32> {
    if (u > st.x) {
        let d = (u - st.x) / P.tau;
        // Guards: the empty state has S = T = 0 and its m − u may be infinite.
        return vec4<f32>(u,
                         select(st.y * exp(-d), 0.0, st.y == 0.0) + 1.0,
                         st.z + select(d * st.w, 0.0, st.w == 0.0),
                         st.w + tk);
    }
    let d = (st.x - u) / P.tau;
    return vec4<f32>(st.x, st.y + exp(-d), st.z + tk * d, st.w + tk);
}

// merge combines two states (their sets of elements).
fn merge(x: vec4<f32>, y: vec4<f32>) -> vec4<f32> {
    let m = max(x.x, y.x);
    let dx = (m - x.x) / P.tau;
    let dy = (m - y.x) / P.tau;
    return vec4<f32>(m,
        select(x.y * exp(-dx), 0.0, x.y == 0.0) + select(y.y * exp(-dy), 0.0, y.y == 0.0),
        (x.z + select(dx * x.w, 0.0, x.w == 0.0)) + (y.z + select(dy * y.w, 0.0, y.w == 0.0)),
        x.w + y.w);
}

var<workgroup> red: array<vec4<f32>, {{.WG}}>;

// wg_merge merges every invocation's state (a fixed-order tree, so the
// result is deterministic) and returns the row's state to every invocation.
fn wg_merge(lid: u32, st: vec4<f32>) -> vec4<f32> {
    red[lid] = st;
    workgroupBarrier();
    for (var k = {{div .WG 2}}u; k > 0u; k = k >> 1u) {
        if (lid < k) {
            red[lid] = merge(red[lid], red[lid + k]);
        }
        workgroupBarrier();
    }
    return red[0];
}
{{end}}
