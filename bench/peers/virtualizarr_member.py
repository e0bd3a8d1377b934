"""One member of a target run through VirtualiZarr's GRIB parser reading index files
(virtualizarr[grib]: gribberish's GribberishParser with use_index=".index"): for every step, the
step's index is read, the headers of the messages it lists are fetched by range, and a virtual
datatree is built; the member is then selected from every group that has a `number` dimension.
The parser has no member filter: it reads every member's headers.

Not included: combining the 85 per-step trees along `step` and writing a store.

Fields gribberish 1.9.0 cannot place are dropped (`--drop`): on ECMWF's soil layers (levtype sol,
levels 1-4) it raises "variable 'tsoil': expected 204 messages for shape (1, 4, 51, 721, 1440)
but got 51".

Usage: virtualizarr_member.py --bucket ecmwf-forecasts --date YYYYMMDD --member 1 --steps 0,3,...
       [--drop tsoil,vsw]
Prints one JSON line: steps, groups and variables seen for the member, seconds."""
import argparse
import json
import sys
import time
import warnings

from virtualizarr import open_virtual_datatree
from virtualizarr_s3 import registry_and_parser

warnings.simplefilter("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--member", type=int, required=True)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--drop", default="")
    a = ap.parse_args()
    registry, parser = registry_and_parser(a.bucket, a.drop)
    steps = [int(s) for s in a.steps.split(",")]
    started = time.perf_counter()
    variables = 0
    for step in steps:
        url = f"s3://{a.bucket}/{a.date}/00z/ifs/0p25/enfo/{a.date}000000-{step}h-enfo-ef.grib2"
        with open_virtual_datatree(url=url, parser=parser, registry=registry) as tree:
            for node in tree.subtree:
                if "number" in node.ds.dims:
                    variables += len(node.ds.sel(number=a.member).data_vars)
    seconds = time.perf_counter() - started
    json.dump({"steps": len(steps), "variables": variables, "seconds": seconds}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
