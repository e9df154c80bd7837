{{- /* optim: AdamW (one tensor, or many packed tensors) and the multi-tensor EMA. */ -}}
{{- if eq .Kind "adamw"}}
// One AdamW element step, PyTorch's order, with the per-step scalars formed
// on the host in float64 (decay = 1 − lr·wd, step_size = lr/(1−β₁ᵗ),
// bc2_sqrt = √(1−β₂ᵗ), w = 1−β₁, omw = β₁):
//   m ← lerp(m, g, w)  (m + w·(g − m) when w < ½, else g − (g − m)·(1 − w))
//   v ← β₂·v + (1−β₂)·g²
//   p ← p·decay − step_size·m/(√v/bc2_sqrt + eps)
{{- if .Multi}}
//
// Multi-tensor form: the four buffers hold many tensors at the same
// offsets; segment s covers elements [off, off+n) with its own scalars and
// owns the workgroups block0 … block0 + ⌈n/1024⌉ − 1 (1024 elements each,
// four per invocation at stride 256). A workgroup finds its segment by a
// binary search over block0 in [seg_lo, seg_hi).
{{- if .Ctrl}}
//
// Guarded form: nothing is written when ctrl[0] ≠ 0 (the skip flag), and
// segment s steps with the gradient g·ctrl[scale] (g itself when the
// multiplier is 1, so the step is then the unguarded one bit for bit).
{{- end}}

struct Seg {
    block0: u32,
    off: u32,
    n: u32,
    lerp_low: u32,
    decay: f32,
    step_size: f32,
    bc2_sqrt: f32,
    eps: f32,
    w: f32,
    omw: f32,
    beta2: f32,
    omb2: f32,
    scale: u32,
}

struct Params {
    seg_lo: u32,
    seg_hi: u32,
    total: u32,
}

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> segs: array<Seg>;
{{- if .Ctrl}}
@group(0) @binding(5) var<storage, read> ctrl: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else}}
@group(0) @binding(5) var<uniform> P: Params;
{{- end}}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- template "optim_segment" .}}
{{- if .Ctrl}}
    let c = ctrl[s.scale];
{{- end}}
    for (var r = 0u; r < 4u; r++) {
        let k = base + r * 256u + lid;
        if (k < s.n) {
            let i = s.off + k;
{{- if .Ctrl}}
            var gi = g[i];
            if (c != 1.0) {
                gi = gi * c;
            }
{{- else}}
            let gi = g[i];
{{- end}}
            var mi = m[i];
            if (s.lerp_low != 0u) {
                mi = mi + s.w * (gi - mi);
            } else {
                mi = gi - (gi - mi) * s.omw;
            }
            let vi = s.beta2 * v[i] + s.omb2 * gi * gi;
            let denom = sqrt(vi) / s.bc2_sqrt + s.eps;
            p[i] = p[i] * s.decay - s.step_size * (mi / denom);
            m[i] = mi;
            v[i] = vi;
        }
    }
}
{{- else}}

struct Params {
    n: u32,
    lerp_low: u32,
    decay: f32,
    step_size: f32,
    bc2_sqrt: f32,
    eps: f32,
    w: f32,
    omw: f32,
    beta2: f32,
    omb2: f32,
}

@group(0) @binding(0) var<storage, read_write> p: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> g: array<{{.T}}>;
@group(0) @binding(2) var<storage, read_write> m: array<{{.T}}>;
@group(0) @binding(3) var<storage, read_write> v: array<{{.T}}>;
@group(0) @binding(4) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (i >= P.n) {
        return;
    }
    let gi = g[i];
    var mi = m[i];
    if (P.lerp_low != 0u) {
        mi = mi + P.w * (gi - mi);
    } else {
        mi = gi - (gi - mi) * P.omw;
    }
    let vi = P.beta2 * v[i] + P.omb2 * gi * gi;
    let denom = sqrt(vi) / P.bc2_sqrt + P.eps;
    p[i] = p[i] * P.decay - P.step_size * (mi / denom);
    m[i] = mi;
    v[i] = vi;
}
{{- end}}
{{- else}}
// Multi-tensor EMA: teacher ← a·teacher +
// b·student (a = m, b = 1 − m) over segments [off, off+n) of two buffers
// with one layout; segment s owns workgroups block0 … (1024 elements each),
// found by a binary search as in the AdamW kernel.
{{- if .Ctrl}} Guarded: nothing is written
// when ctrl[0] ≠ 0.
{{- end}}

struct Seg {
    block0: u32,
    off: u32,
    n: u32,
}

struct Params {
    seg_lo: u32,
    seg_hi: u32,
    total: u32,
    a: f32,
    b: f32,
}

@group(0) @binding(0) var<storage, read_write> teacher: array<f32>;
@group(0) @binding(1) var<storage, read> student: array<f32>;
@group(0) @binding(2) var<storage, read> segs: array<Seg>;
{{- if .Ctrl}}
@group(0) @binding(3) var<storage, read> ctrl: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else}}
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- template "optim_segment" .}}
    for (var r = 0u; r < 4u; r++) {
        let k = base + r * 256u + lid;
        if (k < s.n) {
            let i = s.off + k;
            teacher[i] = P.a * teacher[i] + P.b * student[i];
        }
    }
}
{{- end}}

{{/*
optim_segment starts a multi-tensor kernel (AdamW, EMA): workgroup wg of
the folded grid (beyond P.total: none), nothing at all when the control
vector says skip (.Ctrl), then a binary search for its segment s in
[P.seg_lo, P.seg_hi) (segs[lo].block0 ≤ wg < segs[hi].block0, hi = end)
and base, the first of the segment's elements this workgroup updates.
*/}}
{{define "optim_segment"}}
    let wg = wid.x + wid.y * nwg.x;
    if (wg >= P.total) {
        return;
    }
{{- if .Ctrl}}
    if (ctrl[0] != 0.0) {
        return;
    }
{{- end}}
    var lo = P.seg_lo;
    var hi = P.seg_hi;
    while (hi - lo > 1u) {
        let mid = (lo + hi) / 2u;
        if (segs[mid].block0 <= wg) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let s = segs[lo];
    let base = (wg - s.block0) * 1024u;
{{- end}}
