"""Open a reference store the way a user does and report what a reader sees, as JSON on stdout.

Usage: read-store.py STORE KEY...  (STORE: a kerchunk .json file or a reference-parquet directory)

Reports:
- "keys": the metadata keys of the store's consolidated `.zmetadata`, and every chunk key of every
  array (enumerated from its shape and chunks) that the reference filesystem has bytes for;
- "cat": for each KEY, its bytes as the reference filesystem returns them (base64), or null when
  fsspec says the key does not exist (a missing chunk);
- "arrays": for every array of the Zarr tree opened with xr.open_datatree, its path, dims, shape,
  dtype and values (NaN as null).

The tree is opened from consolidated metadata: with zarr 3.1.6 over the reference filesystem,
`consolidated=False` finds only the top-level groups (see job-image/src/refs/consolidated.ts).
(fsspec's own key listing is not used either: LazyReferenceMapper.ls/__iter__ fail on nested groups.)
"""
import base64
import json
import math
import sys

import fsspec
import numpy as np
import xarray as xr


def cat(fs, key):
    try:
        return base64.b64encode(fs.cat_file(key)).decode()
    except (FileNotFoundError, KeyError):
        return None


def chunk_keys(path, zarray):
    grid = [math.ceil(s / c) for s, c in zip(zarray["shape"], zarray["chunks"])] or [1]
    for index in np.ndindex(*grid):
        yield f"{path}/{'.'.join(str(i) for i in index)}"


def listed_keys(fs):
    metadata = json.loads(fs.cat_file(".zmetadata"))["metadata"]
    keys = list(metadata)
    for key, value in metadata.items():
        if key.endswith("/.zarray"):
            keys += [k for k in chunk_keys(key[: -len("/.zarray")], value) if cat(fs, k) is not None]
    return sorted(keys)


def plain(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in np.asarray(values).ravel().tolist()]


def main():
    store, keys = sys.argv[1], sys.argv[2:]
    options = {"fo": store, "remote_protocol": "file"}
    fs = fsspec.filesystem("reference", **options)
    listed = listed_keys(fs)
    tree = xr.open_datatree("reference://", engine="zarr", consolidated=True, storage_options=options)
    arrays = []
    for node in tree.subtree:
        for name, var in node.to_dataset(inherit=False).variables.items():
            arrays.append({
                "path": f"{node.path.strip('/')}/{name}".lstrip("/"),
                "dims": list(var.dims),
                "shape": list(var.shape),
                "dtype": str(var.dtype),
                "values": plain(var.values),
            })
    json.dump({"keys": listed, "cat": {k: cat(fs, k) for k in keys}, "arrays": arrays}, sys.stdout)


if __name__ == "__main__":
    main()
