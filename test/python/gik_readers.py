"""Shared helpers of the interop tests: open a gik store the way a scientist does, and decode a
referenced GRIB message with ecCodes (the truth for any message).

Stores and the GRIB files they reference are local paths, or s3:// URLs of an S3-compatible
server (the tests' MinIO) given by environment: GIK_S3_ENDPOINT (e.g. http://127.0.0.1:9000),
GIK_S3_ACCESS_KEY_ID, GIK_S3_SECRET_ACCESS_KEY, GIK_S3_REGION. Without GIK_S3_ENDPOINT, s3:// is
read as s3fs reads it by default (AWS, the usual credential chain)."""
import contextlib
import functools
import io
import itertools
import json
import os

import eccodes
import fsspec
import numpy as np
import pyarrow.parquet as pq
import xarray as xr
import zarr
from fsspec.implementations.local import LocalFileSystem

ZARR3 = int(zarr.__version__.split(".")[0]) >= 3


def is_s3(path):
    return str(path).startswith("s3://")


def s3_options():
    """s3fs options for the S3 server named by the environment (see the module docstring)."""
    endpoint = os.environ.get("GIK_S3_ENDPOINT")
    if not endpoint:
        return {}
    return {
        "key": os.environ.get("GIK_S3_ACCESS_KEY_ID"),
        "secret": os.environ.get("GIK_S3_SECRET_ACCESS_KEY"),
        "client_kwargs": {"endpoint_url": endpoint, "region_name": os.environ.get("GIK_S3_REGION", "us-east-1")},
    }


def reference_options(path, remote_protocol=None):
    """fsspec reference-filesystem options for the store at `path`: a local store references local
    files, a store in S3 references objects in S3 (both read with the same options)."""
    if not is_s3(path):
        return {"fo": path, "remote_protocol": remote_protocol or "file"}
    options = s3_options()
    remote = remote_protocol or "s3"
    # The README's form for zarr-python 3, whose reference filesystem is asynchronous: so must the
    # GRIB files' be; the store's own (target) stays synchronous, fsspec reads the refs with it.
    remote_options = {**options, "asynchronous": True} if remote == "s3" and ZARR3 else options
    # The README's form for a store in S3: s3fs reads each references object in one GET, without
    # first asking its size (a HEAD), which halves the requests of an open, and fsspec keeps each
    # once read (`cache_size`; 128 by default, fewer than a member store's open reads).
    return {
        "fo": path,
        "cache_size": 512,
        "target_protocol": "s3",
        "target_options": {**options, "max_concurrency": 1},
        "remote_protocol": remote,
        "remote_options": remote_options,
    }


def exists(path):
    """Whether a local path or an s3:// object or prefix exists."""
    if not is_s3(path):
        return os.path.exists(path)
    return fsspec.filesystem("s3", **s3_options()).exists(path)


def open_store(path, remote_protocol=None, consolidated=False):
    """xr.open_datatree over fsspec's reference filesystem, as DESIGN.md shows (consolidated=False).

    With zarr-python 3 (the peers' environment) nested groups are only found through consolidated
    metadata, which gik's stores carry: pass consolidated=True there."""
    return xr.open_datatree(
        "reference://",
        engine="zarr",
        consolidated=consolidated,
        storage_options=reference_options(path, remote_protocol),
    )


def open_field(path, group, remote_protocol=None):
    """xr.open_dataset of one group, the README's snippet for reading a field: it reads only that
    group's coordinates, and needs no `consolidated` argument in either zarr-python."""
    return xr.open_dataset(
        "reference://", engine="zarr", group=group, storage_options=reference_options(path, remote_protocol)
    )


# What opening one group may read of a store: its `.zmetadata` and the group's coordinates (7 in a
# member store, 8 in an ensemble store, with `number`), where the whole tree reads about 250.
GROUP_OPEN_READS = 8


def open_field_alone(path, group, remote_protocol=None):
    """open_field, checking on a local Parquet store (whose reads are counted here) that it read no
    more of the store than the group needs."""
    with local_reads() as reads:
        ds = open_field(path, group, remote_protocol)
    if str(path).endswith(".parquet") and not is_s3(path):
        read = len(set(reads))
        assert read <= GROUP_OPEN_READS, f"{path}: {group} opened alone read {read} objects of the store"
    return ds


def sample_groups(dt):
    """(group, variable) of the tree's first data group and of its first with a level dimension."""
    groups = data_groups(dt)
    levelled = [(g, v) for g, v in groups if g.split("/")[2] in dt[g].ds[v].dims]
    return list(dict.fromkeys([groups[0], *levelled[:1]]))


@contextlib.contextmanager
def local_reads():
    """The paths of the local files fsspec reads whole while the block runs: what opening a local
    store reads of it (its `.zmetadata` and references), counted without a proxy."""
    paths = []
    original = LocalFileSystem.cat_file

    def counting(self, path, *args, **kwargs):
        paths.append(path)
        return original(self, path, *args, **kwargs)

    LocalFileSystem.cat_file = counting
    try:
        yield paths
    finally:
        LocalFileSystem.cat_file = original


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
    """The store's chunk references as a dict (key -> [url, offset, size] | [url] | bytes).

    A JSON store is fsspec's own mapping. A parquet store is read here in one pass, each refs file
    once, following fsspec's layout (row i of `<array>/refs.<r>.parq` is chunk r * record_size + i
    of the array's C-order chunk grid; a row with neither path nor raw has no reference): fsspec's
    lazy mapping keeps no answer for a refs file that does not exist, so a check that asks about
    every chunk of a collection where runs lack fields fetched the same absent file from S3 tens of
    thousands of times (85 of a 123 s check)."""
    if str(path).endswith(".json"):
        return fsspec.filesystem("reference", **reference_options(path)).references
    fs, root = fsspec.core.url_to_fs(path, **(s3_options() if is_s3(path) else {}))
    root = root.rstrip("/")
    zmetadata = json.loads(fs.cat_file(f"{root}/.zmetadata"))
    metadata, record_size = zmetadata["metadata"], zmetadata["record_size"]
    chunk_keys = {}
    for key, zarray in metadata.items():
        if key.endswith("/.zarray"):
            array = key[: -len("/.zarray")]
            grid = [range(-(-size // chunk)) for size, chunk in zip(zarray["shape"], zarray["chunks"])]
            chunk_keys[array] = [f"{array}/{'.'.join(map(str, index)) or '0'}" for index in itertools.product(*grid)]
    # Every refs file the arrays can have, fetched at once (s3fs in parallel); an array with no
    # reference in a record has no file for it.
    files = {
        f"{root}/{array}/refs.{record}.parq": (array, record)
        for array, keys in chunk_keys.items()
        for record in range(-(-len(keys) // record_size))
    }
    out = {}
    for refs_file, blob in fs.cat(list(files), on_error="omit").items():
        array, record = files[refs_file]
        keys = chunk_keys[array]
        table = pq.read_table(io.BytesIO(blob)).to_pydict()
        rows = len(next(iter(table.values())))
        columns = [table.get(c, [None] * rows) for c in ("path", "offset", "size", "raw")]
        for row, (url, offset, size, raw) in enumerate(zip(*columns)):
            number = record * record_size + row
            if number >= len(keys):
                break
            if raw is not None:
                out[keys[number]] = raw
            elif url is not None:
                out[keys[number]] = [url] if offset == size == 0 else [url, int(offset), int(size)]
    return out


@functools.lru_cache(maxsize=512)
def _whole(url):
    """A whole object of S3 or a local file, read once: a store's chunks reference every file many times."""
    if is_s3(url):
        return fsspec.filesystem("s3", **s3_options()).cat_file(url)
    with open(url.removeprefix("file://"), "rb") as f:
        return f.read()


def read_range(url, offset, size):
    """Bytes url[offset:offset+size] of a local file or an s3:// object."""
    return _whole(url)[offset : offset + size]


def decode_message(url, offset, size):
    """Values of the GRIB message at url[offset:offset+size], shaped (Nj, Ni), as ecCodes decodes them."""
    data = read_range(url, offset, size)
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
