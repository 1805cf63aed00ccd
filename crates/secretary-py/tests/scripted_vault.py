"""A scripted Vault for fault injection: ``python scripted_vault.py PORT MODE SECONDS VALUE``.

Every KV v2 read answers ``VALUE`` in field ``value`` (version 1), but:

- ``hold``: a read is answered only once ``GET /release`` has been called, or after
  SECONDS with the value ``never-released`` instead;
- ``stall-first``: the first read gets no answer for SECONDS; the others at once;
- ``lease-revoke-refused``: a read of ``database/creds/...`` answers a lease (user
  ``v-scripted-user``, password VALUE), and its revocation is refused (403).

``GET /requests`` tells how many reads it has received. Prints ``ready`` once listening.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, mode, seconds, value = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
count = 0
released = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global count
        if self.path == "/requests":
            self.answer(200, str(count))
            return
        if self.path == "/release":
            released.set()
            self.answer(200, "released")
            return
        with lock:
            count += 1
            number = count
        if self.path.endswith("/auth/token/lookup-self"):
            # As Vault answers a token without a use limit (a lease is read only once
            # the token's look-up says how many uses it has).
            self.answer(200, json.dumps({"data": {"ttl": 3600, "num_uses": 0}}))
            return
        if mode == "lease-revoke-refused" and "/database/creds/" in self.path:
            body = {
                "lease_id": "database/creds/shop/scripted-lease",
                "lease_duration": 3600,
                "renewable": True,
                "data": {"username": "v-scripted-user", "password": value},
            }
            self.answer(200, json.dumps(body))
            return
        text = value
        if mode == "hold":
            if not released.wait(seconds):
                text = "never-released"
        elif mode == "stall-first" and number == 1:
            threading.Event().wait(seconds)
        body = {"data": {"data": {"value": text}, "metadata": {"version": 1}}}
        self.answer(200, json.dumps(body))


    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if mode == "lease-revoke-refused" and self.path.endswith("/sys/leases/revoke"):
            self.answer(403, json.dumps({"errors": ["permission denied"]}))
            return
        self.answer(404, json.dumps({"errors": []}))

    do_POST = do_PUT


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
