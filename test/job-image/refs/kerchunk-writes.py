"""Write a kerchunk JSON store's refs as a reference-parquet store with kerchunk's own writer
(`kerchunk.df.refs_to_dataframe`, i.e. fsspec's LazyReferenceMapper), for gik's reader to read back.

Usage: kerchunk-writes.py STORE_JSON OUT_DIR RECORD_SIZE
The consolidated `.zmetadata` key is left out: the parquet layout has its own.
"""
import json
import sys

import kerchunk.df


def main():
    source, out, record_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(source) as f:
        refs = json.load(f)["refs"]
    refs.pop(".zmetadata", None)
    kerchunk.df.refs_to_dataframe({"version": 1, "refs": refs}, out, record_size=record_size)


if __name__ == "__main__":
    main()
