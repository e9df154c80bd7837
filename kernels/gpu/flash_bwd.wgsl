{{- /*
Fused attention, backward pass: the row terms D = rowsum(dO ⊙ O) (pass
"delta"), dK and dV parallel over key blocks (pass "kv") and dQ parallel
over query blocks (pass "q"), rendered per variant by flash.go. See the Go
doc comment of FlashAttentionBackward for the math. The snippets
flash_load and flash_dot live in flash.wgsl.
*/ -}}
{{- if eq .Pass "delta"}}
// D[r] = Σ_e dO[r,e]·O[r,e] for each of P.rows rows of {{.HD}} values, one
// invocation per row (a fixed-order fma chain over the row).

struct Params {
    rows: u32,
    nwg: u32,
}

@group(0) @binding(0) var<storage, read> O: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> Dl: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;

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
    Dl[row] = acc;
}
{{- else if eq .Pass "kv"}}
// FlashAttention backward, dK and dV, variant {{.Name}}: head dim {{.HD}},
// {{.BR}} key rows per workgroup (K and V staged once), query tiles of {{.BC}}
// rows, {{.NT}} invocations = {{.TY}} row groups × {{.TX}} lanes. Invocation (tx, ty)
// owns key rows j = ty + {{.TY}}·r (r < {{.TM}}), query columns i = tx + {{.TX}}·c of each
// tile (c < 4) and output vec4 columns tx + {{.TX}}·c (c < {{.OC}}). Per query tile,
// with lse and D of the tile's rows:
//   Sᵀ = K·Qᵀ,  Pᵀ = 2^(scale·log2(e)·Sᵀ − log2(e)·lse),  dPᵀ = V·dOᵀ,
//   dSᵀ = Pᵀ ⊙ (dPᵀ − D),  dV += Pᵀ·dO,  dK += dSᵀ·Q
// and at the end dK is multiplied by scale. Query rows past SQ have P = 0.
// {{if .Stage}}K, V, Q and dO rows are staged in workgroup memory{{else}}K, V, Q and dO rows are read from the buffers (rows past the end
// clamped to the last one, whose weight is zero){{end}}.

struct Params {
    sq: u32,
    sk: u32,
    nblk: u32, // key-row blocks per head
    nwg: u32,  // workgroups = heads × nblk
    c2: f32,   // scale·log2(e)
    h4: u32,   // HD/4 and BC/4 as run-time values: loop bounds that
    bc4: u32,  // CPU adapters' compilers do not unroll
    scale: f32,
}

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> Lse: array<f32>;
@group(0) @binding(5) var<storage, read> Dl: array<f32>;
@group(0) @binding(6) var<storage, read_write> dK: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dV: array<vec4<f32>>;
@group(0) @binding(8) var<uniform> P: Params;

const H4 = {{.H4}}u;
const HS = {{.HS}}u;
const PS = {{.PS}}u;
const LOG2E = 1.4426950408889634;

{{- if .Stage}}
var<workgroup> Ks: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Vs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Qs: array<vec4<f32>, {{mul .BC .HS}}>;
var<workgroup> Gs: array<vec4<f32>, {{mul .BC .HS}}>;
{{- end}}
var<workgroup> Ps: array<vec4<f32>, {{mul .BR .PS}}>;
var<workgroup> Ss: array<vec4<f32>, {{mul .BR .PS}}>;

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
{{- if .Stage}}
{{template "flash_load" (.Load "Ks" "K" "kbase" "j0" "P.sk" .BR "HS")}}
{{template "flash_load" (.Load "Vs" "V" "kbase" "j0" "P.sk" .BR "HS")}}
{{- end}}
{{- range $r := seq .TM}}
    let ko{{$r}} = {{if $.Stage}}(ty + {{mul $r $.TY}}u) * HS{{else}}kbase + min(j0 + ty + {{mul $r $.TY}}u, P.sk - 1u) * H4{{end}};
    let po{{$r}} = (ty + {{mul $r $.TY}}u) * PS;
    {{- range $c := seq $.OC}}
    var dk{{$r}}_{{$c}} = vec4<f32>(0.0);
    var dv{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- end}}
{{- end}}
{{- range $c := seq 4}}
    let pq{{$c}} = (tx + {{mul $c $.TX}}u) / 4u;
    let pc{{$c}} = (tx + {{mul $c $.TX}}u) % 4u;
{{- end}}

    for (var q0 = 0u; q0 < P.sq; q0 += {{.BC}}u) {
{{- if .Stage}}
{{template "flash_load" (.Load "Qs" "Q" "qbase" "q0" "P.sq" .BC "HS")}}
{{template "flash_load" (.Load "Gs" "G" "qbase" "q0" "P.sq" .BC "HS")}}
{{- end}}
{{- range $c := seq 4}}
        let qo{{$c}} = {{if $.Stage}}(tx + {{mul $c $.TX}}u) * HS{{else}}qbase + min(q0 + tx + {{mul $c $.TX}}u, P.sq - 1u) * H4{{end}};
{{- end}}
        // log2(e)·lse and D of the tile's query columns; past SQ, lse = +3e38
        // makes P = 0.
        var lse2 = vec4<f32>(3.0e38);
        var dd = vec4<f32>(0.0);
{{- range $c := seq 4}}
        {
            let i = q0 + tx + {{mul $c $.TX}}u;
            if (i < P.sq) {
                lse2[{{$c}}] = Lse[bh * P.sq + i] * LOG2E;
                dd[{{$c}}] = Dl[bh * P.sq + i];
            }
        }
{{- end}}
{{- if .Stage}}
        workgroupBarrier();
{{- end}}
{{template "flash_dot" (.Dot "st" (.Arr "Ks" "K") "ko" (.Arr "Qs" "Q") "qo")}}
{{template "flash_dot" (.Dot "dp" (.Arr "Vs" "V") "ko" (.Arr "Gs" "G") "qo")}}
{{- range $r := seq .TM}}
        {
            let p = exp2(fma(st{{$r}}, vec4<f32>(P.c2), -lse2));
            let ds = p * (dp{{$r}} - dd);
            {{- range $c := seq 4}}
            Ps[po{{$r}} + pq{{$c}}][pc{{$c}}] = p[{{$c}}];
            Ss[po{{$r}} + pq{{$c}}][pc{{$c}}] = ds[{{$c}}];
            {{- end}}
        }
{{- end}}
        workgroupBarrier();
        // dV += Pᵀ·dO, dK += dSᵀ·Q over the tile's queries, four at a time.
        for (var i4 = 0u; i4 < {{if .Const}}{{div .BC 4}}u{{else}}P.bc4{{end}}; i4 += {{.UP}}u) {
{{- range $u := seq .UP}}
            {
                let ii = i4 + {{$u}}u;
{{- range $r := seq $.TM}}
                let pv{{$r}} = Ps[po{{$r}} + ii];
                let sv{{$r}} = Ss[po{{$r}} + ii];
{{- end}}
{{- range $k := seq 4}}
                {
                    let gofs = {{if $.Stage}}(ii * 4u + {{$k}}u) * HS{{else}}qbase + min(q0 + ii * 4u + {{$k}}u, P.sq - 1u) * H4{{end}} + tx;
{{- range $c := seq $.OC}}
                    let g{{$c}} = {{$.Arr "Gs" "G"}}[gofs + {{mul $c $.TX}}u];
                    let x{{$c}} = {{$.Arr "Qs" "Q"}}[gofs + {{mul $c $.TX}}u];
{{- end}}
{{- range $r := seq $.TM}}{{range $c := seq $.OC}}
                    dv{{$r}}_{{$c}} = fma(vec4<f32>(pv{{$r}}[{{$k}}]), g{{$c}}, dv{{$r}}_{{$c}});
                    dk{{$r}}_{{$c}} = fma(vec4<f32>(sv{{$r}}[{{$k}}]), x{{$c}}, dk{{$r}}_{{$c}});
{{- end}}{{end}}
                }
{{- end}}
            }
{{- end}}
        }
        workgroupBarrier();
    }

{{- range $r := seq .TM}}
    {
        let row = j0 + ty + {{mul $r $.TY}}u;
        if (row < P.sk) {
            let ob = kbase + row * H4 + tx;
            {{- range $c := seq $.OC}}
            dK[ob + {{mul $c $.TX}}u] = dk{{$r}}_{{$c}} * P.scale;
            dV[ob + {{mul $c $.TX}}u] = dv{{$r}}_{{$c}};
            {{- end}}
        }
    }
{{- end}}
}
{{- else}}
// FlashAttention backward, dQ, variant {{.Name}}: head dim {{.HD}}, {{.BR}} query rows
// per workgroup (Q and dO staged once), key/value tiles of {{.BC}} rows, {{.NT}}
// invocations = {{.TY}} row groups × {{.TX}} lanes. Invocation (tx, ty) owns query rows
// i = ty + {{.TY}}·r (r < {{.TM}}), key columns j = tx + {{.TX}}·c of each tile (c < 4) and
// output vec4 columns tx + {{.TX}}·c (c < {{.OC}}). Per key tile:
//   S = Q·Kᵀ,  P = 2^(scale·log2(e)·S − log2(e)·lse),  dP = dO·Vᵀ,
//   dS = P ⊙ (dP − D),  dQ += dS·K
// and at the end dQ is multiplied by scale. Key columns past SK have P = 0.
// {{if .Stage}}Q, dO, K and V rows are staged in workgroup memory{{else}}Q, dO, K and V rows are read from the buffers (rows past the end
// clamped to the last one, whose weight is zero){{end}}.

struct Params {
    sq: u32,
    sk: u32,
    nblk: u32, // query-row blocks per head
    nwg: u32,  // workgroups = heads × nblk
    c2: f32,   // scale·log2(e)
    h4: u32,   // HD/4 and BC/4 as run-time values: loop bounds that
    bc4: u32,  // CPU adapters' compilers do not unroll
    scale: f32,
}

@group(0) @binding(0) var<storage, read> Q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> K: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> V: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> G: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> Lse: array<f32>;
@group(0) @binding(5) var<storage, read> Dl: array<f32>;
@group(0) @binding(6) var<storage, read_write> dQ: array<vec4<f32>>;
@group(0) @binding(7) var<uniform> P: Params;

const H4 = {{.H4}}u;
const HS = {{.HS}}u;
const PS = {{.PS}}u;
const LOG2E = 1.4426950408889634;

{{- if .Stage}}
var<workgroup> Qs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Gs: array<vec4<f32>, {{mul .BR .HS}}>;
var<workgroup> Ks: array<vec4<f32>, {{mul .BC .HS}}>;
var<workgroup> Vs: array<vec4<f32>, {{mul .BC .HS}}>;
{{- end}}
var<workgroup> Ss: array<vec4<f32>, {{mul .BR .PS}}>;

@compute @workgroup_size({{.NT}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let id = wid.x + wid.y * nwg.x;
    if (id >= P.nwg) {
        return;
    }
    let bh = id / P.nblk;
    let i0 = (id % P.nblk) * {{.BR}}u;
    let tx = lid % {{.TX}}u;
    let ty = lid / {{.TX}}u;
    let qbase = bh * P.sq * H4;
    let kbase = bh * P.sk * H4;
{{- if .Stage}}
{{template "flash_load" (.Load "Qs" "Q" "qbase" "i0" "P.sq" .BR "HS")}}
{{template "flash_load" (.Load "Gs" "G" "qbase" "i0" "P.sq" .BR "HS")}}
{{- end}}
{{- range $r := seq .TM}}
    let qo{{$r}} = {{if $.Stage}}(ty + {{mul $r $.TY}}u) * HS{{else}}qbase + min(i0 + ty + {{mul $r $.TY}}u, P.sq - 1u) * H4{{end}};
    let po{{$r}} = (ty + {{mul $r $.TY}}u) * PS;
    // log2(e)·lse and D of the row; past SQ, lse = +3e38 makes P = 0.
    var lse2_{{$r}} = 3.0e38;
    var dd{{$r}} = 0.0;
    {
        let i = i0 + ty + {{mul $r $.TY}}u;
        if (i < P.sq) {
            lse2_{{$r}} = Lse[bh * P.sq + i] * LOG2E;
            dd{{$r}} = Dl[bh * P.sq + i];
        }
    }
    {{- range $c := seq $.OC}}
    var dq{{$r}}_{{$c}} = vec4<f32>(0.0);
    {{- end}}
{{- end}}
{{- range $c := seq 4}}
    let pq{{$c}} = (tx + {{mul $c $.TX}}u) / 4u;
    let pc{{$c}} = (tx + {{mul $c $.TX}}u) % 4u;
{{- end}}

    for (var k0 = 0u; k0 < P.sk; k0 += {{.BC}}u) {
{{- if .Stage}}
{{template "flash_load" (.Load "Ks" "K" "kbase" "k0" "P.sk" .BC "HS")}}
{{template "flash_load" (.Load "Vs" "V" "kbase" "k0" "P.sk" .BC "HS")}}
        workgroupBarrier();
{{- end}}
{{- range $c := seq 4}}
        let ko{{$c}} = {{if $.Stage}}(tx + {{mul $c $.TX}}u) * HS{{else}}kbase + min(k0 + tx + {{mul $c $.TX}}u, P.sk - 1u) * H4{{end}};
{{- end}}
{{template "flash_dot" (.Dot "s" (.Arr "Qs" "Q") "qo" (.Arr "Ks" "K") "ko")}}
{{template "flash_dot" (.Dot "dp" (.Arr "Gs" "G") "qo" (.Arr "Vs" "V") "ko")}}
        // Key columns past SK (zero rows of Ks) must not contribute.
        var keep = vec4<f32>(1.0);
        if (k0 + {{.BC}}u > P.sk) {
{{- range $c := seq 4}}
            keep[{{$c}}] = select(1.0, 0.0, k0 + tx + {{mul $c $.TX}}u >= P.sk);
{{- end}}
        }
{{- range $r := seq .TM}}
        {
            let p = exp2(fma(s{{$r}}, vec4<f32>(P.c2), vec4<f32>(-lse2_{{$r}}))) * keep;
            let ds = p * (dp{{$r}} - vec4<f32>(dd{{$r}}));
            {{- range $c := seq 4}}
            Ss[po{{$r}} + pq{{$c}}][pc{{$c}}] = ds[{{$c}}];
            {{- end}}
        }
{{- end}}
        workgroupBarrier();
        // dQ += dS·K over the tile's keys, four at a time.
        for (var j4 = 0u; j4 < {{if .Const}}{{div .BC 4}}u{{else}}P.bc4{{end}}; j4 += {{.UP}}u) {
{{- range $u := seq .UP}}
            {
                let jj = j4 + {{$u}}u;
{{- range $r := seq $.TM}}
                let sv{{$r}} = Ss[po{{$r}} + jj];
{{- end}}
{{- range $k := seq 4}}
                {
                    let kk = {{if $.Stage}}(jj * 4u + {{$k}}u) * HS{{else}}kbase + min(k0 + jj * 4u + {{$k}}u, P.sk - 1u) * H4{{end}} + tx;
{{- range $c := seq $.OC}}
                    let kv{{$c}} = {{$.Arr "Ks" "K"}}[kk + {{mul $c $.TX}}u];
{{- end}}
{{- range $r := seq $.TM}}{{range $c := seq $.OC}}
                    dq{{$r}}_{{$c}} = fma(vec4<f32>(sv{{$r}}[{{$k}}]), kv{{$c}}, dq{{$r}}_{{$c}});
{{- end}}{{end}}
                }
{{- end}}
            }
{{- end}}
        }
        workgroupBarrier();
    }

{{- range $r := seq .TM}}
    {
        let row = i0 + ty + {{mul $r $.TY}}u;
        if (row < P.sq) {
            let ob = qbase + row * H4 + tx;
            {{- range $c := seq $.OC}}
            dQ[ob + {{mul $c $.TX}}u] = dq{{$r}}_{{$c}} * P.scale;
            {{- end}}
        }
    }
{{- end}}
}
{{- end}}
