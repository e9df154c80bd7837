{{- /*
Fused attention as register-tiled micro-GEMMs (the "m" tiles, flash_tiles.go),
rendered per variant by flash_mm.go: the forward (pass "fwd"), the dK, dV
and dS pass of the backward (pass "kv") and the backward's row terms (pass
"ld"). See the Go doc comments of FlashAttention and
FlashAttentionBackward for the math and the cost model. flash_max and
flash_sum (the lane reductions) live in flash.wgsl.
*/ -}}
{{- if .Subgroups}}
enable subgroups;
{{- end}}
{{- if eq .Pass "ld"}}
{{- template "mm_ld" .}}
{{- else if eq .Pass "fwd"}}
{{- template "mm_fwd" .}}
{{- else}}
{{- template "mm_kv" .}}
{{- end}}

{{- define "mm_ld"}}
// Row terms of the backward for P.rows rows of {{.HD}} values, one invocation
// per row: LD[r] = (log2(e)·lse[r], Σ_e dO[r,e]·O[r,e]) (a fixed-order fma
// chain over the row).

struct Params {
    rows: u32,
    nwg: u32,
}

@group(0) @binding(0) var<storage, read> O: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> Lse: array<f32>;
@group(0) @binding(3) var<storage, read_write> LD: array<vec2<f32>>;
@group(0) @binding(4) var<uniform> P: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = wid.x + wid.y * nwg.x;
    let row = id * 64u + lid;
    if (id >= P.nwg || row >= P.rows) {
        return;
    }
    let b = row * {{.H4}}u;
    var acc = 0.0;
    for (var c = 0u; c < {{.H4}}u; c++) {
        let o = O[b + c];
        let g = G[b + c];
        acc = fma(o.w, g.w, fma(o.z, g.z, fma(o.y, g.y, fma(o.x, g.x, acc))));
    }
    LD[row] = vec2<f32>(Lse[row] * 1.4426950408889634, acc);
}
{{- end}}

{{- define "mm_fwd"}}
// FlashAttention forward, variant {{.Name}}{{if .Subgroups}} (subgroup lane reductions){{end}}:
// head dim {{.HD}}, {{.BR}} query rows per workgroup, key tiles of {{.BC}}, {{.NT}}
// invocations = {{.TY}} row groups × {{.TX}} lanes. Invocation (tx, ty) owns query
// rows ty + {{.TY}}·r (r < {{.TM}}), score columns tx + {{.TX}}·c (c < {{.TN}}) of each tile
// and output vec4 columns tx + {{.TX}}·c (c < {{.OC}}).
// Q·scale·log2(e) stays in workgroup memory (Qs). Per key tile, two
// micro-GEMMs stream their second operand through a two-stage buffer St,
// one chunk per step, the next chunk's global loads issued before the
// current chunk's arithmetic (as gemm.wgsl does):
//   {{.NKC}} steps  S += Qs[:, d chunk]·K[tile, d chunk]ᵀ   (chunks of {{mul .KC 4}} of the head dim)
//   softmax   m' = max(m, rowmax S), α = 2^(m − m'), p = 2^(S − m'),
//             l ← α·l + Σ p, o ← α·o, P → Ps
//   {{.NCC}} steps  o += Ps[:, key chunk]·V[key chunk, :]   (chunks of {{.CK}} keys)
// one barrier per step. At the end out = o/l and lse = ln(2)·(m + log2 l).
// Key rows past SK are loaded as zeros and their scores set to −3e38 (p = 0).

struct Params {
    sq: u32,   // query rows per head
    sk: u32,   // key rows per head
    nblk: u32, // query-row blocks per head
    nwg: u32,  // workgroups = heads × nblk
    c2: f32,   // scale·log2(e)
}

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> O: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> Lse: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;

const H4 = {{.H4}}u; // vec4s per head row
const HS = {{.HS}}u; // row stride of Qs (vec4s, padded)
const PS = {{.PS}}u; // row stride of Ps (vec4s, padded)
const SS = {{.SS}}u; // vec4s per stage of St
const LN2 = 0.6931471805599453;

var<workgroup> Qs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Ps: array<vec4<f32>, {{mul .BR .PS}}>;
var<workgroup> St: array<vec4<f32>, {{mul 2 .SS}}>;
{{- if and (not .Subgroups) (gt .TX 1)}}
var<workgroup> red: array<f32, {{mul .BR .TX}}>;
{{- end}}

@compute @workgroup_size({{.NT}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = wid.x + wid.y * nwg.x;
    if (id >= P.nwg) {
        return; // the whole workgroup: barriers below stay uniform
    }
    let bh = id / P.nblk;
    let i0 = (id % P.nblk) * {{.BR}}u;
    let tx = lid % {{.TX}}u;
    let ty = lid / {{.TX}}u;
    let qbase = bh * P.sq * H4;
    let kbase = bh * P.sk * H4;
    // Q·c2 into Qs, so that the scores come out in base-2 units; rows past
    // SQ are zeros.
    for (var t = lid; t < {{mul .BR .H4}}u; t += {{.NT}}u) {
        let r = t / H4;
        let c = t % H4;
        let x = Q[qbase + min(i0 + r, P.sq - 1u) * H4 + c];
        Qs[r * HS + c] = select(vec4<f32>(0.0), x * P.c2, i0 + r < P.sq);
    }
{{- range $l := seq .L1}}
    var rk{{$l}} = vec4<f32>(0.0);
{{- end}}
{{- range $l := seq .L2}}
    var rv{{$l}} = vec4<f32>(0.0);
{{- end}}
    var cur = 0u;
    if (P.sk > 0u) { // first chunk of the first key tile
{{- template "mm_issue" (.LoadK "0" "0u")}}
        let nb = 0u;
{{- template "mm_store" (.LoadK "0" "0u")}}
    }
    workgroupBarrier();
{{- range $r := seq .TM}}
    let qo{{$r}} = (ty + {{mul $r $.TY}}u) * HS;
    let po{{$r}} = (ty + {{mul $r $.TY}}u) * PS;
    var m{{$r}} = -3.0e38;
    var l{{$r}} = 0.0;
    {{- range $c := seq $.OC}}
    var o{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- end}}
{{- end}}
{{- range $c := seq .TN}}
    let pq{{$c}} = (tx + {{mul $c $.TX}}u) / 4u;
    let pc{{$c}} = (tx + {{mul $c $.TX}}u) % 4u;
{{- end}}

    for (var k0 = 0u; k0 < P.sk; k0 += {{.BC}}u) {
{{- range $r := seq .TM}}{{range $c := seq $.TN}}
        var s{{$r}}_{{$c}} = 0.0;
{{- end}}{{end}}
{{- template "mm_steps" .FwdSteps}}
    }

{{- range $r := seq .TM}}
    var ls{{$r}} = l{{$r}};
{{- end}}
{{template "flash_sum" .}}
{{- range $r := seq .TM}}
    {
        let row = i0 + ty + {{mul $r $.TY}}u;
        if (row < P.sq) {
            // SK = 0 leaves l = 0: out = 0 and lse = −∞, as softmax over no keys.
            let inv = select(0.0, 1.0 / ls{{$r}}, ls{{$r}} > 0.0);
            let ob = qbase + row * H4 + tx;
            {{- range $c := seq $.OC}}
            O[ob + {{mul $c $.TX}}u] = o{{$r}}_{{$c}} * inv;
            {{- end}}
            if (tx == 0u) {
                Lse[bh * P.sq + row] = (m{{$r}} + log2(ls{{$r}})) * LN2;
            }
        }
    }
{{- end}}
}
{{- end}}

{{- /*
mm_softmax is the online-softmax update of the forward between the two
micro-GEMMs of a key tile: mask the key columns past SK, reduce the row
maxima over the lanes of each row group (flash_max), rescale o and l, and
store p into Ps. Called from uniform control flow.
*/ -}}
{{- define "mm_softmax"}}
            // Online softmax of the tile (base-2 units); key columns past SK → −3e38.
{{- range $c := seq .TN}}
            let in{{$c}} = k0 + tx + {{mul $c $.TX}}u < P.sk;
{{- end}}
{{- range $r := seq .TM}}
{{- range $c := seq $.TN}}
            s{{$r}}_{{$c}} = select(-3.0e38, s{{$r}}_{{$c}}, in{{$c}});
{{- end}}
            var mx{{$r}} = s{{$r}}_0;
{{- range $c := seq $.TN}}{{if gt $c 0}}
            mx{{$r}} = max(mx{{$r}}, s{{$r}}_{{$c}});
{{- end}}{{end}}
{{- end}}
{{- template "flash_max" .}}
{{- range $r := seq .TM}}
            {
                let mn = max(m{{$r}}, mx{{$r}});
                let alpha = exp2(m{{$r}} - mn);
                m{{$r}} = mn;
                var sum = 0.0;
{{- range $c := seq $.TN}}
                {
                    let p = exp2(s{{$r}}_{{$c}} - mn);
                    sum += p;
                    Ps[po{{$r}} + pq{{$c}}][pc{{$c}}] = p;
                }
{{- end}}
                l{{$r}} = fma(l{{$r}}, alpha, sum);
{{- range $c := seq $.OC}}
                o{{$r}}_{{$c}} = o{{$r}}_{{$c}} * alpha;
{{- end}}
            }
{{- end}}
{{- end}}

{{- define "mm_kv"}}
// FlashAttention backward, dV{{if not .DKG}}, dK{{end}} and dS, variant {{.Name}}: head dim {{.HD}}, {{.BR}} key rows
// per workgroup, query tiles of {{.BC}}, {{.NT}} invocations = {{.TY}} row groups × {{.TX}} lanes.
// Invocation (tx, ty) owns key rows j = ty + {{.TY}}·r (r < {{.TM}}), query columns
// i = tx + {{.TX}}·c (c < {{.TN}}) of each tile and output vec4 columns tx + {{.TX}}·c
// (c < {{.OC}}). K·scale·log2(e) and V stay in workgroup memory (Ks, Vs). Per
// query tile, with (lse2, D) = LD of its queries:
//   {{.NKC}} steps  Sᵀ += Ks[:, d chunk]·Q[tile, d chunk]ᵀ, dPᵀ += Vs[:, d chunk]·dO[tile, d chunk]ᵀ
//   then     Pᵀ = 2^(Sᵀ − lse2), dSᵀ = Pᵀ ⊙ (dPᵀ − D) → Ps{{if not .DKG}}, Ds{{end}} and dSt (global)
//   {{.NCC}} steps  dV += Ps[:, query chunk]·dO[query chunk, :]{{if not .DKG}}, dK += Ds[:, query chunk]·Q[query chunk, :]{{end}}
// with Q and dO streamed through the two-stage buffer St one chunk per step
// (chunks of {{mul .KC 4}} of the head dim, then of {{.CK}} queries), the next chunk's global
// loads issued before the current chunk's arithmetic; one barrier per step.
// {{if not .DKG}}dK is multiplied by scale at the end. {{end}}Query rows past SQ have lse2 = +3e38 (P = 0).
// dSt[bh][j][i] = dS[i][j] (unscaled) feeds the GEMMs of dQ{{if .DKG}} and dK{{end}}.

struct Params {
    sq: u32,
    sk: u32,
    nblk: u32, // key-row blocks per head
    nwg: u32,  // workgroups = heads × nblk
    c2: f32,   // scale·log2(e)
    scale: f32,
}

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> LD: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> dV: array<vec4<f32>>;
{{- if not .DKG}}
@group(0) @binding(6) var<storage, read_write> dK: array<vec4<f32>>;
{{- end}}
@group(0) @binding({{if .DKG}}6{{else}}7{{end}}) var<storage, read_write> dSt: array<f32>;
@group(0) @binding({{.ParamBinding}}) var<uniform> P: Params;

const H4 = {{.H4}}u;
const HS = {{.HS}}u;
const PS = {{.PS}}u;
const SS = {{.SS}}u;

var<workgroup> Ks: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Vs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Ps: array<vec4<f32>, {{mul .BR .PS}}>;
{{- if not .DKG}}
var<workgroup> Ds: array<vec4<f32>, {{mul .BR .PS}}>;
{{- end}}
var<workgroup> St: array<vec4<f32>, {{mul 2 .SS}}>;

@compute @workgroup_size({{.NT}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = wid.x + wid.y * nwg.x;
    if (id >= P.nwg) {
        return;
    }
    let bh = id / P.nblk;
    let j0 = (id % P.nblk) * {{.BR}}u;
    let tx = lid % {{.TX}}u;
    let ty = lid / {{.TX}}u;
    let qbase = bh * P.sq * H4;
    let kbase = bh * P.sk * H4;
    let lbase = bh * P.sq;
    let dsbase = bh * P.sk * P.sq;
    // K·c2 and V into Ks and Vs; rows past SK are zeros.
    for (var t = lid; t < {{mul .BR .H4}}u; t += {{.NT}}u) {
        let r = t / H4;
        let c = t % H4;
        let src = kbase + min(j0 + r, P.sk - 1u) * H4 + c;
        let live = j0 + r < P.sk;
        Ks[r * HS + c] = select(vec4<f32>(0.0), K[src] * P.c2, live);
        Vs[r * HS + c] = select(vec4<f32>(0.0), V[src], live);
    }
{{- range $l := seq .L1}}
    var rq{{$l}} = vec4<f32>(0.0);
    var rg{{$l}} = vec4<f32>(0.0);
{{- end}}
{{- range $l := seq .L2}}
    var tg{{$l}} = vec4<f32>(0.0);
{{- if not $.DKG}}
    var tq{{$l}} = vec4<f32>(0.0);
{{- end}}
{{- end}}
    var cur = 0u;
    if (P.sq > 0u) { // first chunk of the first query tile
{{- template "mm_issue" (.LoadQd "0" "0u")}}
{{- template "mm_issue" (.LoadGd "0" "0u")}}
        let nb = 0u;
{{- template "mm_store" (.LoadQd "0" "0u")}}
{{- template "mm_store" (.LoadGd "0" "0u")}}
    }
    workgroupBarrier();
{{- range $r := seq .TM}}
    let ko{{$r}} = (ty + {{mul $r $.TY}}u) * HS;
    let po{{$r}} = (ty + {{mul $r $.TY}}u) * PS;
    {{- range $c := seq $.OC}}
    var dv{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- if not $.DKG}}
    var dk{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- end}}
    {{- end}}
{{- end}}
{{- range $c := seq .TN}}
    let pq{{$c}} = (tx + {{mul $c $.TX}}u) / 4u;
    let pc{{$c}} = (tx + {{mul $c $.TX}}u) % 4u;
{{- end}}

    for (var q0 = 0u; q0 < P.sq; q0 += {{.BC}}u) {
        // (log2(e)·lse, D) of the tile's query columns; past SQ, lse2 = +3e38
        // makes P = 0.
{{- range $c := seq .TN}}
        var ld{{$c}} = vec2<f32>(3.0e38, 0.0);
        if (q0 + tx + {{mul $c $.TX}}u < P.sq) {
            ld{{$c}} = LD[lbase + q0 + tx + {{mul $c $.TX}}u];
        }
{{- end}}
{{- range $r := seq .TM}}{{range $c := seq $.TN}}
        var s{{$r}}_{{$c}} = 0.0;
        var dp{{$r}}_{{$c}} = 0.0;
{{- end}}{{end}}
{{- template "mm_steps" .KVSteps}}
    }

{{- range $r := seq .TM}}
    {
        let row = j0 + ty + {{mul $r $.TY}}u;
        if (row < P.sk) {
            let ob = kbase + row * H4 + tx;
            {{- range $c := seq $.OC}}
            dV[ob + {{mul $c $.TX}}u] = dv{{$r}}_{{$c}};
            {{- if not $.DKG}}
            dK[ob + {{mul $c $.TX}}u] = dk{{$r}}_{{$c}} * P.scale;
            {{- end}}
            {{- end}}
        }
    }
{{- end}}
}
{{- end}}

{{- /*
mm_dsoft turns the finished Sᵀ and dPᵀ of a query tile into Pᵀ and dSᵀ,
stores them into Ps (and Ds) for the second pair of micro-GEMMs and dSᵀ
into the global scratch dSt (rows past SK and columns past SQ skipped).
*/ -}}
{{- define "mm_dsoft"}}
{{- range $r := seq .TM}}
            {
                let j = j0 + ty + {{mul $r $.TY}}u;
{{- range $c := seq $.TN}}
                {
                    let p = exp2(s{{$r}}_{{$c}} - ld{{$c}}.x);
                    let ds = p * (dp{{$r}}_{{$c}} - ld{{$c}}.y);
                    Ps[po{{$r}} + pq{{$c}}][pc{{$c}}] = p;
{{- if not $.DKG}}
                    Ds[po{{$r}} + pq{{$c}}][pc{{$c}}] = ds;
{{- end}}
                    let i = q0 + tx + {{mul $c $.TX}}u;
                    if (j < P.sk && i < P.sq) {
                        dSt[dsbase + j * P.sq + i] = ds;
                    }
                }
{{- end}}
            }
{{- end}}
{{- end}}

{{- /*
mm_steps renders groups of chunk steps (mmSteps): a group is one step, or
with Loop a WGSL loop running its step N times with index Var (the CPU-
adapter form keeps the steps rolled). mm_step is one step: issue the next
chunk's global loads (Loads), run the chunk's products on the current stage
(Dots, Accs, with the stage offsets of Lets), on the last step of a product
pair the softmax or dS terms, store the next chunk into the other stage,
one barrier, swap the stages.
*/ -}}
{{- define "mm_steps"}}
{{- range .}}
{{- if .Loop}}
        for (var {{.Var}} = 0u; {{.Var}} < {{.N}}u; {{.Var}}++) {
{{- template "mm_step" .Step}}
        }
{{- else}}
{{- template "mm_step" .Step}}
{{- end}}
{{- end}}
{{- end}}

{{- define "mm_step"}}
        { // {{.What}}
{{- range .Loads}}{{template "mm_issue" .}}{{end}}
{{- range .Lets}}
            {{.}}
{{- end}}
{{- range .Dots}}{{template "mm_dot" .}}{{end}}
{{- range .Accs}}{{template "mm_acc" .}}{{end}}
            let nb = (1u - cur) * SS;
{{- if .Softmax}}{{template "mm_softmax" .V}}{{end}}
{{- if .DSoft}}{{template "mm_dsoft" .V}}{{end}}
{{- range .Loads}}{{template "mm_store" .}}{{end}}
            workgroupBarrier();
            cur = 1u - cur;
        }
{{- end}}

{{- /*
mm_issue loads one chunk of a staged operand from global memory into the
registers Reg<l> (L per invocation; invocation lid takes elements lid + l·NT
of the chunk, row-major with W vec4s per row): rows Row0 + t/W of the head
at vec4 Base of Src, vec4 columns Col0 + t mod W; rows at or past Lim read
as zeros (the index is clamped, so nothing past the buffer is read; Lim > 0).
mm_store puts the registers into St at offset nb + Off with row stride
Stride (guarded when the chunk does not divide by NT). Data: an mmLoad.
*/ -}}
{{- define "mm_issue"}}
{{- range $l := seq .L}}
            {
                let t = lid + {{mul $l $.NT}}u;
                let row = {{$.Row0}} + t / {{$.W}}u;
                {{$.Reg}}{{$l}} = select(vec4<f32>(0.0), {{$.Src}}[{{$.Base}} + min(row, {{$.Lim}} - 1u) * H4 + {{$.Col0}} + t % {{$.W}}u], row < {{$.Lim}});
            }
{{- end}}
{{- end}}

{{- define "mm_store"}}
{{- range $l := seq .L}}
            {
                let t = lid + {{mul $l $.NT}}u;
{{- if $.Guard}}
                if (t < {{mul $.Rows $.W}}u) {
                    St[nb + {{$.Off}}u + (t / {{$.W}}u) * {{$.Stride}}u + t % {{$.W}}u] = {{$.Reg}}{{$l}};
                }
{{- else}}
                St[nb + {{$.Off}}u + (t / {{$.W}}u) * {{$.Stride}}u + t % {{$.W}}u] = {{$.Reg}}{{$l}};
{{- end}}
            }
{{- end}}
{{- end}}

{{- /*
mm_dot accumulates one chunk of the dot products of a score tile:
Acc<r>_<c> += Σ_d A[AO<r> + D0 + d]·St[BB + c·TX·CS + d] over the KC vec4s
d of the chunk (fma chains in a fixed order), for r < TM, c < TN. A holds
the resident rows (Qs, Ks, Vs), St the staged chunk. Unrolled, or a loop
over d with Roll. Data: an mmDot (mm_dot_at: one d, an mmDotAt).
*/ -}}
{{- define "mm_dot"}}
{{- if .Roll}}
            for (var d = 0u; d < {{.KC}}u; d++) {
{{- template "mm_dot_at" (.At "d")}}
            }
{{- else}}
{{- range $d := seq .KC}}
            {
{{- template "mm_dot_at" ($.At (printf "%d" $d))}}
            }
{{- end}}
{{- end}}
{{- end}}

{{- define "mm_dot_at"}}
{{- range $r := seq .TM}}
                let a{{$r}} = {{$.A}}[{{$.AO}}{{$r}} + {{$.AIdx}}];
{{- end}}
{{- range $c := seq .TN}}
                let b{{$c}} = St[{{$.BB}} + {{index $.BIdx $c}}];
{{- end}}
{{- range $r := seq .TM}}{{range $c := seq $.TN}}
                {{$.Acc}}{{$r}}_{{$c}} = fma(a{{$r}}.w, b{{$c}}.w, fma(a{{$r}}.z, b{{$c}}.z, fma(a{{$r}}.y, b{{$c}}.y, fma(a{{$r}}.x, b{{$c}}.x, {{$.Acc}}{{$r}}_{{$c}}))));
{{- end}}{{end}}
{{- end}}

{{- /*
mm_acc accumulates one chunk of a product with a probability-like left
operand held in workgroup memory: Acc<r>_<c> += Σ_j A[AO<r>][j]·B[j][c] over
the CK rows j of the chunk, A read as vec4s of 4 consecutive j (from vec4
J0 of the row) and B the staged chunk rows (H4 vec4s each, the invocation's
vec4 columns at BB + c·TX). Unrolled, or a loop over the vec4s of A with
Roll. Data: an mmAcc (mm_acc_at: one vec4 of A, an mmAccAt).
*/ -}}
{{- define "mm_acc"}}
{{- if .Roll}}
            for (var j = 0u; j < {{.Q4}}u; j++) {
{{- template "mm_acc_at" (.At "j")}}
            }
{{- else}}
{{- range $j := seq .Q4}}
            {
{{- template "mm_acc_at" ($.At (printf "%d" $j))}}
            }
{{- end}}
{{- end}}
{{- end}}

{{- define "mm_acc_at"}}
{{- range $r := seq .TM}}
                let p{{$r}} = {{$.A}}[{{$.AO}}{{$r}} + {{$.AIdx}}];
{{- end}}
{{- range $k := seq 4}}
                {
{{- range $c := seq $.OC}}
                    let v{{$c}} = St[{{$.BB}} + {{index $.BIdx $k $c}}];
{{- end}}
{{- range $r := seq $.TM}}{{range $c := seq $.OC}}
                    {{$.Acc}}{{$r}}_{{$c}} = fma(vec4<f32>(p{{$r}}[{{$k}}]), v{{$c}}, {{$.Acc}}{{$r}}_{{$c}});
{{- end}}{{end}}
                }
{{- end}}
{{- end}}
