{{/*
Mean row entropy, the collapse monitor of the DINO teacher targets, over
the first B = P.rows rows of p (rows of P.n units of T = f32 or vec4<f32>):

  "ent_row"   one workgroup per row r:
              term[r] = −Σ_k p[r,k]·ln p[r,k], an element p ≤ 0 adding 0
              (0·ln 0 = 0)
  "ent_mean"  one workgroup: dst[0] = (1/B) Σ_r term[r]

Each sum is a fixed-order one (every invocation adds a strided subset in
order, then the tree of wg_sum), so a result is bit-reproducible on one
device; no float atomics.
*/}}
struct Params {
    rows: u32,     // B, the rows averaged
    n: u32,        // units per row (cols, or cols/4 for vec4)
}
{{- if eq .Mode "ent_row"}}
@group(0) @binding(0) var<storage, read> p: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> term: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> term: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- end}}
{{template "rowk_vec" .}}
{{template "rowk_sum" .}}
{{- if eq .Mode "ent_row"}}

// neg_plogp(v) = Σ over the components of −v·ln v, a component v ≤ 0
// adding 0 (log of it is −inf or NaN, and select drops it).
fn neg_plogp(v: {{.T}}) -> f32 {
    return hsum(select(-v * log(v), {{.T}}(0.0), v <= {{.T}}(0.0)));
}
{{- end}}

@compute @workgroup_size({{.WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- if eq .Mode "ent_row"}}
{{- template "rowk_row"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        acc += neg_plogp(p[o + i]);
    }
    let h = wg_sum(lid, acc);
    if (lid == 0u) {
        term[row] = h;
    }
{{- else}}
    var acc = 0.0;
    for (var i = lid; i < P.rows; i += {{.WG}}u) {
        acc += term[i];
    }
    let s = wg_sum(lid, acc);
    if (lid == 0u) {
        dst[0] = s / f32(P.rows);
    }
{{- end}}
}
