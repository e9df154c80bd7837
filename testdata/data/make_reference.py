#!/usr/bin/python3
"""Reference outputs for the cxformer/data tests, computed with the libraries the
reference pipeline runs on: OpenCV (equalizeHist), Pillow (resize, affine, ImageEnhance,
convert("L"), solarize), pydicom (DICOM decoding, modality LUT, VOI window) and numpy
(CheXmask's published RLE decoder, torchvision's Gaussian blur formula, min-max scaling).

Run from the repository root after regenerating the inputs:
    go test ./cxformer/data -run TestGenerateFixtures -gen-fixtures
    /usr/bin/python3 testdata/data/make_reference.py
Needs: apt-get install python3-opencv python3-pil python3-pydicom python3-numpy
"""
import csv, json, math, os
import numpy as np
import cv2
from PIL import Image, ImageEnhance, ImageOps
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "reference")
manifest = {"versions": {"opencv": cv2.__version__, "pillow": Image.__version__ if hasattr(Image, "__version__") else "", "pydicom": pydicom.__version__, "numpy": np.__version__}}


def out(rel, arr):
    p = os.path.join(REF, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    Image.fromarray(np.asarray(arr, dtype=np.uint8), "L").save(p)


def inp(rel):
    return os.path.join(HERE, rel)


rng = np.random.default_rng(20240611)

# --- OpenCV equalizeHist ----------------------------------------------------------------
eq_inputs = {
    "gray8": np.array(Image.open(inp("images/gray8.png"))),
    "uniform": rng.integers(0, 256, size=(48, 64), dtype=np.uint8),
    "narrow": rng.integers(100, 111, size=(17, 33), dtype=np.uint8),
    "constant": np.full((10, 10), 77, dtype=np.uint8),
    "single": np.array([[5]], dtype=np.uint8),
    "skewed": np.clip(rng.gamma(2.0, 20.0, size=(40, 50)), 0, 255).astype(np.uint8),
}
yy, xx = np.mgrid[0:900, 0:1100]
eq_inputs["large"] = ((xx * 255 // 1099) * (yy // 300 + 1) // 3 + (xx % 3)).clip(0, 255).astype(np.uint8)
for name, a in eq_inputs.items():
    out(f"equalize/{name}_in.png", a)
    out(f"equalize/{name}_out.png", cv2.equalizeHist(a))
manifest["equalize"] = sorted(eq_inputs)

# --- Pillow: convert("L") ---------------------------------------------------------------
for name in ["rgb.png", "rgba.png", "palette.png", "rgb.jpg", "gray.jpg", "gray8.png"]:
    out(f"pil/L_{name}.png", np.array(Image.open(inp("images/" + name)).convert("L")))

# --- min-max of the 16-bit PNG ----------------------------------------------------------
a = np.array(Image.open(inp("images/gray16.png"))).astype(np.float64)
a = a - a.min(); a = a / a.max()
out("gray16_minmax.png", (a * 255).astype(np.uint8))

# --- Pillow bicubic resize (what torchvision runs on PIL images) -----------------------
g8 = Image.open(inp("images/gray8.png"))
resize_cases = [(64, 64), (16, 12), (37, 15), (50, 29), (7, 5), (1, 1), (100, 3)]
for w, h in resize_cases:
    out(f"pil/resize_{w}x{h}.png", np.array(g8.resize((w, h), Image.BICUBIC)))
big = (np.add.outer(np.arange(260) * 0.7, np.arange(300) * 0.4) % 256).astype(np.uint8)
big[60:200, 80:220] = 255 - big[60:200, 80:220]
big = (big.astype(np.int32) + rng.integers(-3, 4, size=big.shape)).clip(0, 255).astype(np.uint8)
out("pil/big_in.png", big)
bigim = Image.fromarray(big, "L")
crop_cases = [  # (top, left, h, w, size): torchvision resized_crop = crop then resize
    (0, 0, 260, 300, 518), (17, 33, 201, 188, 518), (100, 5, 60, 71, 98), (3, 9, 250, 290, 98), (40, 40, 98, 98, 98),
]
for i, (top, left, h, w, size) in enumerate(crop_cases):
    c = bigim.crop((left, top, left + w, top + h)).resize((size, size), Image.BICUBIC)
    out(f"pil/crop_{i}.png", np.array(c))
manifest["resize"] = [list(c) for c in resize_cases]
manifest["crop"] = [list(c) for c in crop_cases]


# --- Pillow nearest affine with torchvision's inverse matrix ----------------------------
def inverse_affine(center, angle, translate, scale):
    # torchvision.transforms.functional._get_inverse_affine_matrix with shear = 0
    rot = math.radians(angle)
    cx, cy = center
    tx, ty = translate
    a, b, c, d = math.cos(rot), -math.sin(rot), math.sin(rot), math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m = [x / scale for x in m]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


affine_cases = [(17.3, 3, -2, 1.1), (-20.0, 0, 0, 0.8), (5.0, -5, 4, 1.2), (0.0, 0, 0, 1.0), (90.0, 1, 1, 1.0), (-13.7, 10, -9, 0.93)]
for i, (ang, tx, ty, sc) in enumerate(affine_cases):
    m = inverse_affine((g8.size[0] * 0.5, g8.size[1] * 0.5), ang, (tx, ty), sc)
    r = g8.transform(g8.size, Image.AFFINE, m, Image.NEAREST, fillcolor=0)
    out(f"pil/affine_{i}.png", np.array(r))
    if i not in (0, 5):
        continue
    m = inverse_affine((259.0, 259.0), ang, (tx * 5, ty * 5), sc)
    b518 = bigim.crop((0, 0, 300, 260)).resize((518, 518), Image.BICUBIC)
    out(f"pil/affine518_{i}.png", np.array(b518.transform((518, 518), Image.AFFINE, m, Image.NEAREST, fillcolor=0)))
manifest["affine"] = [list(c) for c in affine_cases]

# --- Pillow ImageEnhance on the gray image replicated to RGB (torchvision ColorJitter) ---
rgb = g8.convert("RGB")
jitter_cases = [  # sequence of (op, factor) applied in order
    [("b", 0.6)], [("b", 0.93)], [("b", 1.37)], [("c", 0.6)], [("c", 1.25)], [("c", 1.4)],
    [("b", 1.3), ("c", 0.7)], [("c", 1.3), ("b", 0.75)], [("b", 0.61), ("c", 1.39)],
]
for i, seq in enumerate(jitter_cases):
    im = rgb
    for op, f in seq:
        im = (ImageEnhance.Brightness if op == "b" else ImageEnhance.Contrast)(im).enhance(f)
    arr = np.array(im)
    assert (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all()
    out(f"pil/jitter_{i}.png", arr[..., 0])
    # saturation and hue are identities on R=G=B images
    for s in (0.8, 1.2):
        assert (np.array(ImageEnhance.Color(im).enhance(s)) == arr).all()
    h, s, v = im.convert("HSV").split()
    nh = (np.array(h, dtype=np.uint8) + np.uint8(int(0.07 * 255) % 256)).astype(np.uint8)
    back = Image.merge("HSV", (Image.fromarray(nh, "L"), s, v)).convert("RGB")
    assert (np.array(back) == arr).all()
manifest["jitter"] = jitter_cases
out("pil/solarize.png", np.array(ImageOps.solarize(rgb, 128))[..., 0])


# --- torchvision GaussianBlur(9, sigma) formula in float32 (2-D kernel, reflect pad) ---
def tv_blur(a, ks, sigma):
    half = (ks - 1) * 0.5
    x = np.linspace(-half, half, ks, dtype=np.float32)
    pdf = np.exp(np.float32(-0.5) * (x / np.float32(sigma)) ** 2).astype(np.float32)
    k1 = (pdf / pdf.sum()).astype(np.float32)
    k2 = np.outer(k1, k1).astype(np.float32)
    p = np.pad(a.astype(np.float32), ks // 2, mode="reflect")
    o = np.zeros(a.shape, dtype=np.float32)
    for dy in range(ks):
        for dx in range(ks):
            o += k2[dy, dx] * p[dy:dy + a.shape[0], dx:dx + a.shape[1]]
    return np.round(o).astype(np.uint8)


blur_sigmas = [0.1, 0.7, 1.3, 2.0]
for i, s in enumerate(blur_sigmas):
    out(f"blur_{i}.png", tv_blur(np.array(g8), 9, s))
manifest["blur"] = blur_sigmas

# --- DICOM via pydicom: modality LUT, VOI window, MONOCHROME1 inversion, min-max -------
for name in ["u16_window", "mono1_u12", "s16_rescale", "s12_sigmoid", "u8"]:
    ds = pydicom.dcmread(inp(f"dicom/{name}.dcm"))
    arr = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    if "WindowCenter" in ds:
        arr = apply_voi_lut(arr, ds).astype(np.float64)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        arr = np.max(arr) - arr
    arr = arr - np.min(arr)
    arr = arr / np.max(arr)
    out(f"dicom/{name}.png", (arr * 255).astype(np.uint8))


# --- CheXmask: the dataset's published RLE decoder --------------------------------------
def get_mask_from_rle(rle, height, width):
    runs = np.array([int(x) for x in rle.split()])
    mask = np.zeros(height * width, dtype=np.uint8)
    for start, length in zip(runs[::2], runs[1::2]):
        mask[start - 1:start - 1 + length] = 255
    return mask.reshape((height, width))


with open(inp("chexmask/chexmask.csv")) as f:
    for i, row in enumerate(csv.DictReader(f)):
        if not (row["Left Lung"] and row["Right Lung"] and row["Heart"]):
            continue
        h, w = int(row["Height"]), int(row["Width"])
        lab = np.zeros((h, w), dtype=np.uint8)
        for k, col in enumerate(["Left Lung", "Right Lung", "Heart"], start=1):
            lab[get_mask_from_rle(row[col], h, w) > 0] = k
        out(f"chexmask/row{i}.png", lab)

with open(os.path.join(REF, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
print("reference written to", REF)
