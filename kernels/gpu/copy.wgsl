// copy: dst[dst_off + i] = src[src_off + i] for i < n, in units of {{.T}}
// (u32 or vec4<u32>: the copy is bit-exact for float32 and int32 data).
// {{.U}} elements per invocation (all loaded before any is stored), {{if .Stride}}a
// grid-stride loop{{else}}a one-shot grid{{end}}: see stream_main.

struct Params {
    n: u32,
    src_off: u32,
    dst_off: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;

fn item(i: u32) {
{{- range $k := seq .U}}
    var v{{$k}}: {{$.T}};
    if (i + {{mul $k 256}}u < P.n) {
        v{{$k}} = src[P.src_off + i + {{mul $k 256}}u];
    }
{{- end}}
{{- range $k := seq .U}}
    if (i + {{mul $k 256}}u < P.n) {
        dst[P.dst_off + i + {{mul $k 256}}u] = v{{$k}};
    }
{{- end}}
}
{{template "stream_main" .}}

{{/*
stream_main is the entry point of the streaming (elementwise) kernels
(data streamVariant): workgroups of 256 invocations, each workgroup taking
blocks of 256·.U consecutive elements, invocation lid the elements
lid + 256·k (k < .U) of a block, so each of an invocation's .U loads is a
contiguous 256-element access of the workgroup. The kernel's fn item(i)
loads elements i + 256·k (those below P.n), then stores them. With
.Stride workgroup w takes blocks w, w + (number of workgroups), …;
otherwise the grid has one workgroup per block (folded into two
dimensions; surplus workgroups find i ≥ P.n).
*/}}
{{define "stream_main"}}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let first = (wid.x + wid.y * nwg.x) * {{mul 256 .U}}u + lid;
{{- if .Stride}}
    let step = nwg.x * nwg.y * {{mul 256 .U}}u;
    for (var i = first; i < P.n; i += step) {
        item(i);
    }
{{- else}}
    item(first);
{{- end}}
}
{{end}}
