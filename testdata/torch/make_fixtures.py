"""Writes the small torch.save fixtures that nn/state tests read.

Run with Debian's python3-torch (PyTorch 1.13):  /usr/bin/python3 make_fixtures.py
Outputs (all tiny, committed):
  state_dict_zip.pth     OrderedDict state dict, zip format (torch >= 1.6 default)
  state_dict_legacy.pth  the same, legacy pickle stream (_use_new_zipfile_serialization=False)
  nested_zip.pth         {"teacher": state dict, "iteration": 7, "args": Namespace, "pair": [t, t]}
  unsupported_int16.pth  a state dict holding an int16 tensor (must be a clear error)
  expected.json          every tensor of the state dict: dtype, shape, values (row-major)
"""
import argparse
import collections
import json
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))


def state_dict():
    sd = collections.OrderedDict()
    sd["f32"] = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5
    sd["f64"] = torch.tensor([1.0, -2.5, 1e-300, 3.0], dtype=torch.float64)
    sd["f16"] = torch.tensor([1.0, -0.0009765625, 65504.0, 5.960464477539063e-08], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd["i64"] = torch.tensor([[1, -2], [3, 1 << 40]], dtype=torch.int64)
    sd["i32"] = torch.tensor([7, -8, 2147483647], dtype=torch.int32)
    sd["u8"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd["transposed"] = base.t()                 # (4, 3), stride (1, 4)
    big = torch.arange(20, dtype=torch.float32).reshape(5, 4)
    sd["rows_1_3"] = big[1:3]                   # storage offset 4, shares big's storage
    sd["cols_step"] = big[:, ::2]               # stride (4, 2)
    sd["expanded"] = torch.tensor([1.5, -1.0]).reshape(2, 1).expand(2, 3)  # stride (1, 0)
    sd["param"] = torch.nn.Parameter(torch.tensor([[0.25, 0.5]]))
    return sd


def dtype_name(t):
    return {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
            torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}[t.dtype]


def values(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        return [int(v) for v in t.tolist()]
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t.tolist()


def main():
    torch.manual_seed(0)
    sd = state_dict()
    torch.save(sd, os.path.join(here, "state_dict_zip.pth"))
    torch.save(sd, os.path.join(here, "state_dict_legacy.pth"), _use_new_zipfile_serialization=False)

    teacher = collections.OrderedDict()
    teacher["backbone.cls_token"] = torch.full((1, 1, 4), 0.5)
    teacher["backbone.blocks.0.0.norm1.weight"] = torch.ones(4)
    teacher["dino_head.last_layer.weight_g"] = torch.ones(3, 1)
    nested = {
        "teacher": teacher,
        "iteration": 7,
        "args": argparse.Namespace(lr=0.001, arch="vit_small"),
        "pair": [torch.tensor([1.0]), torch.tensor([2.0, 3.0])],
        "nothing": None,
    }
    torch.save(nested, os.path.join(here, "nested_zip.pth"))
    torch.save({"w": torch.tensor([1, 2], dtype=torch.int16)}, os.path.join(here, "unsupported_int16.pth"))

    expected = {k: {"dtype": dtype_name(v), "shape": list(v.shape), "values": values(v)} for k, v in sd.items()}
    with open(os.path.join(here, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("torch", torch.__version__)


if __name__ == "__main__":
    main()
