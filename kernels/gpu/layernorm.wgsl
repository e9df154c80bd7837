{{- if .Reg}}
{{- if .S}}
enable subgroups;
{{- end}}
{{- $fwd := ne .Mode "bwd"}}
// LayerNorm, register path (rows.wgsl): {{.RPW}} rows per workgroup of {{.W}},
// {{.T}} invocations per row holding {{.R}} values of type {{.E}} each
// (mode {{.Mode}}). Each row is read once and written once.
//   fwd:   μ = mean_k x_k,  σ² = mean_k (x_k − μ)²  (two passes over the
//          registers, biased), rstd = 1/√(σ² + eps),
//          y_k = (x_k − μ)·rstd·γ_k + β_k,  mean[r] = μ, rstd[r] = rstd.
//   add:   the same on s = x + a (a residual update fused with the next
//          LayerNorm, gpu.AddScaledLayerNorm), also writing sum = s.
//   addls: s = x + γ_ls⊙a (with LayerScale): writes sum = s, mean and rstd
//          only, since y as well would need a ninth storage buffer; the
//          affine kernel of the loop path then writes y from sum.
//   addlsn: all of add with LayerScale, in one kernel, where the
//          LayerNorm's γ and β lie in one allocation (the packed parameter
//          arena of a trainer): it is bound once, as wb, and γ, β are read
//          at P.w_off and P.b_off (in units of {{.E}}).
//   addls9: the same with γ and β in buffers of their own: nine storage
//          buffers, for devices that allow more than WebGPU's 8.
//   bwd:   x̂ = (x − μ)·rstd, g = dy⊙γ,
//          dx = rstd·(g − mean_k g − x̂·mean_k(g⊙x̂)), and the column sums
//          Σ dy·x̂ and Σ dy over the rows a workgroup handles: workgroup w
//          takes the blocks of {{.RPW}} rows w, w + nwg, … (a grid-stride
//          loop), each invocation adds its columns' terms in row order,
//          and the groups' sums are added in group order into
//          part[2w·cols + c] (Σ dy·x̂) and part[(2w+1)·cols + c] (Σ dy),
//          which the colsum mode of the loop path then adds up.

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    chunk: u32,
{{- if eq .Mode "addlsn"}}
    w_off: u32,
    b_off: u32,
{{- end}}
}
{{- if eq .Mode "fwd"}}
@group(0) @binding(0) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> gamma: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> beta: array<{{.E}}>;
@group(0) @binding(3) var<storage, read_write> y: array<{{.E}}>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "add"}}
@group(0) @binding(0) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> a: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> gamma: array<{{.E}}>;
@group(0) @binding(3) var<storage, read> beta: array<{{.E}}>;
@group(0) @binding(4) var<storage, read_write> sum: array<{{.E}}>;
@group(0) @binding(5) var<storage, read_write> y: array<{{.E}}>;
@group(0) @binding(6) var<storage, read_write> mean: array<f32>;
@group(0) @binding(7) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;
{{- else if eq .Mode "addlsn"}}
@group(0) @binding(0) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> a: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> ls: array<{{.E}}>;
@group(0) @binding(3) var<storage, read> wb: array<{{.E}}>;
@group(0) @binding(4) var<storage, read_write> sum: array<{{.E}}>;
@group(0) @binding(5) var<storage, read_write> y: array<{{.E}}>;
@group(0) @binding(6) var<storage, read_write> mean: array<f32>;
@group(0) @binding(7) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;
{{- else if eq .Mode "addls9"}}
@group(0) @binding(0) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> a: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> ls: array<{{.E}}>;
@group(0) @binding(3) var<storage, read> gamma: array<{{.E}}>;
@group(0) @binding(4) var<storage, read> beta: array<{{.E}}>;
@group(0) @binding(5) var<storage, read_write> sum: array<{{.E}}>;
@group(0) @binding(6) var<storage, read_write> y: array<{{.E}}>;
@group(0) @binding(7) var<storage, read_write> mean: array<f32>;
@group(0) @binding(8) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(9) var<uniform> P: Params;
{{- else if eq .Mode "addls"}}
@group(0) @binding(0) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> a: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> ls: array<{{.E}}>;
@group(0) @binding(3) var<storage, read_write> sum: array<{{.E}}>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> dy: array<{{.E}}>;
@group(0) @binding(1) var<storage, read> x: array<{{.E}}>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<{{.E}}>;
@group(0) @binding(5) var<storage, read_write> dx: array<{{.E}}>;
@group(0) @binding(6) var<storage, read_write> part: array<{{.E}}>;
@group(0) @binding(7) var<uniform> P: Params;
{{- if gt .RPW 1}}

var<workgroup> c_g: array<{{.E}}, {{.W}}>;
var<workgroup> c_b: array<{{.E}}, {{.W}}>;
{{- end}}
{{- end}}
{{template "rows_common" .}}
{{- $last := sub .R 1}}
{{- $out := ne .Mode "addls"}}

@compute @workgroup_size({{.W}})
fn main({{template "rows_args" .}}) {
{{- template "rows_lanes" .}}
    let inv_n = 1.0 / f32(max(P.cols, 1u));
    // Per-column values of this invocation, the same for every row: γ (and
    // β) of the LayerNorm in g (h), γ_ls of the LayerScale in l (addlsn,
    // addls9) or in g (addls).
{{- $lsn := eq .Mode "addlsn"}}
{{- $ls9 := eq .Mode "addls9"}}
{{- range $k := seq .R}}
    var g{{$k}} = {{$.E}}(0.0);
{{- if and $fwd $out}}
    var h{{$k}} = {{$.E}}(0.0);
{{- end}}
{{- if or $lsn $ls9}}
    var l{{$k}} = {{$.E}}(0.0);
{{- end}}
{{- end}}
{{- range $k := seq .R}}
    {{if eq $k $last}}if (last_ok) {{end}}{
        let c = g_lane + {{mul $k $.T}}u;
{{- if $lsn}}
        g{{$k}} = wb[P.w_off + c];
        h{{$k}} = wb[P.b_off + c];
        l{{$k}} = ls[c];
{{- else if eq $.Mode "addls"}}
        g{{$k}} = ls[c];
{{- else}}
        g{{$k}} = gamma[c];
{{- if and $fwd $out}}
        h{{$k}} = beta[c];
{{- end}}
{{- if $ls9}}
        l{{$k}} = ls[c];
{{- end}}
{{- end}}
    }
{{- end}}
{{- if $fwd}}
{{- template "rows_row" .}}
{{- range $k := seq .R}}
    var v{{$k}} = {{$.E}}(0.0);
{{- end}}
    if (live) {
{{- range $k := seq .R}}
        {{if eq $k $last}}if (last_ok) {{end}}{
            let i = o + {{mul $k $.T}}u;
{{- if eq $.Mode "fwd"}}
            v{{$k}} = x[i];
{{- else}}
            v{{$k}} = x[i] + {{if eq $.Mode "addls"}}g{{$k}} * {{else if or (eq $.Mode "addlsn") (eq $.Mode "addls9")}}l{{$k}} * {{end}}a[i];
            sum[i] = v{{$k}};
{{- end}}
        }
{{- end}}
    }
    var s = hsum(v0);
{{- range $k := seq $last}}
    s += hsum(v{{add $k 1}});
{{- end}}
    let mu = grp_sum(s) * inv_n;
{{- range $k := seq $last}}
    v{{$k}} = v{{$k}} - mu;
{{- end}}
    v{{$last}} = select({{.E}}(0.0), v{{$last}} - mu, last_ok);
    var q = hsum(v0 * v0);
{{- range $k := seq $last}}
    q += hsum(v{{add $k 1}} * v{{add $k 1}});
{{- end}}
    let rs = 1.0 / sqrt(grp_sum(q) * inv_n + P.eps);
    if (live) {
{{- if $out}}
{{- range $k := seq $last}}
        y[o + {{mul $k $.T}}u] = v{{$k}} * rs * g{{$k}} + h{{$k}};
{{- end}}
        if (last_ok) {
            y[o + {{mul $last .T}}u] = v{{$last}} * rs * g{{$last}} + h{{$last}};
        }
{{- end}}
        if (g_lane == 0u) {
            mean[row] = mu;
            rstd[row] = rs;
        }
    }
{{- else}}
{{- range $k := seq .R}}
    var cg{{$k}} = {{$.E}}(0.0);
    var cb{{$k}} = {{$.E}}(0.0);
{{- end}}
    let nblk = (P.rows + {{sub .RPW 1}}u) / {{.RPW}}u;
    for (var blk = wid.x; blk < nblk; blk += nwg.x) {
        let row = blk * {{.RPW}}u + lid / {{.T}}u;
        let live = row < P.rows;
        let o = row * nu + g_lane;
        var mu = 0.0;
        var rs = 0.0;
{{- range $k := seq .R}}
        var a{{$k}} = {{$.E}}(0.0);
        var b{{$k}} = {{$.E}}(0.0);
{{- end}}
        if (live) {
            mu = mean[row];
            rs = rstd[row];
{{- range $k := seq $last}}
            a{{$k}} = dy[o + {{mul $k $.T}}u];
            b{{$k}} = x[o + {{mul $k $.T}}u];
{{- end}}
            if (last_ok) {
                a{{$last}} = dy[o + {{mul $last .T}}u];
                b{{$last}} = x[o + {{mul $last .T}}u];
            }
        }
        // a: dy, then g = dy⊙γ; b: x, then x̂. Out-of-row slots have dy = 0.
{{- range $k := seq .R}}
        b{{$k}} = (b{{$k}} - mu) * rs;
        cg{{$k}} += a{{$k}} * b{{$k}};
        cb{{$k}} += a{{$k}};
        a{{$k}} = a{{$k}} * g{{$k}};
{{- end}}
        var sg = hsum(a0);
        var sgx = hsum(a0 * b0);
{{- range $k := seq $last}}
        sg += hsum(a{{add $k 1}});
        sgx += hsum(a{{add $k 1}} * b{{add $k 1}});
{{- end}}
        let m2 = grp_sum2(vec2<f32>(sg, sgx)) * inv_n;
        let ma = m2.x;
        let mb = m2.y;
        if (live) {
{{- range $k := seq $last}}
            dx[o + {{mul $k $.T}}u] = rs * (a{{$k}} - ma - b{{$k}} * mb);
{{- end}}
            if (last_ok) {
                dx[o + {{mul $last .T}}u] = rs * (a{{$last}} - ma - b{{$last}} * mb);
            }
        }
    }
    // Column sums of the workgroup: group 0 adds the other groups' in order.
    let pg = 2u * wid.x * nu + g_lane;
    let pb = pg + nu;
{{- range $k := seq .R}}
{{- if gt $.RPW 1}}
    c_g[lid] = cg{{$k}};
    c_b[lid] = cb{{$k}};
    workgroupBarrier();
    if (lid < {{$.T}}u{{if eq $k $last}} && last_ok{{end}}) {
        var tg = c_g[lid];
        var tb = c_b[lid];
        for (var i = 1u; i < {{$.RPW}}u; i++) {
            tg += c_g[i * {{$.T}}u + lid];
            tb += c_b[i * {{$.T}}u + lid];
        }
        part[pg + {{mul $k $.T}}u] = tg;
        part[pb + {{mul $k $.T}}u] = tb;
    }
    workgroupBarrier();
{{- else}}
    {{if eq $k $last}}if (last_ok) {{end}}{
        part[pg + {{mul $k $.T}}u] = cg{{$k}};
        part[pb + {{mul $k $.T}}u] = cb{{$k}};
    }
{{- end}}
{{- end}}
{{- end}}
}
{{- else}}
{{- if .Subgroups}}
enable subgroups;
{{- end}}
// LayerNorm over rows of P.cols values (mode {{.Mode}}):
//   fwd:   μ = mean_k x_k,  σ² = mean_k (x_k − μ)²  (two passes, biased),
//          rstd = 1/√(σ² + eps),  y_k = (x_k − μ)·rstd·γ_k + β_k,
//          mean[r] = μ, rstd[r] = rstd; one workgroup of {{.W}} per row.
//   add:   the same on s = x + a (gpu.AddScaledLayerNorm without
//          LayerScale), also writing sum = s.
//   addls: s = x + γ_ls⊙a: writes sum = s, mean and rstd (y as well would
//          need a ninth storage buffer); affine then writes y.
//   affine: y = (sum − mean[r])·rstd[r]·γ + β from what addls wrote.
//   The passes after the first of the add modes reread the row this
//   invocation just wrote (its own writes, in program order), which the
//   cache still holds.
//   bwd:   x̂ = (x − μ)·rstd, g = dy⊙γ,
//          dx = rstd·(g − mean_k g − x̂·mean_k(g⊙x̂)); one workgroup per row.
//   cols:  partial column sums over a chunk of P.chunk rows: thread c of
//          chunk b writes part[2b·cols + c] = Σ dy·x̂ and
//          part[(2b+1)·cols + c] = Σ dy (rows in order).
//   colsum: dγ[c] = Σ_b part[2b·cols + c], dβ[c] = Σ_b part[(2b+1)·cols + c]:
//          a workgroup of {{.W}} takes 16 columns, its {{div .W 16}} strands the chunks
//          b ≡ strand (mod {{div .W 16}}) in order, then strand 0 adds the strands' sums
//          in order: the column sums are deterministic.

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
    chunk: u32,
}

{{- if eq .Mode "fwd"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "add"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> sum: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> mean: array<f32>;
@group(0) @binding(7) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(8) var<uniform> P: Params;
{{- else if eq .Mode "addls"}}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> ls: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "affine"}}
@group(0) @binding(0) var<storage, read> sum: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "bwd"}}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> P: Params;
{{- else if eq .Mode "cols"}}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> part: array<f32>;
@group(0) @binding(5) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}

{{- if eq .Mode "affine"}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
    let row = wid.x + wid.y * nwg.x;
    if (row >= P.rows) {
        return;
    }
    let o = row * P.cols;
    let mu = mean[row];
    let rs = rstd[row];
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = (sum[o + j] - mu) * rs * gamma[j] + beta[j];
    }
}
{{- else if or (eq .Mode "fwd") (eq .Mode "add") (eq .Mode "addls") (eq .Mode "bwd")}}
{{template "common_reduce" .}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
{{- template "common_row_init" .}}
    let inv_n = 1.0 / f32(max(P.cols, 1u));
{{- if ne .Mode "bwd"}}
{{- /* in: the row the passes after the first read (x, or the sum just written) */}}
{{- $in := "x"}}
{{- if ne .Mode "fwd"}}{{$in = "sum"}}{{end}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
{{- if eq .Mode "fwd"}}
        s += x[o + j];
{{- else}}
        let v = x[o + j] + {{if eq .Mode "addls"}}ls[j] * {{end}}a[o + j];
        sum[o + j] = v;
        s += v;
{{- end}}
    }
    let mu = wg_sum(s) * inv_n;
    var q = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let c = {{$in}}[o + j] - mu;
        q += c * c;
    }
    let rs = 1.0 / sqrt(wg_sum(q) * inv_n + P.eps);
{{- if ne .Mode "addls"}}
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = ({{$in}}[o + j] - mu) * rs * gamma[j] + beta[j];
    }
{{- end}}
    if (lid == 0u) {
        mean[row] = mu;
        rstd[row] = rs;
    }
{{- else}}
    let mu = mean[row];
    let rs = rstd[row];
    var sg = 0.0;
    var sgx = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let g = dy[o + j] * gamma[j];
        sg += g;
        sgx += g * (x[o + j] - mu) * rs;
    }
    let a = wg_sum(sg) * inv_n;
    let b = wg_sum(sgx) * inv_n;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        let g = dy[o + j] * gamma[j];
        let xh = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (g - a - xh * b);
    }
{{- end}}
}
{{- else if eq .Mode "cols"}}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    if (c >= P.cols) {
        return;
    }
    let r0 = gid.y * P.chunk;
    let r1 = min(r0 + P.chunk, P.rows);
    var dg = 0.0;
    var db = 0.0;
    for (var r = r0; r < r1; r++) {
        let d = dy[r * P.cols + c];
        dg += d * (x[r * P.cols + c] - mean[r]) * rstd[r];
        db += d;
    }
    part[2u * gid.y * P.cols + c] = dg;
    part[(2u * gid.y + 1u) * P.cols + c] = db;
}
{{- else}}
{{- $strands := div .W 16}}

var<workgroup> cs_g: array<f32, {{.W}}>;
var<workgroup> cs_b: array<f32, {{.W}}>;

@compute @workgroup_size({{.W}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let c = wid.x * 16u + lid % 16u;
    let strand = lid / 16u;
    var dg = 0.0;
    var db = 0.0;
    if (c < P.cols) {
        for (var b = strand; b < P.rows; b += {{$strands}}u) {
            dg += part[2u * b * P.cols + c];
            db += part[(2u * b + 1u) * P.cols + c];
        }
    }
    cs_g[lid] = dg;
    cs_b[lid] = db;
    workgroupBarrier();
    if (strand == 0u && c < P.cols) {
        var tg = cs_g[lid];
        var tb = cs_b[lid];
        for (var s = 1u; s < {{$strands}}u; s++) {
            tg += cs_g[s * 16u + lid];
            tb += cs_b[s * 16u + lid];
        }
        dgamma[c] = tg;
        dbeta[c] = tb;
    }
}
{{- end}}
{{- end}}
