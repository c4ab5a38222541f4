"""boto3 against the S3 endpoint, with its defaults (run by test/s3/boto3.spec.ts).

Usage: boto3_client.py ENDPOINT BUCKET [CA_BUNDLE]. Credentials come from the environment.
Prints one JSON line: what was checked; exits non-zero on the first failure.
"""
import hashlib
import json
import os
import sys
import http.client
import urllib.parse
import urllib.request
import ssl

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, bucket = sys.argv[1], sys.argv[2]
ca = sys.argv[3] if len(sys.argv) > 3 else None
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", verify=ca if ca else True,
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}))
done = []

s3.create_bucket(Bucket=bucket)
body = os.urandom(300_000)
put = s3.put_object(Bucket=bucket, Key="small/obj one.bin", Body=body, Metadata={"who": "boto3"})
assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), put
got = s3.get_object(Bucket=bucket, Key="small/obj one.bin")
assert got["Body"].read() == body
assert got["Metadata"] == {"who": "boto3"}, got["Metadata"]
head = s3.head_object(Bucket=bucket, Key="small/obj one.bin")
assert head["ContentLength"] == len(body)
done.append("put/get/head")

s3.copy_object(Bucket=bucket, Key="small/copy.bin", CopySource={"Bucket": bucket, "Key": "small/obj one.bin"})
assert s3.get_object(Bucket=bucket, Key="small/copy.bin")["Body"].read() == body
s3.delete_object(Bucket=bucket, Key="small/copy.bin")
try:
    s3.head_object(Bucket=bucket, Key="small/copy.bin")
    raise AssertionError("deleted object still there")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e.response
done.append("copy/delete")

big = os.urandom(13 * 1024 * 1024 + 5)
path = os.path.join(os.environ["HOME"], "big.bin")
with open(path, "wb") as f:
    f.write(big)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_file(path, bucket, "big/multipart.bin", Config=cfg)
head = s3.head_object(Bucket=bucket, Key="big/multipart.bin")
assert head["ETag"].endswith('-3"'), head["ETag"]
out = path + ".back"
s3.download_file(bucket, "big/multipart.bin", out, Config=cfg)
with open(out, "rb") as f:
    assert f.read() == big
done.append("multipart")

for i in range(25):
    s3.put_object(Bucket=bucket, Key="many/%03d" % i, Body=b"x")
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="many/", PaginationConfig={"PageSize": 7}):
    keys += [o["Key"] for o in page.get("Contents", [])]
assert keys == ["many/%03d" % i for i in range(25)], keys
done.append("paginated list")

context = ssl.create_default_context(cafile=ca) if ca else None
url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
# A plain HTTP PUT with no Content-Type (what the URL was signed for), as curl -T sends it.
parts = urllib.parse.urlsplit(url)
conn = (http.client.HTTPSConnection(parts.hostname, parts.port, context=context) if parts.scheme == "https"
        else http.client.HTTPConnection(parts.hostname, parts.port))
conn.request("PUT", parts.path + "?" + parts.query, body=b"via presigned put")
resp = conn.getresponse()
assert resp.status == 200, "presigned PUT: %s %s" % (resp.status, resp.read().decode())
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
assert urllib.request.urlopen(url, context=context).read() == b"via presigned put"
done.append("presigned put/get")

print(json.dumps({"done": done, "boto3": boto3.__version__}))
