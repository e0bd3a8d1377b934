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
mirror), GIK_RUN (YYYYMMDD), GIK_CYCLE (0, 6, 12, 18).
"""
import json
import os
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


def member_messages(member):
    """Concatenate one member's messages of every step file of the run into one GRIB file."""
    number = member_number(member)
    hh = f"{CYCLE:02d}"
    out = tempfile.NamedTemporaryFile(suffix=f"-{member}.grib2", delete=False)
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
    out.close()
    return out.name


def kerchunk_tree(member):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refs = grib_tree(scan_grib(member_messages(member)))
    return xr.open_datatree(
        "reference://", engine="zarr", consolidated=True, storage_options={"fo": with_consolidated_metadata(refs)}
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
