// reduce: sums over the middle axis of x viewed as (outer, n, inner), one
// workgroup per block of {{.CW}} output columns. The 256 invocations are
// {{.CW}} columns × {{.L}} lanes; lane l adds rows l, l+{{.L}}, … of its
// row range in order, then the lanes are summed by a fixed tree in
// workgroup memory. Every sum therefore has one fixed order for given
// sizes, and a run is bit-reproducible.
{{- if .CSR}}
//
// CSR variant (ScatterAddRows): workgroup row u sums the rows of x listed
// in idx[list_base + idx[u] .. list_base + idx[u+1]) and adds the sum to
// out row idx[dst_base + u]. Each destination row has one workgroup row,
// so no two workgroups write the same element.
{{- else}}
//
// Dense variant: the rows [s·chunk, min((s+1)·chunk, n)) of split s are
// summed and out[(o·splits + s)·inner + c] = scale·sum is stored; with
// several splits a second launch sums the partial results in split order.
{{- if .Sel}} Row i of the range is row sel[i] of x (the rows of a mask, ascending).{{end}}
{{- if .Prod}} The summand is x·y (MulSumRows).{{end}}
{{- end}}

struct Params {
    outer: u32,
    n: u32,
    inner: u32,
    splits: u32,
    chunk: u32,
    ncb: u32,
    nfull: u32,
    total: u32,
    scale: f32,
    dst_base: u32,
    list_base: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
{{- if .Prod}}
@group(0) @binding({{.YBind}}) var<storage, read> y: array<f32>;
{{- end}}
{{- if or .Sel .CSR}}
@group(0) @binding({{.IdxBind}}) var<storage, read> idx: array<i32>;
{{- end}}
@group(0) @binding({{.OutBind}}) var<storage, read_write> out: array<f32>;
@group(0) @binding({{.ParamBind}}) var<uniform> P: Params;

var<workgroup> sh: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let wg = wid.x + wid.y * nwg.x;
    if (wg >= P.total) {
        return;
    }
    let cb = wg % P.ncb;
    let t = wg / P.ncb;
    let col = lid % {{.CW}}u;
    let lane = lid / {{.CW}}u;
    let c = cb * {{.CW}}u + col;
    var acc = 0.0;
{{- if .CSR}}
    let lo = u32(idx[t]);
    let hi = u32(idx[t + 1u]);
    if (c < P.inner) {
        for (var k = lo + lane; k < hi; k += {{.L}}u) {
            let row = u32(idx[P.list_base + k]);
            acc += x[row * P.inner + c];
        }
    }
{{- else}}
    let s = t % P.splits;
    let o = t / P.splits;
    let lo = s * P.chunk;
    let hi = min(lo + P.chunk, P.n);
    if (c < P.inner) {
        for (var i = lo + lane; i < hi; i += {{.L}}u) {
{{- if .Sel}}
            let row = u32(idx[i]);
{{- else}}
            let row = i;
{{- end}}
            let e = (o * P.nfull + row) * P.inner + c;
{{- if .Prod}}
            acc += x[e] * y[e];
{{- else}}
            acc += x[e];
{{- end}}
        }
    }
{{- end}}
    sh[lid] = acc;
{{- range .Strides}}
    workgroupBarrier();
    if (lane < {{.}}u) {
        sh[lid] += sh[lid + {{mul . $.CW}}u];
    }
{{- end}}
    if (lane == 0u && c < P.inner) {
{{- if .CSR}}
        let dr = u32(idx[P.dst_base + t]);
        out[dr * P.inner + c] += sh[col];
{{- else}}
        out[(o * P.splits + s) * P.inner + c] = P.scale * sh[col];
{{- end}}
    }
}
