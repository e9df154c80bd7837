{{- if .Reg}}
{{- if .S}}
enable subgroups;
{{- end}}
// Softmax family, register path (rows.wgsl): {{.RPW}} rows per workgroup of
// {{.W}}, {{.T}} invocations per row holding {{.R}} values of type {{.E}} each
// (mode {{.Mode}}); formulas as below. The row is read once and written once.
{{- else}}
{{- if .Subgroups}}
enable subgroups;
{{- end}}
// Softmax family, loop path: one workgroup of {{.W}} invocations per row of
// P.cols values (mode {{.Mode}}).
{{- end}}
//   fwd:     m = max_j x_j,  s = Σ_j e^{x_j−m},  y_k = e^{x_k−m} / s
//   logfwd:  y_k = x_k − (m + log s)
//   bwd:     dx_k = y_k·(dy_k − Σ_j dy_j·y_j)          (y = softmax output)
//   logbwd:  dx_k = dy_k − e^{y_k}·Σ_j dy_j            (y = log-softmax output)

struct Params {
    rows: u32,
    cols: u32,
}
{{- $T := "f32"}}{{if .Reg}}{{$T = .E}}{{end}}

{{- if or (eq .Mode "fwd") (eq .Mode "logfwd")}}
@group(0) @binding(0) var<storage, read> x: array<{{$T}}>;
@group(0) @binding(1) var<storage, read_write> y: array<{{$T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else}}
@group(0) @binding(0) var<storage, read> y: array<{{$T}}>;
@group(0) @binding(1) var<storage, read> dy: array<{{$T}}>;
@group(0) @binding(2) var<storage, read_write> dx: array<{{$T}}>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}
{{- if .Reg}}
{{template "rows_common" .}}
{{- $last := sub .R 1}}

@compute @workgroup_size({{.W}})
fn main({{template "rows_args" .}}) {
{{- template "rows_lanes" .}}
{{- template "rows_row" .}}
{{- if or (eq .Mode "fwd") (eq .Mode "logfwd")}}
{{- range $k := seq .R}}
    var v{{$k}} = {{$.E}}(-3.40282347e38);
{{- end}}
    if (live) {
{{- range $k := seq $last}}
        v{{$k}} = x[o + {{mul $k $.T}}u];
{{- end}}
        if (last_ok) {
            v{{$last}} = x[o + {{mul $last .T}}u];
        }
    }
    var m = hmax(v0);
{{- range $k := seq $last}}
    m = max(m, hmax(v{{add $k 1}}));
{{- end}}
    m = grp_max(m);
{{- if eq .Mode "fwd"}}
{{- range $k := seq .R}}
    v{{$k}} = exp(v{{$k}} - m);
{{- end}}
    var s = hsum(v0);
{{- range $k := seq $last}}
    s += hsum(v{{add $k 1}});
{{- end}}
    let inv = 1.0 / grp_sum(s);
    if (live) {
{{- range $k := seq $last}}
        y[o + {{mul $k $.T}}u] = v{{$k}} * inv;
{{- end}}
        if (last_ok) {
            y[o + {{mul $last .T}}u] = v{{$last}} * inv;
        }
    }
{{- else}}
    var s = hsum(exp(v0 - m));
{{- range $k := seq $last}}
    s += hsum(exp(v{{add $k 1}} - m));
{{- end}}
    let lse = m + log(grp_sum(s));
    if (live) {
{{- range $k := seq $last}}
        y[o + {{mul $k $.T}}u] = v{{$k}} - lse;
{{- end}}
        if (last_ok) {
            y[o + {{mul $last .T}}u] = v{{$last}} - lse;
        }
    }
{{- end}}
{{- else}}
{{- range $k := seq .R}}
    var a{{$k}} = {{$.E}}(0.0);
    var b{{$k}} = {{$.E}}(0.0);
{{- end}}
    if (live) {
{{- range $k := seq $last}}
        a{{$k}} = y[o + {{mul $k $.T}}u];
        b{{$k}} = dy[o + {{mul $k $.T}}u];
{{- end}}
        if (last_ok) {
            a{{$last}} = y[o + {{mul $last .T}}u];
            b{{$last}} = dy[o + {{mul $last .T}}u];
        }
    }
{{- if eq .Mode "bwd"}}
    var s = hsum(b0 * a0);
{{- range $k := seq $last}}
    s += hsum(b{{add $k 1}} * a{{add $k 1}});
{{- end}}
    s = grp_sum(s);
{{- range $k := seq .R}}
    a{{$k}} = a{{$k}} * (b{{$k}} - s);
{{- end}}
{{- else}}
    var s = hsum(b0);
{{- range $k := seq $last}}
    s += hsum(b{{add $k 1}});
{{- end}}
    s = grp_sum(s);
{{- range $k := seq .R}}
    a{{$k}} = b{{$k}} - exp(a{{$k}}) * s;
{{- end}}
{{- end}}
    if (live) {
{{- range $k := seq $last}}
        dx[o + {{mul $k $.T}}u] = a{{$k}};
{{- end}}
        if (last_ok) {
            dx[o + {{mul $last .T}}u] = a{{$last}};
        }
    }
{{- end}}
}
{{- else}}
{{template "common_reduce" .}}

@compute @workgroup_size({{.W}})
fn main({{template "common_row_args" .}}) {
{{- template "common_row_init" .}}
{{- if or (eq .Mode "fwd") (eq .Mode "logfwd")}}
    var m = -3.40282347e38;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        m = max(m, x[o + j]);
    }
    m = wg_max(m);
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += exp(x[o + j] - m);
    }
    s = wg_sum(s);
    {{- if eq .Mode "fwd"}}
    let inv = 1.0 / s;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = exp(x[o + j] - m) * inv;
    }
    {{- else}}
    let lse = m + log(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        y[o + j] = x[o + j] - lse;
    }
    {{- end}}
{{- else if eq .Mode "bwd"}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += dy[o + j] * y[o + j];
    }
    s = wg_sum(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        dx[o + j] = y[o + j] * (dy[o + j] - s);
    }
{{- else}}
    var s = 0.0;
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        s += dy[o + j];
    }
    s = wg_sum(s);
    for (var j = lid; j < P.cols; j += {{.W}}u) {
        dx[o + j] = dy[o + j] - exp(y[o + j]) * s;
    }
{{- end}}
}
{{- end}}
