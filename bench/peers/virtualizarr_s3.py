"""What both VirtualiZarr peers open step files with: the bench's MinIO (through its latency proxy)
as an obstore S3Store, named by the usual AWS variables the bench sets, and gribberish's parser
reading ECMWF's `.index` files, with the fields it cannot place dropped."""
import os

from gribberish.virtualizarr import GribberishParser
from obspec_utils.registry import ObjectStoreRegistry
from obstore.store import S3Store


def registry_and_parser(bucket: str, drop: str) -> tuple[ObjectStoreRegistry, GribberishParser]:
    store = S3Store(
        bucket,
        endpoint=os.environ["AWS_ENDPOINT_URL"],
        access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region=os.environ.get("AWS_REGION", "us-east-1"),
        client_options={"allow_http": True},
    )
    parser = GribberishParser(use_index=".index", drop_variables=[d for d in drop.split(",") if d])
    return ObjectStoreRegistry({f"s3://{bucket}": store}), parser
