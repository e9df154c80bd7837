// elementwise: b0[i] = EXPR(a, b, c, d) for i < n, one invocation per
// element of type {{.T}} (f32, or vec4<f32> when every size divides by 4).
// b0 is the destination; an input that is the destination is read from b0
// (in-place use). Inputs are indexed by kind: i (full), i % cols (a
// per-column vector), (i / (axis_n·axis_inner))·axis_inner + i % axis_inner
// (BroadcastAxis) or i / cols (an int32 per row). Sizes are in units of
// {{.T}}.

struct Params {
    n: u32,
    cols: u32,
    axis_n: u32,
    axis_inner: u32,
    s0: f32,
    s1: f32,
}

{{range .Bindings}}@group(0) @binding({{.Index}}) var<storage, {{.Access}}> b{{.Index}}: array<{{.Elem}}>;
{{end}}@group(0) @binding({{.NBind}}) var<uniform> P: Params;

// log1p01(u) = log(1 + u) for u in [0, 1], accurate to a few ulp: with
// s = u/(2+u) ≤ 1/3, log(1+u) = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …); the
// series is cut after s¹⁷ (remainder below 2e-10 relative). log(1.0 + u)
// would lose every digit of a small u.
fn log1p01(u: {{.T}}) -> {{.T}} {
    let s = u / (2.0 + u);
    let q = s * s;
    let poly = 2.0 + q * (0.6666666667 + q * (0.4 + q * (0.2857142857 + q * (0.2222222222 +
        q * (0.1818181818 + q * (0.1538461538 + q * (0.1333333333 + q * 0.1176470588)))))));
    return s * poly;
}

// bce_loss(x, y) = max(x, 0) − x·y + log(1 + e^{−|x|}), the overflow-free
// binary cross-entropy of a logit x against a target y.
fn bce_loss(x: {{.T}}, y: {{.T}}) -> {{.T}} {
    return max(x, {{.T}}(0.0)) - x * y + log1p01(exp(-abs(x)));
}

// sigmoid(x) = 1/(1 + e^{−x}); e^{−x} overflowing to +inf gives 0.
fn sigmoid(x: {{.T}}) -> {{.T}} {
    return 1.0 / (1.0 + exp(-x));
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * 256u + lid;
    if (i >= P.n) {
        return;
    }
{{range .Loads}}    let {{.Name}} = {{.Expr}};
{{end}}    b0[i] = {{.Expr}};
}
