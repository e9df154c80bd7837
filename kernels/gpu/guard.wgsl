{{- /* guard: the device side of a guarded optimiser step (SumSquaresSpans, ClipControl). */ -}}
{{- if eq .Kind "sumsq"}}
// Sums of squares over spans, pass 1: span s = {block0, off, n} covers
// src[off, off+n) and owns the workgroups block0 … block0 + ⌈n/4096⌉ − 1;
// a workgroup finds its span by a binary search over block0 (the last span
// with block0 ≤ its id, so spans of no blocks are passed over), each of its
// 256 invocations adds the squares of 16 elements at stride 256 in order,
// and a fixed tree in workgroup memory sums the invocations:
//   out[wg] = Σ_{k in block} src[off + k]²
// out is the partial sums (pass 2 adds each span's in order) or, when every
// span is exactly one block, dst itself. No atomics: the order of every sum
// depends only on the spans, so a run is bit-reproducible.

struct Seg {
    block0: u32,
    off: u32,
    n: u32,
}

struct Params {
    nseg: u32,
    total: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> segs: array<Seg>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

var<workgroup> sh: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let wg = wid.x + wid.y * nwg.x;
    if (wg >= P.total) {
        return;
    }
    // Branch-free search, as many steps for every workgroup.
    var lo = 0u;
    var size = P.nseg;
    while (size > 1u) {
        let half = size / 2u;
        lo = select(lo, lo + half, segs[lo + half].block0 <= wg);
        size = size - half;
    }
    let s = segs[lo];
    let base = (wg - s.block0) * 4096u;
    var acc = 0.0;
    for (var r = 0u; r < 16u; r++) {
        let k = base + r * 256u + lid;
        if (k < s.n) {
            let x = src[s.off + k];
            acc = acc + x * x;
        }
    }
    sh[lid] = acc;
    workgroupBarrier();
{{- range halves 256}}
    if (lid < {{.}}u) {
        sh[lid] = sh[lid] + sh[lid + {{.}}u];
    }
    workgroupBarrier();
{{- end}}
    if (lid == 0u) {
        out[wg] = sh[0];
    }
}
{{- else if eq .Kind "sumsq2"}}
// Sums of squares over spans, pass 2: workgroup j adds the ⌈n/4096⌉
// partial sums of span j (from partial block0 on) in a fixed order
// (invocation i takes partials i, i+256, …; then a fixed tree) and writes
// dst[j]; a span of no blocks gives 0.

struct Seg {
    block0: u32,
    off: u32,
    n: u32,
}

struct Params {
    nseg: u32,
    maxb: u32, // the most blocks of any span
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read> segs: array<Seg>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

var<workgroup> sh: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let j = wid.x + wid.y * nwg.x;
    if (j >= P.nseg) {
        return;
    }
    let s = segs[j];
    let nb = (s.n + 4095u) / 4096u;
    var acc = 0.0;
    for (var i = lid; i < P.maxb; i += 256u) {
        if (i < nb) {
            acc = acc + partials[s.block0 + i];
        }
    }
    sh[lid] = acc;
    workgroupBarrier();
{{- range halves 256}}
    if (lid < {{.}}u) {
        sh[lid] = sh[lid] + sh[lid + {{.}}u];
    }
    workgroupBarrier();
{{- end}}
    if (lid == 0u) {
        dst[j] = sh[0];
    }
}
{{- else}}
// ClipControl, one workgroup: for each group j < k,
//   total_j   = √sumsq[j]
//   ctrl[1+j] = max_norm/(total_j + 1e-6) when that is < 1 (and clip is
//               set: max_norm is finite), else 1 (also for a non-finite
//               total_j: the step is skipped anyway)
//   ctrl[0]   = 1 if any sumsq[j] is NaN, ±Inf or negative (total_j not
//               finite) or any watch[i], i < nwatch, is NaN or ±Inf; else 0
// Non-finite values are found from their bits (exponent all ones), which no
// compiler may assume away, and the flags are combined by a fixed tree.

struct Params {
    k: u32,
    nwatch: u32,
    max_norm: f32,
    clip: u32,
}

@group(0) @binding(0) var<storage, read_write> ctrl: array<f32>;
@group(0) @binding(1) var<storage, read> sumsq: array<f32>;
@group(0) @binding(2) var<storage, read> watch: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

var<workgroup> bad: array<u32, 256>;

fn nonfinite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
    var b = 0u;
    for (var j = lid; j < P.k; j += 256u) {
        let s = sumsq[j];
        var coef = 1.0;
        if (nonfinite(s) || s < 0.0) {
            b = 1u;
        } else if (P.clip != 0u) {
            let c = P.max_norm / (sqrt(s) + 1e-6);
            if (c < 1.0) {
                coef = c;
            }
        }
        ctrl[1u + j] = coef;
    }
    for (var i = lid; i < P.nwatch; i += 256u) {
        if (nonfinite(watch[i])) {
            b = 1u;
        }
    }
    bad[lid] = b;
    workgroupBarrier();
{{- range halves 256}}
    if (lid < {{.}}u) {
        bad[lid] = max(bad[lid], bad[lid + {{.}}u]);
    }
    workgroupBarrier();
{{- end}}
    if (lid == 0u) {
        ctrl[0] = select(0.0, 1.0, bad[0] != 0u);
    }
}
{{- end}}
