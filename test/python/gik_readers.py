"""Shared helpers of the interop tests: open a gik store the way a scientist does, and decode a
referenced GRIB message with ecCodes (the truth for any message)."""
import json
import os

import eccodes
import fsspec
import numpy as np
import xarray as xr


def open_store(path, remote_protocol="file", consolidated=False):
    """xr.open_datatree over fsspec's reference filesystem, as DESIGN.md shows (consolidated=False).

    With zarr-python 3 (the peers' environment) nested groups are only found through consolidated
    metadata, which gik's stores carry: pass consolidated=True there."""
    return xr.open_datatree(
        "reference://",
        engine="zarr",
        consolidated=consolidated,
        storage_options={"fo": path, "remote_protocol": remote_protocol},
    )


def with_consolidated_metadata(refs):
    """kerchunk refs plus a Zarr v2 `.zmetadata` gathering every metadata key (what gik's stores carry)."""
    inner = refs["refs"]
    meta = {}
    for key, value in inner.items():
        if key.rsplit("/", 1)[-1] in (".zgroup", ".zattrs", ".zarray"):
            text = value.decode() if isinstance(value, bytes) else value
            meta[key] = json.loads(text)
    out = dict(refs)
    out["refs"] = {**inner, ".zmetadata": json.dumps({"zarr_consolidated_format": 1, "metadata": meta})}
    return out


def references(path):
    """The store's reference mapping (key -> [url, offset, size] | bytes), lazy for parquet stores."""
    fs = fsspec.filesystem("reference", fo=path, remote_protocol="file")
    return fs.references


def decode_message(url, offset, size):
    """Values of the GRIB message at url[offset:offset+size], shaped (Nj, Ni), as ecCodes decodes them."""
    with open(url.removeprefix("file://"), "rb") as f:
        f.seek(offset)
        data = f.read(size)
    assert data[:4] == b"GRIB" and data[-4:] == b"7777", f"{url}@{offset}: not one whole GRIB message"
    h = eccodes.codes_new_from_message(data)
    try:
        values = eccodes.codes_get_values(h).astype(np.float64)
        shape = (eccodes.codes_get(h, "Nj"), eccodes.codes_get(h, "Ni"))
        keys = {k: eccodes.codes_get(h, k) for k in ("shortName", "level", "endStep")}
        # A deterministic message (the control in oper-fc after IFS 50r1) has no perturbation number.
        defined = eccodes.codes_is_defined(h, "perturbationNumber")
        keys["perturbationNumber"] = eccodes.codes_get(h, "perturbationNumber") if defined else 0
        return values.reshape(shape), keys
    finally:
        eccodes.codes_release(h)


def data_groups(dt):
    """(group path, variable name) of every data variable of the tree (level groups hold one each)."""
    out = []
    for node in dt.subtree:
        for name in node.ds.data_vars:
            if len(node.ds[name].dims) >= 3:
                out.append((node.path.strip("/"), name))
    return out


def env_list(name):
    return [x for x in os.environ.get(name, "").split(",") if x]


def env_json(name):
    return json.loads(os.environ[name])
