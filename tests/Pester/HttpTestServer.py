"""A small HTTP server for the Pester tests of the HTTP parameters (no Kestrel in PowerShell).

usage: python3 HttpTestServer.py ROOT PORTFILE
Serves ROOT on 127.0.0.1 (an ephemeral port, written to PORTFILE): GET and HEAD of files, with single byte
ranges; PUT stores the body under ROOT/put/. Every request's method, path and headers are appended to
ROOT/requests.jsonl, so tests can check what was sent. /private/* needs Basic auth user:secret.
Runs until killed.
"""
import base64
import http.server
import json
import os
import re
import sys

ROOT, PORTFILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        with open(os.path.join(ROOT, "requests.jsonl"), "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items())}) + "\n")

    def local(self):
        path = self.path.split("?", 1)[0]
        if ".." in path.split("/"):
            return None
        return os.path.join(ROOT, path.lstrip("/"))

    def refuse(self, status, extra=None):
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def authorised(self):
        if not self.path.startswith("/private/"):
            return True
        expected = "Basic " + base64.b64encode(b"user:secret").decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.refuse(401, {"WWW-Authenticate": 'Basic realm="test"'})
        return False

    def do_HEAD(self):
        self.do_GET(body=False)

    def do_GET(self, body=True):
        self.record()
        if not self.authorised():
            return
        path = self.local()
        if path is None or not os.path.isfile(path):
            self.refuse(404)
            return
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            if start >= size:
                self.refuse(416, {"Content-Range": f"bytes */{size}"})
                return
            status = 206
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"%x-%x"' % (size, int(os.path.getmtime(path))))
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if body:
            with open(path, "rb") as f:
                f.seek(start)
                left = end - start + 1
                while left > 0:
                    chunk = f.read(min(left, 1 << 16))
                    self.wfile.write(chunk)
                    left -= len(chunk)

    def do_PUT(self):
        self.record()
        if not self.authorised():
            return
        path = self.local()
        if path is None:
            self.refuse(400)
            return
        length = int(self.headers.get("Content-Length", "0"))
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send_response_only(100)
            self.end_headers()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = length
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                f.write(chunk)
                left -= len(chunk)
        self.refuse(201)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
