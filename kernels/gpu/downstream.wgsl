// soft Dice over rows of p and t (rows × cols), one workgroup per row:
// invocation l sums columns l, l+256, … in order, then a fixed tree in
// workgroup memory gives I = Σ p·t and S' = Σ (p + t) (deterministic).
{{- if .Backward}}
// Backward: with S = S' + eps,
//   dp[r, j] = ddice[r]·(2·t[r, j]·S − (2I + eps))/S².
{{- else}}
// Forward: dice[r] = (2I + eps)/(S' + eps).
{{- end}}

struct Params {
    rows: u32,
    cols: u32,
    eps: f32,
}

@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read> t: array<f32>;
{{- if .Backward}}
@group(0) @binding(2) var<storage, read> ddice: array<f32>;
@group(0) @binding(3) var<storage, read_write> dp: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;
{{- else}}
@group(0) @binding(2) var<storage, read_write> dice: array<f32>;
@group(0) @binding(3) var<uniform> P: Params;
{{- end}}

var<workgroup> sh_i: array<f32, 256>;
var<workgroup> sh_s: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let r = wid.x + wid.y * nwg.x;
    if (r >= P.rows) {
        return;
    }
    let base = r * P.cols;
    var inter = 0.0;
    var sum = 0.0;
    for (var j = lid; j < P.cols; j += 256u) {
        let pv = p[base + j];
        let tv = t[base + j];
        inter += pv * tv;
        sum += pv + tv;
    }
    sh_i[lid] = inter;
    sh_s[lid] = sum;
{{- range .Strides}}
    workgroupBarrier();
    if (lid < {{.}}u) {
        sh_i[lid] += sh_i[lid + {{.}}u];
        sh_s[lid] += sh_s[lid + {{.}}u];
    }
{{- end}}
    workgroupBarrier();
{{- if .Backward}}
    let s = sh_s[0] + P.eps;
    let num = 2.0 * sh_i[0] + P.eps;
    let g = ddice[r] / (s * s);
    for (var j = lid; j < P.cols; j += 256u) {
        dp[base + j] = g * (2.0 * t[base + j] * s - num);
    }
{{- else}}
    if (lid == 0u) {
        dice[r] = (2.0 * sh_i[0] + P.eps) / (sh_s[0] + P.eps);
    }
{{- end}}
}
