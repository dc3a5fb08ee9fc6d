#!/usr/bin/env python3
"""Creates a bucket with one SigV4-signed PUT (standard library only), so starting the test server needs no S3
client. An existing bucket owned by the same user is fine. Usage: make_bucket.py ENDPOINT ACCESS SECRET BUCKET"""
import datetime
import hashlib
import hmac
import sys
import urllib.error
import urllib.parse
import urllib.request

endpoint, access, secret, bucket = sys.argv[1:5]
region = "us-east-1"
host = urllib.parse.urlparse(endpoint).netloc
now = datetime.datetime.now(datetime.timezone.utc)
amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
payload = hashlib.sha256(b"").hexdigest()
canonical = "\n".join(["PUT", "/" + bucket, "", f"host:{host}", f"x-amz-content-sha256:{payload}",
                       f"x-amz-date:{amz_date}", "", "host;x-amz-content-sha256;x-amz-date", payload])
scope = f"{day}/{region}/s3/aws4_request"
to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
key = ("AWS4" + secret).encode()
for part in (day, region, "s3", "aws4_request"):
    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
request = urllib.request.Request(endpoint.rstrip("/") + "/" + bucket, method="PUT", data=b"", headers={
    "x-amz-date": amz_date,
    "x-amz-content-sha256": payload,
    "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
})
try:
    urllib.request.urlopen(request, timeout=30).close()
except urllib.error.HTTPError as error:
    body = error.read().decode(errors="replace")
    if error.code == 409 and "BucketAlreadyOwnedByYou" in body:
        sys.exit(0)
    sys.exit(f"make_bucket: PUT /{bucket} answered {error.code}: {body}")
