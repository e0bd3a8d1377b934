"""A whole run's ensemble through VirtualiZarr (virtualizarr[grib]: gribberish's GribberishParser
with use_index=".index"): for every step, the perturbed members' file (enfo-ef) and the control's
(oper-fc, IFS 50r1 and later) are parsed, and each variable of the control is put in front of the
perturbed members along `number`, as the ensemble store holds them.

The concatenation is done on the virtual arrays (`np.expand_dims`, `np.concatenate`: the functions
VirtualiZarr's ManifestArray implements); `xr.concat` and `expand_dims` would need a transpose the
ManifestArray does not have, since the perturbed members' `number` dimension comes after `time`
(and after a level dimension) where xarray puts a new dimension first.

Not included: combining the 85 per-step results along `step` and writing a store.

Usage: virtualizarr_ensemble.py --bucket ecmwf-forecasts --date YYYYMMDD --steps 0,3,... [--drop tsoil,vsw]
Prints one JSON line: steps, members along number, variables combined, seconds."""
import argparse
import json
import sys
import time
import warnings

import numpy as np
import xarray as xr
from virtualizarr import open_virtual_datatree
from virtualizarr_s3 import registry_and_parser

warnings.simplefilter("ignore")


def with_control(perturbed: xr.Dataset, control: xr.Dataset) -> xr.Dataset:
    """The variables of both, the control as member 0 in front of the perturbed members."""
    out = {}
    for name, var in perturbed.data_vars.items():
        if name not in control.data_vars:
            continue
        axis = var.dims.index("number")
        ctl = np.expand_dims(control[name].data, axis=axis)
        out[name] = xr.Variable(var.dims, np.concatenate([ctl, var.data], axis=axis), var.attrs)
    numbers = np.concatenate([[0], perturbed["number"].values])
    return xr.Dataset(out, coords={"number": numbers})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--drop", default="")
    a = ap.parse_args()
    registry, parser = registry_and_parser(a.bucket, a.drop)
    steps = [int(s) for s in a.steps.split(",")]
    root = f"s3://{a.bucket}/{a.date}/00z/ifs/0p25"
    started = time.perf_counter()
    variables, members = 0, 0
    for step in steps:
        ef = open_virtual_datatree(url=f"{root}/enfo/{a.date}000000-{step}h-enfo-ef.grib2", parser=parser,
                                   registry=registry)
        fc = open_virtual_datatree(url=f"{root}/oper/{a.date}000000-{step}h-oper-fc.grib2", parser=parser,
                                   registry=registry)
        control = {node.path: node.ds for node in fc.subtree}
        for node in ef.subtree:
            if "number" not in node.ds.dims or node.path not in control:
                continue
            combined = with_control(node.ds, control[node.path])
            variables += len(combined.data_vars)
            members = max(members, combined.sizes.get("number", 0))
    seconds = time.perf_counter() - started
    json.dump({"steps": len(steps), "members": members, "variables": variables, "seconds": seconds}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
