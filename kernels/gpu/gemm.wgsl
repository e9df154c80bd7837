// GEMM: C = act(α·op(A)·op(B) + β·C + bias) for each batch entry z, where
// op(A) is M×K (A stored M×K, or K×M when TransA), op(B) is K×N (B stored
// K×N, or N×K when TransB), β·C is present only when Beta (β = 0 never reads
// C), bias[n] only when Bias, act = exact GELU only when Gelu. With Pre the
// pre-activation α·op(A)·op(B) + β·C + bias is also stored in Pre (C's
// layout), for the backward dpre = dC ⊙ GELU'(pre).
//
// Variant {{.Name}}: block tile {{.BM}}×{{.BN}}, k-step {{.BK}}, {{.TM}}×{{.TN}} outputs
// per invocation, {{.NT}} invocations, {{.Stages}} shared-memory stage(s).
// Each invocation owns rows (q·TY + ty)·4 + r and columns (j·TX + tx)·4 + c
// of the block tile (q < TM/4, j < TN/4, r, c < 4), so its shared-memory
// reads are vec4 and its stores of C are contiguous across the workgroup.
// Tiles of A and B go from global memory to registers as groups of 4
// consecutive m (or n) at one k, and then to shared memory stored k-major
// (As[k][m], Bs[k][n]) as one vec4 per group. When m (n) is the contiguous
// dimension of the stored matrix a group is one vec4 load if VecA (VecB:
// M (N), the leading dimension and the batch stride are multiples of 4);
// when k is contiguous it is 4 scalar loads, consecutive invocations taking
// consecutive k so the loads coalesce, and the k-rows of the tile are padded
// by PadA (PadB) vec4s against shared-memory bank conflicts. With two stages the next tile's global loads are issued before
// the current tile's arithmetic, and one barrier per k-step suffices.
// Out-of-range rows, columns and k are loaded as zeros; stores are
// bounds-checked, so any M, N, K works.

struct Params {
    M: u32,
    N: u32,
    K: u32,
    lda: u32,
    ldb: u32,
    ldc: u32,
    sa: u32,
    sb: u32,
    sc: u32,
    zoff: u32,
    alpha: f32,
    beta: f32,
    klast: u32, // k extent of batch entry zlast (split-K: the last slice)
    zlast: u32,
}

@group(0) @binding(0) var<storage, read> A: array<{{if .VecA}}vec4<f32>{{else}}f32{{end}}>;
@group(0) @binding(1) var<storage, read> B: array<{{if .VecB}}vec4<f32>{{else}}f32{{end}}>;
@group(0) @binding(2) var<storage, read_write> C: array<{{if .VecC}}vec4<f32>{{else}}f32{{end}}>;
{{- if .Bias}}
@group(0) @binding(3) var<storage, read> bias: array<f32>;
{{- end}}
{{- if .Pre}}
@group(0) @binding({{if .Bias}}4{{else}}3{{end}}) var<storage, read_write> Pre: array<{{if .VecC}}vec4<f32>{{else}}f32{{end}}>;
{{- end}}
{{- if and .Bias .Pre}}
@group(0) @binding(5) var<uniform> P: Params;
{{- else if or .Bias .Pre}}
@group(0) @binding(4) var<uniform> P: Params;
{{- else}}
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}

// kext is the k extent of this workgroup's batch entry.
var<private> kext: u32;

var<workgroup> As: array<vec4<f32>, {{mul .ASTAGE .Stages}}>;
var<workgroup> Bs: array<vec4<f32>, {{mul .BSTAGE .Stages}}>;
{{if .Gelu}}{{template "common_gelu"}}{{end}}

// load_a returns element group v of the A tile: 4 consecutive m at one k,
// zero outside op(A).
fn load_a(abase: u32, m0: u32, k0: u32, v: u32) -> vec4<f32> {
{{- if .TransA}}
    let k = k0 + v / {{.BM4}}u;
    let m = m0 + (v % {{.BM4}}u) * 4u;
    let i = abase + k * P.lda + m;
    {{- if .VecA}}
    if (k < kext && m < P.M) {
        return A[i / 4u];
    }
    return vec4<f32>(0.0);
    {{- else}}
    var r = vec4<f32>(0.0);
    if (k < kext) {
        {{- range $c := seq 4}}
        if (m + {{$c}}u < P.M) { r[{{$c}}] = A[i + {{$c}}u]; }
        {{- end}}
    }
    return r;
    {{- end}}
{{- else}}
    // A is M×K: the group is 4 rows at one k (one scalar load per row,
    // consecutive invocations take consecutive k), so it is stored to the
    // k-major tile as one vec4 with no per-lane component index.
    let m = m0 + (v / {{.BK}}u) * 4u;
    let k = k0 + v % {{.BK}}u;
    var r = vec4<f32>(0.0);
    if (k < kext) {
        let i = abase + m * P.lda + k;
        {{- range $c := seq 4}}
        if (m + {{$c}}u < P.M) { r[{{$c}}] = A[i + {{$c}}u * P.lda]; }
        {{- end}}
    }
    return r;
{{- end}}
}

// store_a puts tile element group v into stage offset off of As (k-major).
fn store_a(off: u32, v: u32, r: vec4<f32>) {
{{- if .TransA}}
    As[off + (v / {{.BM4}}u) * {{.ASTRIDE}}u + v % {{.BM4}}u] = r;
{{- else}}
    As[off + (v % {{.BK}}u) * {{.ASTRIDE}}u + v / {{.BK}}u] = r;
{{- end}}
}

// load_b returns element group v of the B tile: 4 consecutive n at one k,
// zero outside op(B).
fn load_b(bbase: u32, n0: u32, k0: u32, v: u32) -> vec4<f32> {
{{- if .TransB}}
    // B is N×K: 4 rows of B (4 columns of op(B)) at one k, as for A.
    let n = n0 + (v / {{.BK}}u) * 4u;
    let k = k0 + v % {{.BK}}u;
    var r = vec4<f32>(0.0);
    if (k < kext) {
        let i = bbase + n * P.ldb + k;
        {{- range $c := seq 4}}
        if (n + {{$c}}u < P.N) { r[{{$c}}] = B[i + {{$c}}u * P.ldb]; }
        {{- end}}
    }
    return r;
{{- else}}
    let k = k0 + v / {{.BN4}}u;
    let n = n0 + (v % {{.BN4}}u) * 4u;
    let i = bbase + k * P.ldb + n;
    {{- if .VecB}}
    if (k < kext && n < P.N) {
        return B[i / 4u];
    }
    return vec4<f32>(0.0);
    {{- else}}
    var r = vec4<f32>(0.0);
    if (k < kext) {
        {{- range $c := seq 4}}
        if (n + {{$c}}u < P.N) { r[{{$c}}] = B[i + {{$c}}u]; }
        {{- end}}
    }
    return r;
    {{- end}}
{{- end}}
}

// store_b puts tile element group v into stage offset off of Bs (k-major).
fn store_b(off: u32, v: u32, r: vec4<f32>) {
{{- if .TransB}}
    Bs[off + (v % {{.BK}}u) * {{.BSTRIDE}}u + v / {{.BK}}u] = r;
{{- else}}
    Bs[off + (v / {{.BN4}}u) * {{.BSTRIDE}}u + v % {{.BN4}}u] = r;
{{- end}}
}

// store_c writes α·acc (+β·C, +bias, GELU) to the 4 columns n..n+3 of row m
// (and the value before the GELU to Pre).
fn store_c(cbase: u32, m: u32, n: u32, acc: vec4<f32>) {
    if (n >= P.N) {
        return;
    }
    let ci = cbase + m * P.ldc + n;
{{- if .VecC}}
    var v = P.alpha * acc;
    {{- if .Beta}}
    v += P.beta * C[ci / 4u];
    {{- end}}
    {{- if .Bias}}
    v += vec4<f32>(bias[n], bias[n + 1u], bias[n + 2u], bias[n + 3u]);
    {{- end}}
    {{- if .Pre}}
    Pre[ci / 4u] = v;
    {{- end}}
    {{- if .Gelu}}
    v = vec4<f32>(gelu(v.x), gelu(v.y), gelu(v.z), gelu(v.w));
    {{- end}}
    C[ci / 4u] = v;
{{- else}}
    {{- range $c := seq 4}}
    if (n + {{$c}}u < P.N) {
        var s = P.alpha * acc[{{$c}}];
        {{- if $.Beta}}
        s += P.beta * C[ci + {{$c}}u];
        {{- end}}
        {{- if $.Bias}}
        s += bias[n + {{$c}}u];
        {{- end}}
        {{- if $.Pre}}
        Pre[ci + {{$c}}u] = s;
        {{- end}}
        {{- if $.Gelu}}
        s = gelu(s);
        {{- end}}
        C[ci + {{$c}}u] = s;
    }
    {{- end}}
{{- end}}
}

@compute @workgroup_size({{.NT}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let tx = lid % {{.TX}}u;
    let ty = lid / {{.TX}}u;
{{- if .Group}}
    // Grouped tile order: consecutive workgroups walk down a band of
    // {{.Group}} tile rows before moving right, so the tiles running at
    // the same time share panels of A and B in the cache.
    let lin = wid.y * nwg.x + wid.x;
    let band = lin / ({{.Group}}u * nwg.x);
    let first = band * {{.Group}}u;
    let rows = min(nwg.y - first, {{.Group}}u);
    let inband = lin % ({{.Group}}u * nwg.x);
    let n0 = (inband / rows) * {{.BN}}u;
    let m0 = (first + inband % rows) * {{.BM}}u;
{{- else}}
    let n0 = wid.x * {{.BN}}u;
    let m0 = wid.y * {{.BM}}u;
{{- end}}
    let z = wid.z + P.zoff;
    // (A let for the loop bound, which must be uniform: a private variable
    // does not count as uniform.)
    let kx = select(P.K, P.klast, z == P.zlast);
    kext = kx;
    let abase = z * P.sa;
    let bbase = z * P.sb;
    let cbase = z * P.sc;
{{range $i := seq .TM}}{{range $j := seq $.TNQ}}
    var c{{$i}}_{{$j}} = vec4<f32>(0.0);
{{- end}}{{end}}

    // Prologue: tile 0 into stage 0.
{{- range $l := seq .LA}}
    var ra{{$l}} = load_a(abase, m0, 0u, lid + {{mul $l $.NT}}u);
{{- end}}
{{- range $l := seq .LB}}
    var rb{{$l}} = load_b(bbase, n0, 0u, lid + {{mul $l $.NT}}u);
{{- end}}
{{- range $l := seq .LA}}
    store_a(0u, lid + {{mul $l $.NT}}u, ra{{$l}});
{{- end}}
{{- range $l := seq .LB}}
    store_b(0u, lid + {{mul $l $.NT}}u, rb{{$l}});
{{- end}}
    workgroupBarrier();

    let ntiles = (kx + {{.BK}}u - 1u) / {{.BK}}u;
    for (var t = 0u; t < ntiles; t++) {
        // Issue the next tile's global loads first (zeros past the end).
        let k1 = (t + 1u) * {{.BK}}u;
{{- range $l := seq .LA}}
        ra{{$l}} = load_a(abase, m0, k1, lid + {{mul $l $.NT}}u);
{{- end}}
{{- range $l := seq .LB}}
        rb{{$l}} = load_b(bbase, n0, k1, lid + {{mul $l $.NT}}u);
{{- end}}
{{- if eq .Stages 2}}
        let cur = t % 2u;
        let aoff = cur * {{.ASTAGE}}u + ty;
        let boff = cur * {{.BSTAGE}}u + tx;
{{- else}}
        let aoff = ty;
        let boff = tx;
{{- end}}
{{- if .Unroll}}
{{- range $k := seq .BK}}
        {
            let ka = aoff + {{mul $k $.ASTRIDE}}u;
            let kb = boff + {{mul $k $.BSTRIDE}}u;
{{- template "gemm_step" $}}
        }
{{- end}}
{{- else}}
        // Not unrolled: CPU implementations (lavapipe) compile the unrolled
        // body for minutes; the arithmetic is the same.
        for (var kk = 0u; kk < {{.BK}}u; kk++) {
            let ka = aoff + kk * {{.ASTRIDE}}u;
            let kb = boff + kk * {{.BSTRIDE}}u;
{{- template "gemm_step" .}}
        }
{{- end}}
{{- if eq .Stages 2}}
        let nxt = (1u - cur);
{{- range $l := seq .LA}}
        store_a(nxt * {{$.ASTAGE}}u, lid + {{mul $l $.NT}}u, ra{{$l}});
{{- end}}
{{- range $l := seq .LB}}
        store_b(nxt * {{$.BSTAGE}}u, lid + {{mul $l $.NT}}u, rb{{$l}});
{{- end}}
        workgroupBarrier();
{{- else}}
        workgroupBarrier();
{{- range $l := seq .LA}}
        store_a(0u, lid + {{mul $l $.NT}}u, ra{{$l}});
{{- end}}
{{- range $l := seq .LB}}
        store_b(0u, lid + {{mul $l $.NT}}u, rb{{$l}});
{{- end}}
        workgroupBarrier();
{{- end}}
    }

    // Epilogue.
{{- range $q := seq .TMQ}}{{range $r := seq 4}}
    {
        let m = m0 + ({{mul $q $.TY}}u + ty) * 4u + {{$r}}u;
        if (m < P.M) {
{{- range $j := seq $.TNQ}}
            store_c(cbase, m, n0 + ({{mul $j $.TX}}u + tx) * 4u, c{{add (mul $q 4) $r}}_{{$j}});
{{- end}}
        }
    }
{{- end}}{{end}}
}

{{define "gemm_step"}}
{{- range $q := seq .TMQ}}
            let a{{$q}} = As[ka + {{mul $q $.TY}}u];
{{- end}}
{{- range $j := seq .TNQ}}
            let b{{$j}} = Bs[kb + {{mul $j $.TX}}u];
{{- end}}
{{- range $q := seq .TMQ}}{{range $r := seq 4}}{{range $j := seq $.TNQ}}
            c{{add (mul $q 4) $r}}_{{$j}} = fma(vec4<f32>(a{{$q}}[{{$r}}]), b{{$j}}, c{{add (mul $q 4) $r}}_{{$j}});
{{- end}}{{end}}{{end}}
{{- end}}
