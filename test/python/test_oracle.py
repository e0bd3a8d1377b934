"""The acceptance oracle: for a member, kerchunk's scan_grib + grib_tree over that member's messages
and gik's store open in xarray to the same groups, variables, dimensions, coordinates, attributes
and data.

gik's stores give every group the run's full step axis (a field absent at a step reads as NaN),
where grib_tree keeps only the steps a field has; the comparison aligns on kerchunk's steps and
checks that gik's extra steps are all NaN.

kerchunk 0.2.10 needs zarr-python 3, which finds nested groups only through consolidated metadata:
this test runs in the peers' environment and opens both trees with consolidated=True (gik's stores
carry `.zmetadata`; kerchunk's refs get one added here). The DESIGN.md snippet itself
(consolidated=False) is exercised by test_store_contents in the reader environment.

Environment: GIK_STORES, GIK_MEMBERS (as test_store_contents), GIK_MIRROR (root of the local
mirror), GIK_RUN (YYYYMMDD), GIK_CYCLE (0, 6, 12, 18), GIK_ORACLE_CACHE (optional: where kerchunk's
answers are kept, see kerchunk_refs).
"""
import base64
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import pytest
import xarray as xr
from kerchunk.grib2 import grib_tree, scan_grib

from gik_readers import env_list, open_store, with_consolidated_metadata
from test_store_contents import member_number, store_path

MIRROR = os.environ.get("GIK_MIRROR", "")
RUN = os.environ.get("GIK_RUN", "")
CYCLE = int(os.environ.get("GIK_CYCLE", "0"))
MEMBERS = env_list("GIK_MEMBERS")
ORACLE_CACHE = os.environ.get("GIK_ORACLE_CACHE", "")


def member_messages(member, path):
    """Concatenate one member's messages of every step file of the run into the GRIB file `path`."""
    number = member_number(member)
    hh = f"{CYCLE:02d}"
    with open(path, "wb") as out:
        for root, _dirs, files in os.walk(os.path.join(MIRROR, RUN, f"{hh}z")):
            for name in sorted(files):
                if not name.endswith(".index"):
                    continue
                grib = os.path.join(root, name[: -len(".index")] + ".grib2")
                with open(os.path.join(root, name)) as idx, open(grib, "rb") as g:
                    for line in idx:
                        entry = json.loads(line)
                        if int(entry.get("number", "0")) != number:
                            continue
                        g.seek(entry["_offset"])
                        out.write(g.read(entry["_length"]))


def as_json_value(value):
    """A reference value as JSON holds it: bytes as text (kerchunk's inline data is already "base64:…")."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode("ascii")


def kerchunk_refs(member):
    """kerchunk's grib_tree(scan_grib(…)) of the member's messages.

    scan_grib takes about half a minute a member, and its answer depends only on the mirror's bytes
    and on kerchunk's environment, both named by their content hashes. With GIK_ORACLE_CACHE the
    answer is kept there under both names, the GRIB file it references beside it; the refs are
    renamed into place last, so a cache entry whose refs exist is whole, and one that does not
    parse is computed again."""
    cache = ORACLE_CACHE or tempfile.mkdtemp(prefix="gik-oracle-")
    entry = os.path.join(cache, f"{os.path.basename(MIRROR.rstrip('/'))}-{os.path.basename(sys.prefix)}", f"{RUN}{CYCLE:02d}")
    grib, refs_path = os.path.join(entry, f"{member}.grib2"), os.path.join(entry, f"{member}.json")
    try:
        with open(refs_path) as f:
            return json.load(f)
    except (OSError, ValueError):
        pass
    os.makedirs(entry, exist_ok=True)
    partial = f"{grib}.{os.getpid()}.tmp"
    member_messages(member, partial)
    os.replace(partial, grib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refs = grib_tree(scan_grib(grib))
    refs["refs"] = {k: as_json_value(v) for k, v in refs["refs"].items()}
    with open(f"{refs_path}.{os.getpid()}.tmp", "w") as f:
        json.dump(refs, f)
    os.replace(f"{refs_path}.{os.getpid()}.tmp", refs_path)
    return refs


def kerchunk_tree(member):
    return xr.open_datatree(
        "reference://",
        engine="zarr",
        consolidated=True,
        storage_options={"fo": with_consolidated_metadata(kerchunk_refs(member))},
    )


def groups_of(dt):
    return sorted(node.path for node in dt.subtree if node.ds.data_vars or node.children)


@pytest.mark.parametrize("member", MEMBERS)
def test_gik_store_matches_kerchunk_grib_tree(member):
    ours = open_store(store_path(member), consolidated=True)
    theirs = kerchunk_tree(member)
    assert groups_of(ours) == groups_of(theirs)
    for node in theirs.subtree:
        path = node.path
        mine = ours[path]
        assert dict(mine.ds.attrs) == dict(node.ds.attrs), f"{path}: group attributes"
        assert sorted(mine.ds.data_vars) == sorted(node.ds.data_vars), f"{path}: variables"
        assert sorted(mine.ds.coords) == sorted(node.ds.coords), f"{path}: coordinates"
        if not node.ds.data_vars:
            continue
        k = node.ds
        g = mine.ds.sel(step=k["step"].values)
        extra = mine.ds.drop_sel(step=k["step"].values)
        for name in k.data_vars:
            assert g[name].dims == k[name].dims, f"{path}/{name}: dims"
            assert dict(g[name].attrs) == dict(k[name].attrs), f"{path}/{name}: attributes"
            assert np.array_equal(g[name].values, k[name].values, equal_nan=True), f"{path}/{name}: data"
            assert bool(np.all(np.isnan(extra[name].values))), f"{path}/{name}: steps kerchunk lacks must be NaN"
        for name in k.coords:
            assert g[name].dims == k[name].dims, f"{path}/{name}: coordinate dims"
            assert np.array_equal(g[name].values, k[name].values), f"{path}/{name}: coordinate values"
            assert dict(g[name].attrs) == dict(k[name].attrs), f"{path}/{name}: coordinate attributes"
