{{/*
SSL teacher-target and regulariser kernels. Row kernels run one workgroup
of WG invocations per row (row = wid.x + wid.y·nwg.x), reading rows in
units of T = f32 or vec4<f32>; column kernels run one invocation per
column unit.

Mode "csm" (CenteredSoftmax), per row, with x = z − c, τ = |temp|,
σ = sign(temp), u = σ·x (so x/temp = u/τ):
    q = e^{(u − max u)/τ} / Σ e^{(u − max u)/τ}

Sinkhorn-Knopp on a rows×cols (R×K) matrix, the working copy w kept in q:
  "skmax"    partial maxima of σ·z: workgroup g of G strides over the
             matrix and writes part[g]
  "skexp"    column pass 1 fused with the exponential: m = max part (every
             invocation reduces the G partials itself), w = e^{(σz − m)/τ}
             is written to q, and workgroup (x, p) writes
             colpart[p, col] = Σ_{rows r of chunk p} w[r, col]
  "skcol"    column pass 1 on q (later rounds)
  "skcolsum" colsum[col] = Σ_p colpart[p, col], p in order
  "skrow"    per row: w ← w / (colsum·K), then w ← w / (Σ_k w · R), times R
             on the last round (flags bit 0)
  "sktotal"  total = Σ colsum (one workgroup)
  "skscale"  w ← w·R / total (iters = 0 only)
Every sum has a fixed order (chunks, then chunk partials in order, tree
reductions in workgroup memory), so results are deterministic.

KoLeo on x (B×D), y = x / max(‖x‖, 1e-8) and S = y·yᵀ computed before;
nn holds the neighbour indices as exact integers in f32 (read back through
nn_at, which clamps them into [0, B): a bad index upstream gives a wrong
result, never an out-of-bounds read):
  "konn"   per row i: nn(i) = argmax_{j≠i} S[i,j] (first j on ties; i itself
           when B = 1), d = ‖y_i − y_nn(i) + 1e-8‖, term[i] = log(d + 1e-8)
  "kosum"  loss = −(1/B) Σ_i term[i] (one workgroup)
  "kog"    per row i: d as above from the given nn, dloss = dloss[0],
           g[i] = −dloss / (B·(d + 1e-8)·d), 0 when d = 0
  "kodx"   per row j, with u_i = y_i − y_nn(i) + 1e-8:
           dy_j = g_j·u_j − Σ_{i: nn(i)=j} g_i·u_i
           dx_j = (dy_j − y_j (y_j·dy_j)) / ‖x_j‖, or dy_j / 1e-8 when
           ‖x_j‖ ≤ 1e-8
*/}}
{{- $m := .Mode}}
{{- if eq $m "csm"}}
struct Params {
    rows: u32,
    n: u32,
    tau: f32,
    sgn: f32,
    temp: f32,
}
@group(0) @binding(0) var<storage, read> z: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> c: array<{{.T}}>;
@group(0) @binding(2) var<storage, read_write> q: array<{{.T}}>;
@group(0) @binding(3) var<uniform> P: Params;
{{template "rowk_online" .}}
{{- else if or (eq $m "skmax") (eq $m "skexp") (eq $m "skcol") (eq $m "skcolsum") (eq $m "sktotal") (eq $m "skrow") (eq $m "skscale")}}
struct Params {
    rows: u32,     // R
    n: u32,        // units per row (K, or K/4 for vec4)
    tau: f32,      // |temp|
    sgn: f32,      // sign(temp)
    groups: u32,   // G, the number of partial maxima
    chunk: u32,    // rows per column-pass chunk
    chunks: u32,   // number of chunks
    kf: f32,       // K as a float
    rf: f32,       // R as a float
    flags: u32,    // skrow: bit 0 = last round
}
{{- if eq $m "skmax"}}
@group(0) @binding(0) var<storage, read> z: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> part: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "skexp"}}
@group(0) @binding(0) var<storage, read> z: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> q: array<{{.T}}>;
@group(0) @binding(3) var<storage, read_write> colpart: array<{{.T}}>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else if eq $m "skcol"}}
@group(0) @binding(0) var<storage, read> q: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> colpart: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "skcolsum"}}
@group(0) @binding(0) var<storage, read> colpart: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> colsum: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "sktotal"}}
@group(0) @binding(0) var<storage, read> colsum: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> total: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "skrow"}}
@group(0) @binding(0) var<storage, read> colsum: array<{{.T}}>;
@group(0) @binding(1) var<storage, read_write> q: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "skscale"}}
@group(0) @binding(0) var<storage, read> total: array<f32>;
@group(0) @binding(1) var<storage, read_write> q: array<{{.T}}>;
@group(0) @binding(2) var<uniform> P: Params;
{{- end}}
{{- else}}
struct Params {
    rows: u32,     // B
    n: u32,        // units per row of y (D, or D/4 for vec4)
}
{{- if eq $m "konn"}}
@group(0) @binding(0) var<storage, read> sim: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<{{.T}}>;
@group(0) @binding(2) var<storage, read_write> nn: array<f32>;
@group(0) @binding(3) var<storage, read_write> term: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else if eq $m "kosum"}}
@group(0) @binding(0) var<storage, read> term: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
@group(0) @binding(2) var<uniform> P: Params;
{{- else if eq $m "kog"}}
@group(0) @binding(0) var<storage, read> y: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> nn: array<f32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else if eq $m "kodx"}}
@group(0) @binding(0) var<storage, read> y: array<{{.T}}>;
@group(0) @binding(1) var<storage, read> norm: array<f32>;
@group(0) @binding(2) var<storage, read> nn: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<{{.T}}>;
@group(0) @binding(5) var<uniform> P: Params;
{{- end}}
{{- end}}
{{template "rowk_vec" .}}
{{template "rowk_sum" .}}

{{- if or (eq $m "skmax") (eq $m "skexp")}}
var<workgroup> red_max: array<f32, {{.WG}}>;
{{- end}}
{{- if or (eq $m "kog") (eq $m "kodx")}}

// nn_at(i) is the neighbour index nn[i] as a row index, clamped into
// [0, B) (max first, so a negative value or NaN never reaches the u32
// conversion out of range).
fn nn_at(i: u32) -> u32 {
    return min(u32(max(nn[i], 0.0)), P.rows - 1u);
}
{{- end}}
{{- if eq $m "konn"}}
var<workgroup> red_v: array<f32, {{.WG}}>;
var<workgroup> red_i: array<u32, {{.WG}}>;
{{- end}}

@compute @workgroup_size({{.WG}})
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
{{- if eq $m "csm"}}
{{- template "rowk_row"}}
    var st = vec4<f32>(-3.40282347e38, 0.0, 0.0, 0.0);
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let u = P.sgn * (z[o + i] - c[i]);
{{- if .Vec4}}
        st = push(st, u.x, 0.0);
        st = push(st, u.y, 0.0);
        st = push(st, u.z, 0.0);
        st = push(st, u.w, 0.0);
{{- else}}
        st = push(st, u, 0.0);
{{- end}}
    }
    let r = wg_merge(lid, st);
    let inv = 1.0 / r.y;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        q[o + i] = exp((P.sgn * (z[o + i] - c[i]) - r.x) / P.tau) * inv;
    }

{{- else if eq $m "skmax"}}
    let total = P.rows * P.n;
    var m = -3.40282347e38;
    for (var i = wid.x * {{.WG}}u + lid; i < total; i += P.groups * {{.WG}}u) {
        m = max(m, hmax(P.sgn * z[i]));
    }
    red_max[lid] = m;
    workgroupBarrier();
    for (var s = {{div .WG 2}}u; s > 0u; s = s >> 1u) {
        if (lid < s) {
            red_max[lid] = max(red_max[lid], red_max[lid + s]);
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        part[wid.x] = red_max[0];
    }

{{- else if or (eq $m "skexp") (eq $m "skcol")}}
    let col = wid.x * {{.WG}}u + lid;
    let p = wid.y;
{{- if eq $m "skexp"}}
    // The global maximum: every invocation folds the G partials (a max is
    // exact in any order).
    var m = -3.40282347e38;
    for (var k = 0u; k < P.groups; k++) {
        m = max(m, part[k]);
    }
{{- end}}
    if (col >= P.n) {
        return;
    }
    let r0 = p * P.chunk;
    let r1 = min(P.rows, r0 + P.chunk);
    var acc = {{.T}}(0.0);
    for (var r = r0; r < r1; r++) {
{{- if eq $m "skexp"}}
        let w = exp((P.sgn * z[r * P.n + col] - m) / P.tau);
        q[r * P.n + col] = w;
{{- else}}
        let w = q[r * P.n + col];
{{- end}}
        acc += w;
    }
    colpart[p * P.n + col] = acc;

{{- else if eq $m "skcolsum"}}
    let col = (wid.x + wid.y * nwg.x) * {{.WG}}u + lid;
    if (col >= P.n) {
        return;
    }
    var acc = {{.T}}(0.0);
    for (var p = 0u; p < P.chunks; p++) {
        acc += colpart[p * P.n + col];
    }
    colsum[col] = acc;

{{- else if eq $m "sktotal"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        acc += hsum(colsum[i]);
    }
    let t = wg_sum(lid, acc);
    if (lid == 0u) {
        total[0] = t;
    }

{{- else if eq $m "skrow"}}
{{- template "rowk_row"}}
    var acc = 0.0;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        acc += hsum(q[o + i] / (colsum[i] * P.kf));
    }
    let den = wg_sum(lid, acc) * P.rf;
    let last = (P.flags & 1u) != 0u;
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        let w = (q[o + i] / (colsum[i] * P.kf)) / den;
        q[o + i] = select(w, w * P.rf, last);
    }

{{- else if eq $m "skscale"}}
{{- template "rowk_row"}}
    let s = P.rf / total[0];
    for (var i = lid; i < P.n; i += {{.WG}}u) {
        q[o + i] = q[o + i] * s;
    }

{{- else if eq $m "konn"}}
{{- template "rowk_row"}}
    // Argmax of row `row` of S over j ≠ row: each invocation keeps the
    // first maximum of its strided j, then a tree keeps the larger value,
    // the smaller index on ties.
    var bv = -3.40282347e38;
    var bi = 0xffffffffu;
    for (var j = lid; j < P.rows; j += {{.WG}}u) {
        let v = sim[row * P.rows + j];
        if (j != row && (v > bv || bi == 0xffffffffu)) {
            bv = v;
            bi = j;
        }
    }
    red_v[lid] = bv;
    red_i[lid] = bi;
    workgroupBarrier();
    for (var s = {{div .WG 2}}u; s > 0u; s = s >> 1u) {
        if (lid < s) {
            let ov = red_v[lid + s];
            let oi = red_i[lid + s];
            let cv = red_v[lid];
            let ci = red_i[lid];
            if (oi != 0xffffffffu && (ci == 0xffffffffu || ov > cv || (ov == cv && oi < ci))) {
                red_v[lid] = ov;
                red_i[lid] = oi;
            }
        }
        workgroupBarrier();
    }
    var j = red_i[0];
    if (j == 0xffffffffu) {
        j = row; // a single row is its own neighbour
    }
    let oj = j * P.n;
    var acc = 0.0;
    for (var k = lid; k < P.n; k += {{.WG}}u) {
        let u = y[o + k] - y[oj + k] + 1e-8;
        acc += vdot(u, u);
    }
    let d = sqrt(wg_sum(lid, acc));
    if (lid == 0u) {
        nn[row] = f32(j);
        term[row] = log(d + 1e-8);
    }

{{- else if eq $m "kosum"}}
    var acc = 0.0;
    for (var i = lid; i < P.rows; i += {{.WG}}u) {
        acc += term[i];
    }
    let s = wg_sum(lid, acc);
    if (lid == 0u) {
        loss[0] = -s / f32(P.rows);
    }

{{- else if eq $m "kog"}}
{{- template "rowk_row"}}
    let oj = nn_at(row) * P.n;
    var acc = 0.0;
    for (var k = lid; k < P.n; k += {{.WG}}u) {
        let u = y[o + k] - y[oj + k] + 1e-8;
        acc += vdot(u, u);
    }
    let d = sqrt(wg_sum(lid, acc));
    if (lid == 0u) {
        g[row] = select(-dloss[0] / (f32(P.rows) * (d + 1e-8) * d), 0.0, d == 0.0);
    }

{{- else if eq $m "kodx"}}
{{- template "rowk_row"}}
    let gj = g[row];
    let on = nn_at(row) * P.n;
    var acc = 0.0;
    for (var k = lid; k < P.n; k += {{.WG}}u) {
        let yj = y[o + k];
        var dy = gj * (yj - y[on + k] + 1e-8);
        for (var i = 0u; i < P.rows; i++) {
            if (nn_at(i) == row) {
                dy -= g[i] * (y[i * P.n + k] - yj + 1e-8);
            }
        }
        dx[o + k] = dy;
        acc += vdot(yj, dy);
    }
    let yd = wg_sum(lid, acc);
    let nrm = norm[row];
    for (var k = lid; k < P.n; k += {{.WG}}u) {
        let dy = dx[o + k];
        if (nrm <= 1e-8) {
            dx[o + k] = dy / 1e-8;
        } else {
            dx[o + k] = (dy - y[o + k] * yd) / nrm;
        }
    }
{{- end}}
}
