"""Reading a gik store as the README shows it (xarray over fsspec's reference filesystem), in the
README's forms for the environment's zarr-python. Open a member's or the ensemble store and read
one variable at one step, in one of two forms:
- `--form field` (the README's snippet for reading a field): `xr.open_dataset(…, group=…)` opens
  the field's group alone, with no `consolidated` argument in either zarr-python;
- `--form tree` (the README's snippet for browsing a store): `xr.open_datatree` opens every group,
  with consolidated=False on zarr-python 2, consolidated=True on zarr-python 3.
With zarr-python 3 the GRIB files' filesystem is asynchronous, as its reference filesystem is.

Usage: read_store.py --store s3://gik-bench/stores/20261002/00z/ens01.parquet
       --group t2m/instant/heightAboveGround --var t2m --step 24h --form field
With --profile, the open and the read run under cProfile, and the line also holds the functions
with the most self time.
Prints one JSON line: shape and mean of the values read, seconds to open and to read."""
import argparse
import cProfile
import pstats
import time

import numpy as np
import xarray as xr
import zarr

from bench_s3 import report, s3fs_options

ZARR3 = int(zarr.__version__.split(".")[0]) >= 3


def main():
    ap = argparse.ArgumentParser()
    for name in ("--store", "--group", "--var", "--step"):
        ap.add_argument(name, required=True)
    ap.add_argument("--form", choices=("field", "tree"), required=True)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    so = s3fs_options()
    profiler = cProfile.Profile() if a.profile else None
    if profiler:
        profiler.enable()
    t0 = time.perf_counter()
    # The README's form for a store in S3: each references object read in one GET, no HEAD before
    # it (`max_concurrency` 1), and kept once read (`cache_size` 512). With zarr-python 3 the GRIB
    # files' filesystem is asynchronous, as its reference filesystem is (the store's own stays
    # synchronous: fsspec reads the Parquet references with it), and a tree's nested groups are
    # found through the consolidated metadata.
    remote = {**so, "asynchronous": True} if ZARR3 else so
    options = {"fo": a.store, "cache_size": 512,
               "target_protocol": "s3", "target_options": {**so, "max_concurrency": 1},
               "remote_protocol": "s3", "remote_options": remote}
    if a.form == "field":
        ds = xr.open_dataset("reference://", engine="zarr", group=a.group, storage_options=options)
    else:
        ds = xr.open_datatree("reference://", engine="zarr", consolidated=ZARR3,
                              storage_options=options)[a.group].ds
    t1 = time.perf_counter()
    values = ds[a.var].sel(step=a.step).values
    t2 = time.perf_counter()
    result = {"shape": list(values.shape), "mean": float(np.nanmean(values)),
              "openSeconds": t1 - t0, "readSeconds": t2 - t1}
    if profiler:
        profiler.disable()
        result["profile"] = hot_functions(pstats.Stats(profiler), 12)
    report(result)


def hot_functions(stats, n):
    """The `n` functions with the most self time: label, self seconds, calls."""
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    return [{"label": f"{name} ({file.rsplit('/', 1)[-1]}:{line})", "selfSeconds": tt, "calls": nc}
            for (file, line, name), (_cc, nc, tt, _ct, _callers) in rows]


if __name__ == "__main__":
    main()
