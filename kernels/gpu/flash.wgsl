{{- /*
Fused attention, forward pass (and the lane-reduction probe), rendered per
variant by flash.go. See the Go doc comment of FlashAttention for the math.
The shared snippets (flash_load, flash_dot, flash_max, flash_sum) are used
by flash_bwd.wgsl too.
*/ -}}
{{- if .Subgroups}}
enable subgroups;
{{- end}}
{{- if eq .Pass "probe"}}
{{- template "flash_probe" .}}
{{- else}}
// FlashAttention forward, variant {{.Name}}{{if .Subgroups}} (subgroup lane reductions){{end}}:
// head dim {{.HD}}, {{.BR}} query rows per workgroup, key/value tiles of {{.BC}} rows,
// {{.NT}} invocations = {{.TY}} row groups × {{.TX}} lanes.
// Invocation (tx, ty) owns query rows ty + {{.TY}}·r (r < {{.TM}}), score columns
// tx + {{.TX}}·c of each tile (c < 4) and output vec4 columns tx + {{.TX}}·c (c < {{.OC}}).
// Per key tile, in base-2 units (t = scale·log2(e)·q·k):
//   m' = max(m, rowmax t),  α = 2^(m − m'),  p = 2^(t − m'),
//   l ← α·l + Σ p,  o ← α·o + p·V,  m ← m'
// and at the end out = o / l, lse = ln(2)·(m + log2 l) = the natural-log
// log-sum-exp of the scaled scores. Each lane sums its own columns of l; the
// lanes of a row are summed once at the end (they share m, so the partial
// sums are consistent).
{{- if .Stage}}
// Q, K and V rows are staged in workgroup memory.
{{- else}}
// Q, K and V rows are read from the buffers directly (CPU adapters: see
// flashForm in flash.go); only P and the lane reductions use workgroup
// memory. Rows
// past the end read the last row (clamped), whose weight is zero.
{{- end}}

struct Params {
    sq: u32,   // query rows per head
    sk: u32,   // key rows per head
    nblk: u32, // query-row blocks per head
    nwg: u32,  // workgroups = heads × nblk
    c2: f32,   // scale·log2(e)
    h4: u32,   // HD/4 and BC/4 as run-time values: loop bounds that
    bc4: u32,  // CPU adapters' compilers do not unroll
}

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> O: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> Lse: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;

const H4 = {{.H4}}u; // vec4s per row
const HS = {{.HS}}u; // padded row stride of Qs and Ks (vec4s)
const PS = {{.PS}}u; // row stride of Ps (vec4s)
const LN2 = 0.6931471805599453;

{{- if .Stage}}
var<workgroup> Qs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Ks: array<vec4<f32>, {{mul .BC .HS}}>;
var<workgroup> Vs: array<vec4<f32>, {{mul .BC .H4}}>;
{{- end}}
var<workgroup> Ps: array<vec4<f32>, {{mul .BR .PS}}>;
{{- if not .Subgroups}}
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
{{- if .Stage}}
{{template "flash_load" (.Load "Qs" "Q" "qbase" "i0" "P.sq" .BR "HS")}}
{{- end}}
{{- range $r := seq .TM}}
    let qo{{$r}} = {{if $.Stage}}(ty + {{mul $r $.TY}}u) * HS{{else}}qbase + min(i0 + ty + {{mul $r $.TY}}u, P.sq - 1u) * H4{{end}};
    let po{{$r}} = (ty + {{mul $r $.TY}}u) * PS;
    var m{{$r}} = -3.0e38;
    var l{{$r}} = 0.0;
    {{- range $c := seq $.OC}}
    var o{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- end}}
{{- end}}
{{- range $c := seq 4}}
    let pq{{$c}} = (tx + {{mul $c $.TX}}u) / 4u;
    let pc{{$c}} = (tx + {{mul $c $.TX}}u) % 4u;
{{- end}}
    let jcol = vec4<u32>(tx) + vec4<u32>(0u, {{.TX}}u, {{mul 2 .TX}}u, {{mul 3 .TX}}u);

    for (var k0 = 0u; k0 < P.sk; k0 += {{.BC}}u) {
{{- if .Stage}}
{{template "flash_load" (.Load "Ks" "K" "kbase" "k0" "P.sk" .BC "HS")}}
{{template "flash_load" (.Load "Vs" "V" "kbase" "k0" "P.sk" .BC "H4")}}
        workgroupBarrier();
{{- end}}
{{- range $c := seq 4}}
        let ko{{$c}} = {{if $.Stage}}(tx + {{mul $c $.TX}}u) * HS{{else}}kbase + min(k0 + tx + {{mul $c $.TX}}u, P.sk - 1u) * H4{{end}};
{{- end}}
{{template "flash_dot" (.Dot "s" (.Arr "Qs" "Q") "qo" (.Arr "Ks" "K") "ko")}}
        // Scores in base-2 units; key columns past the end get −3e38 (p = 0).
{{- range $r := seq .TM}}
        s{{$r}} = s{{$r}} * P.c2;
{{- end}}
        let past = k0 + jcol >= vec4<u32>(P.sk);
{{- range $r := seq .TM}}
        s{{$r}} = select(s{{$r}}, vec4<f32>(-3.0e38), past);
{{- end}}
{{- range $r := seq .TM}}
        var mx{{$r}} = max(max(s{{$r}}.x, s{{$r}}.y), max(s{{$r}}.z, s{{$r}}.w));
{{- end}}
{{template "flash_max" .}}
{{- range $r := seq .TM}}
        {
            let mn = max(m{{$r}}, mx{{$r}});
            let alpha = exp2(m{{$r}} - mn);
            let p = exp2(s{{$r}} - vec4<f32>(mn));
            m{{$r}} = mn;
            l{{$r}} = fma(l{{$r}}, alpha, (p.x + p.y) + (p.z + p.w));
            {{- range $c := seq $.OC}}
            o{{$r}}_{{$c}} = o{{$r}}_{{$c}} * alpha;
            {{- end}}
            {{- range $c := seq 4}}
            Ps[po{{$r}} + pq{{$c}}][pc{{$c}}] = p[{{$c}}];
            {{- end}}
        }
{{- end}}
        workgroupBarrier();
        // o += P·V over the tile's keys, four at a time.
        for (var j4 = 0u; j4 < {{if .Const}}{{div .BC 4}}u{{else}}P.bc4{{end}}; j4 += {{.UP}}u) {
{{- range $u := seq .UP}}
            {
                let jj = j4 + {{$u}}u;
{{- range $r := seq $.TM}}
                let pv{{$r}} = Ps[po{{$r}} + jj];
{{- end}}
{{- range $k := seq 4}}
                {
                    let vo = {{if $.Stage}}(jj * 4u + {{$k}}u) * H4{{else}}kbase + min(k0 + jj * 4u + {{$k}}u, P.sk - 1u) * H4{{end}} + tx;
{{- range $c := seq $.OC}}
                    let v{{$c}} = {{$.Arr "Vs" "V"}}[vo + {{mul $c $.TX}}u];
{{- end}}
{{- range $r := seq $.TM}}{{range $c := seq $.OC}}
                    o{{$r}}_{{$c}} = fma(vec4<f32>(pv{{$r}}[{{$k}}]), v{{$c}}, o{{$r}}_{{$c}});
{{- end}}{{end}}
                }
{{- end}}
            }
{{- end}}
        }
        workgroupBarrier();
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
flash_load copies rows [R0, R0+Rows) of the head starting at vec4 Base of
buffer Src into workgroup array Dst (row stride Stride vec4s), zeros for rows
at or past N. Data: a flashLoad.
*/ -}}
{{define "flash_load"}}
        for (var t = lid; t < {{mul .Rows .V.H4}}u; t += {{.V.NT}}u) {
            let r = t / H4;
            let c = t % H4;
            // Rows past the end read the last row (no branch) and store zeros.
            let x = {{.Src}}[{{.Base}} + min({{.R0}} + r, {{.N}} - 1u) * H4 + c];
            {{.Dst}}[r * {{.Stride}} + c] = select(vec4<f32>(0.0), x, {{.R0}} + r < {{.N}});
        }
{{- end}}

{{- /*
flash_dot accumulates the register tile A·Bᵀ of dot products over the head
dimension: Acc<r>[c] = Σ_d A[ao<r> + d]·B[bo<c> + d] (vec4 d, fma chains in
a fixed order), for r < TM, c < 4. Data: a flashDot.
*/ -}}
{{define "flash_dot"}}
{{- range $r := seq .V.TM}}
        var {{$.Acc}}{{$r}} = vec4<f32>(0.0);
{{- end}}
        for (var d0 = 0u; d0 < {{if .V.Const}}H4{{else}}P.h4{{end}}; d0 += {{.V.UD}}u) {
{{- range $u := seq .V.UD}}
            {
                let d = d0 + {{$u}}u;
{{- range $r := seq $.V.TM}}
                let a{{$r}} = {{$.A}}[{{$.AO}}{{$r}} + d];
{{- end}}
{{- range $c := seq 4}}
                let b{{$c}} = {{$.B}}[{{$.BO}}{{$c}} + d];
{{- end}}
{{- range $r := seq $.V.TM}}{{range $c := seq 4}}
                {{$.Acc}}{{$r}}[{{$c}}] = fma(a{{$r}}.w, b{{$c}}.w, fma(a{{$r}}.z, b{{$c}}.z, fma(a{{$r}}.y, b{{$c}}.y, fma(a{{$r}}.x, b{{$c}}.x, {{$.Acc}}{{$r}}[{{$c}}]))));
{{- end}}{{end}}
            }
{{- end}}
        }
{{- end}}

{{- /*
flash_max replaces mx<r> (r < TM) by its maximum over the TX lanes of the
invocation's row group; flash_sum does the same for the sum of ls<r>, as
the pairwise tree ((v0+v1)+(v2+v3))+… over lanes 0..TX−1. With subgroups
both are butterflies of subgroupShuffleXor over lane masks 1, 2, 4, … (the
TX lanes of a row group are consecutive invocations inside one subgroup;
flashShuffleOK checks that at run time); every lane ends with the same bits
because a + b = b + a. Without, the lanes go through workgroup memory and
each lane evaluates the same tree. Called from uniform control flow.
*/ -}}
{{define "flash_max"}}
{{- if .Subgroups}}
{{- range $r := seq .TM}}{{range $h := halves $.TX}}
        mx{{$r}} = max(mx{{$r}}, subgroupShuffleXor(mx{{$r}}, {{div $.TX (mul 2 $h)}}u));
{{- end}}{{end}}
{{- else if gt .TX 1}}
{{- range $r := seq .TM}}
        red[(ty + {{mul $r $.TY}}u) * {{$.TX}}u + tx] = mx{{$r}};
{{- end}}
        workgroupBarrier();
{{- range $r := seq .TM}}
        for (var u = 0u; u < {{$.TX}}u; u++) {
            mx{{$r}} = max(mx{{$r}}, red[(ty + {{mul $r $.TY}}u) * {{$.TX}}u + u]);
        }
{{- end}}
{{- end}}
{{- end}}

{{- define "flash_sum"}}
{{- if .Subgroups}}
{{- range $r := seq .TM}}{{range $h := halves $.TX}}
    ls{{$r}} = ls{{$r}} + subgroupShuffleXor(ls{{$r}}, {{div $.TX (mul 2 $h)}}u);
{{- end}}{{end}}
{{- else if gt .TX 1}}
{{- range $r := seq .TM}}
    red[(ty + {{mul $r $.TY}}u) * {{$.TX}}u + tx] = ls{{$r}};
{{- end}}
    workgroupBarrier();
{{- range $r := seq .TM}}
    {
        var tree: array<f32, {{$.TX}}>;
        for (var u = 0u; u < {{$.TX}}u; u++) {
            tree[u] = red[(ty + {{mul $r $.TY}}u) * {{$.TX}}u + u];
        }
        for (var w = {{div $.TX 2}}u; w > 0u; w = w / 2u) {
            for (var u = 0u; u < w; u++) {
                tree[u] = tree[2u * u] + tree[2u * u + 1u];
            }
        }
        ls{{$r}} = tree[0];
    }
{{- end}}
{{- end}}
{{- end}}

{{- /*
flash_probe checks the lane reductions: invocation i of one workgroup of NT
holds v_i = ((37·i + 11) mod 101 − 50)/8; out[i] is the flash_sum of its
row group (TX lanes), out[NT + i] the flash_max.
*/ -}}
{{define "flash_probe"}}
struct Params {
    unused: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;
{{- if not .Subgroups}}
var<workgroup> red: array<f32, {{.NT}}>;
{{- end}}

@compute @workgroup_size({{.NT}})
fn main(@builtin(local_invocation_index) lid: u32) {
    let tx = lid % {{.TX}}u;
    let ty = lid / {{.TX}}u;
    let v = (f32((lid * 37u + 11u) % 101u) - 50.0) * 0.125;
    var mx0 = v;
    var ls0 = v;
{{template "flash_max" .}}
{{template "flash_sum" .}}
    out[lid] = ls0;
    out[{{.NT}}u + lid] = mx0;
}
{{- end}}
