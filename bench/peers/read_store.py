"""Reading a gik store as the README shows it (xarray over fsspec's reference filesystem,
consolidated=False), with whichever zarr-python the environment has (2 or 3): open a member's or
the ensemble store and read one variable at one step.

Usage: read_store.py --store s3://gik-bench/stores/20261002/00z/ens01.parquet
       --group t2m/instant/heightAboveGround --var t2m --step 24h
Prints one JSON line: shape and mean of the values read, seconds to open and to read."""
import argparse
import time

import numpy as np
import xarray as xr

from bench_s3 import report, s3fs_options


def main():
    ap = argparse.ArgumentParser()
    for name in ("--store", "--group", "--var", "--step"):
        ap.add_argument(name, required=True)
    a = ap.parse_args()
    so = s3fs_options()
    t0 = time.perf_counter()
    tree = xr.open_datatree(
        "reference://",
        engine="zarr",
        consolidated=False,
        storage_options={"fo": a.store, "target_protocol": "s3", "target_options": so,
                         "remote_protocol": "s3", "remote_options": so},
    )
    t1 = time.perf_counter()
    values = tree[a.group].ds[a.var].sel(step=a.step).values
    t2 = time.perf_counter()
    report({"shape": list(values.shape), "mean": float(np.nanmean(values)),
            "openSeconds": t1 - t0, "readSeconds": t2 - t1})


if __name__ == "__main__":
    main()
