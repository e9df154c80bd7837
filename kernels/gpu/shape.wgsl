{{- /* shape: data movement kernels, one per .Kind; {{.T}} is f32 or vec4<f32>. */ -}}
{{- if eq .Kind "permute"}}{{template "shape_permute" .}}
{{- else if eq .Kind "transpose"}}{{template "shape_transpose" .}}
{{- else if eq .Kind "gather"}}{{template "shape_gather" .}}
{{- else if eq .Kind "copyaxis"}}{{template "shape_copyaxis" .}}
{{- else if eq .Kind "patch"}}{{template "shape_patch" .}}
{{- end}}

{{define "shape_permute"}}
// permute (inner run kept): dst element e, with dst multi-index
// (i_0, …, i_{r−1}) over dims d_a, reads src[Σ_a i_a·st_a], st_a being the
// src stride of the axis that dst axis a takes. Axes are pre-merged on the
// host, and the last dst axis is the last src axis (st = 1), so reads are
// contiguous along it. Sizes in units of {{.T}}.
struct Params {
    n: u32,
    rank: u32,
    d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
    s0: u32, s1: u32, s2: u32, s3: u32, s4: u32, s5: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (e >= P.n) {
        return;
    }
    // Function-local arrays: a module-scope constant array indexed at run
    // time reads as zeros under naga (GPU-FACTS bug 2).
    var dims = array<u32, 6>(P.d0, P.d1, P.d2, P.d3, P.d4, P.d5);
    var strides = array<u32, 6>(P.s0, P.s1, P.s2, P.s3, P.s4, P.s5);
    var rest = e;
    var j = 0u;
    for (var a = i32(P.rank) - 1; a >= 0; a--) {
        let q = rest / dims[a];
        j += (rest - q * dims[a]) * strides[a];
        rest = q;
    }
    dst[e] = src[j];
}
{{end}}

{{define "shape_transpose"}}
// transpose (tiled): the last src axis p (length np, src stride 1, dst
// stride tp) and the last dst axis q (length nq, src stride sq, dst stride
// 1) are cut into 32×32 tiles staged through workgroup memory, so both the
// reads (along p) and the writes (along q) are contiguous. The other axes
// (at most four, lengths b0..b3 with src strides bs and dst strides bt) are
// a batch index. Workgroup id = (batch·ntq + tile_q)·ntp + tile_p.
struct Params {
    np: u32,
    nq: u32,
    sq: u32,
    tp: u32,
    ntp: u32,
    ntq: u32,
    total: u32,
    nb: u32,
    b0: u32, b1: u32, b2: u32, b3: u32,
    bs0: u32, bs1: u32, bs2: u32, bs3: u32,
    bt0: u32, bt1: u32, bt2: u32, bt3: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

var<workgroup> tile: array<f32, 1056>; // 32 rows of 33 (padding breaks bank conflicts)

@compute @workgroup_size(32, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
    let wg = wid.x + wid.y * nwg.x;
    if (wg >= P.total) {
        return;
    }
    let tpi = wg % P.ntp;
    let rest = wg / P.ntp;
    let tqi = rest % P.ntq;
    var b = rest / P.ntq;
    var dims = array<u32, 4>(P.b0, P.b1, P.b2, P.b3);
    var bs = array<u32, 4>(P.bs0, P.bs1, P.bs2, P.bs3);
    var bt = array<u32, 4>(P.bt0, P.bt1, P.bt2, P.bt3);
    var sbase = 0u;
    var dbase = 0u;
    for (var a = 0u; a < P.nb; a++) {
        let q = b / dims[a];
        let i = b - q * dims[a];
        sbase += i * bs[a];
        dbase += i * bt[a];
        b = q;
    }
    let p0 = tpi * 32u;
    let q0 = tqi * 32u;
    for (var k = 0u; k < 32u; k += 8u) {
        let p = p0 + lid.x;
        let q = q0 + lid.y + k;
        if (p < P.np && q < P.nq) {
            tile[(lid.y + k) * 33u + lid.x] = src[sbase + q * P.sq + p];
        }
    }
    workgroupBarrier();
    for (var k = 0u; k < 32u; k += 8u) {
        let p = p0 + lid.y + k;
        let q = q0 + lid.x;
        if (p < P.np && q < P.nq) {
            dst[dbase + p * P.tp + q] = tile[lid.x * 33u + lid.y + k];
        }
    }
}
{{end}}

{{define "shape_gather"}}
// gather: dst[i, c] = src[idx[i], c] for i < rows, c < cols (units of
// {{.T}}).
struct Params {
    n: u32,
    cols: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(3) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (e >= P.n) {
        return;
    }
    let i = e / P.cols;
    let c = e - i * P.cols;
    dst[e] = src[u32(idx[i]) * P.cols + c];
}
{{end}}

{{define "shape_copyaxis"}}
// copyaxis: for e = o·run + r < outer·run,
// dst[o·dst_stride + dst_base + r] = src[o·src_stride + src_base + r]
// (units of {{.T}}): a run of count slices of the middle axis.
struct Params {
    n: u32,
    run: u32,
    dst_stride: u32,
    dst_base: u32,
    src_stride: u32,
    src_base: u32,
}

@group(0) @binding(0) var<storage, read> src: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> dst: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (e >= P.n) {
        return;
    }
    let o = e / P.run;
    let r = e - o * P.run;
    dst[o * P.dst_stride + P.dst_base + r] = src[o * P.src_stride + P.src_base + r];
}
{{end}}

{{define "shape_patch"}}
// patch: the pixel ↔ patch-entry map of Patchify for img (b, c, h, w) and
// patches (b·gh·gw, c·p·p), gh = h/p, gw = w/p:
//   patch[t, (ch·p + ky)·p + kx] ↔ img[((n·c + ch)·h + row·p + ky)·w + col·p + kx],
//   t = (n·gh + row)·gw + col.
{{- if .Inverse}}
// Unpatchify: one invocation per image pixel (contiguous writes),
// dimg[pixel] = dpatch[entry].
{{- else}}
// Patchify: one invocation per patch entry (contiguous writes),
// dst[entry] = img[pixel].
{{- end}}
struct Params {
    n: u32,
    c: u32,
    h: u32,
    w: u32,
    p: u32,
    gh: u32,
    gw: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (e >= P.n) {
        return;
    }
    let pp = P.p * P.p;
{{- if .Inverse}}
    let x = e % P.w;
    let r1 = e / P.w;
    let y = r1 % P.h;
    let r2 = r1 / P.h;
    let ch = r2 % P.c;
    let n = r2 / P.c;
    let t = (n * P.gh + y / P.p) * P.gw + x / P.p;
    let entry = t * (P.c * pp) + (ch * P.p + y % P.p) * P.p + x % P.p;
    dst[e] = src[entry];
{{- else}}
    let cols = P.c * pp;
    let t = e / cols;
    let k = e - t * cols;
    let ch = k / pp;
    let ky = (k % pp) / P.p;
    let kx = k % P.p;
    let col = t % P.gw;
    let r1 = t / P.gw;
    let row = r1 % P.gh;
    let n = r1 / P.gh;
    let pixel = ((n * P.c + ch) * P.h + row * P.p + ky) * P.w + col * P.p + kx;
    dst[e] = src[pixel];
{{- end}}
}
{{end}}
