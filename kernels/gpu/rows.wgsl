{{/*
Shared pieces of the register-path row kernels (softmax.wgsl,
layernorm.wgsl; data rowRegVariant, see rowkernels.go). A workgroup of .W
invocations handles .RPW = .W/.T rows: invocation lid serves row
lid / .T of its block as lane g_lane = lid % .T, and holds the row's values
g_lane + k·.T (k < .R) in registers, in units of .E (f32, or vec4<f32> when
.V is 4). Only the last slot can fall past the row's end.

grp_sum / grp_max return the sum / maximum of one f32 per invocation over
its group of .T, to every invocation of the group; grp_sum2 (with .Pair)
sums two at once. They must be called
from uniform control flow (every invocation of the workgroup, the same
number of times). With .S > 0 each subgroup reduces with subgroupAdd /
subgroupMax and a group of .K subgroups combines their results in order
through workgroup memory (no barrier at all when .K is 1). The group is
taken to be subgroups lid/.S … of the linear layout the probe measured;
an invocation whose subgroup differs (another size, another layout) feeds
NaN into grp_sum, so a wrong layout shows as NaN outputs, never as wrong
numbers. Without .S: a fixed-order tree over the group in workgroup
memory. Either way the order of the operations depends only on the sizes,
so results are bit-reproducible on one device.
*/}}

{{define "rows_common"}}
{{- if eq .V 4}}
fn hsum(a: vec4<f32>) -> f32 { return (a.x + a.y) + (a.z + a.w); }
fn hmax(a: vec4<f32>) -> f32 { return max(max(a.x, a.y), max(a.z, a.w)); }
{{- else}}
fn hsum(a: f32) -> f32 { return a; }
fn hmax(a: f32) -> f32 { return a; }
{{- end}}

var<private> g_lid: u32;
var<private> g_lane: u32;
{{- if .S}}
var<private> g_bad: bool;
{{- if gt .K 1}}
// One slot per subgroup: with a group of one subgroup (.K = 1) there is no
// workgroup memory, so no barrier at all (naga zero-fills workgroup memory
// behind a barrier at entry).
var<workgroup> g_red: array<f32, {{.NSG}}>;
{{- if .Pair}}
var<workgroup> g_red2: array<vec2<f32>, {{.NSG}}>;
{{- end}}
{{- end}}

fn grp_sum(v: f32) -> f32 {
    let s = subgroupAdd(select(v, bitcast<f32>(0x7fc00000u), g_bad));
{{- if eq .K 1}}
    return s;
{{- else}}
    let first = (g_lid / {{.T}}u) * {{.K}}u;
    if (g_lid % {{.S}}u == 0u) {
        g_red[g_lid / {{.S}}u] = s;
    }
    workgroupBarrier();
    var t = g_red[first];
    for (var i = 1u; i < {{.K}}u; i++) {
        t += g_red[first + i];
    }
    workgroupBarrier(); // g_red is reused by the next reduction
    return t;
{{- end}}
}
{{- if .Max}}

fn grp_max(v: f32) -> f32 {
    let s = subgroupMax(v);
{{- if eq .K 1}}
    return s;
{{- else}}
    let first = (g_lid / {{.T}}u) * {{.K}}u;
    if (g_lid % {{.S}}u == 0u) {
        g_red[g_lid / {{.S}}u] = s;
    }
    workgroupBarrier();
    var t = g_red[first];
    for (var i = 1u; i < {{.K}}u; i++) {
        t = max(t, g_red[first + i]);
    }
    workgroupBarrier();
    return t;
{{- end}}
}
{{- end}}
{{- if .Pair}}

fn grp_sum2(v: vec2<f32>) -> vec2<f32> {
    let s = subgroupAdd(select(v, vec2<f32>(bitcast<f32>(0x7fc00000u)), g_bad));
{{- if eq .K 1}}
    return s;
{{- else}}
    let first = (g_lid / {{.T}}u) * {{.K}}u;
    if (g_lid % {{.S}}u == 0u) {
        g_red2[g_lid / {{.S}}u] = s;
    }
    workgroupBarrier();
    var t = g_red2[first];
    for (var i = 1u; i < {{.K}}u; i++) {
        t += g_red2[first + i];
    }
    workgroupBarrier();
    return t;
{{- end}}
}
{{- end}}
{{- else}}
var<workgroup> g_red: array<f32, {{.W}}>;

fn grp_sum(v: f32) -> f32 {
    g_red[g_lid] = v;
    workgroupBarrier();
{{- range $h := halves .T}}
    if (g_lane < {{$h}}u) {
        g_red[g_lid] += g_red[g_lid + {{$h}}u];
    }
    workgroupBarrier();
{{- end}}
    let t = g_red[g_lid - g_lane];
    workgroupBarrier();
    return t;
}
{{- if .Max}}

fn grp_max(v: f32) -> f32 {
    g_red[g_lid] = v;
    workgroupBarrier();
{{- range $h := halves .T}}
    if (g_lane < {{$h}}u) {
        g_red[g_lid] = max(g_red[g_lid], g_red[g_lid + {{$h}}u]);
    }
    workgroupBarrier();
{{- end}}
    let t = g_red[g_lid - g_lane];
    workgroupBarrier();
    return t;
}
{{- end}}
{{- if .Pair}}

var<workgroup> g_red2: array<vec2<f32>, {{.W}}>;

fn grp_sum2(v: vec2<f32>) -> vec2<f32> {
    g_red2[g_lid] = v;
    workgroupBarrier();
{{- range $h := halves .T}}
    if (g_lane < {{$h}}u) {
        g_red2[g_lid] += g_red2[g_lid + {{$h}}u];
    }
    workgroupBarrier();
{{- end}}
    let t = g_red2[g_lid - g_lane];
    workgroupBarrier();
    return t;
}
{{- end}}
{{- end}}
{{end}}

{{/* rows_args: the entry-point parameters of a register-path kernel. */}}
{{define "rows_args"}}@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32
{{- if .S}},
        @builtin(subgroup_size) sg_size: u32,
        @builtin(subgroup_invocation_id) sg_lane: u32,
        @builtin(subgroup_id) sg_id: u32
{{- end}}{{end}}

{{/* rows_lanes: set the lane ids (and the subgroup layout check); nu is
the row length in units of .E, last_ok whether slot .R-1 is in the row. */}}
{{define "rows_lanes"}}
    g_lid = lid;
    g_lane = lid % {{.T}}u;
{{- if .S}}
    g_bad = sg_size != {{.S}}u || sg_lane != lid % {{.S}}u || sg_id != lid / {{.S}}u;
{{- end}}
    let nu = P.cols / {{.V}}u;
    let last_ok = g_lane + {{mul (sub .R 1) .T}}u < nu;
{{end}}

{{/* rows_row: the row of this invocation in a one-shot grid of blocks of
.RPW rows; o is the index of its first value. */}}
{{define "rows_row"}}
    let row = (wid.x + wid.y * nwg.x) * {{.RPW}}u + lid / {{.T}}u;
    let live = row < P.rows;
    let o = row * nu + g_lane;
{{end}}
