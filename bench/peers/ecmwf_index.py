"""An ECMWF open-data `.index` (JSON lines) read with pandas into the shape of kerchunk's
`parse_grib_idx` result. kerchunk's own `parse_grib_idx` reads NOAA's text `.idx` (`n:offset:date:
attrs`) and does not apply to ECMWF's JSON lines; this is the equivalent the grib-index-kerchunk
method uses for ECMWF: `attrs` = "{param}:{levtype}:{levelist}", `idx` = message number in file
order (1-based), `offset`/`length` from `_offset`/`_length`, `idx_uri`/`grib_uri`; plus `number`
(the member, 0 for control lines) to select members by."""
import fsspec
import pandas as pd


def read_ecmwf_index(grib_url, storage_options):
    with fsspec.open(grib_url[: -len(".grib2")] + ".index", "rb", **storage_options) as f:
        df = pd.read_json(f, lines=True, dtype=False)
    levelist = df["levelist"].fillna("").astype(str) if "levelist" in df else ""
    df["attrs"] = df["param"].astype(str) + ":" + df["levtype"].astype(str) + ":" + levelist
    number = df["number"] if "number" in df else pd.Series(index=df.index, dtype=object)
    df["number"] = pd.to_numeric(number, errors="coerce").fillna(0).astype(int)
    df = df.rename(columns={"_offset": "offset", "_length": "length"}).sort_values("offset")
    df["idx"] = range(1, len(df) + 1)
    df["idx_uri"] = grib_url[: -len(".grib2")] + ".index"
    df["grib_uri"] = grib_url
    columns = ["idx", "offset", "date", "attrs", "length", "idx_uri", "grib_uri", "number"]
    return df[columns].set_index("idx")
