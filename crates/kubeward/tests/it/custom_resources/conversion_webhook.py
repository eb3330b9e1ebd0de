"""A CRD conversion webhook as users write them (Python's standard library only): HTTPS with
the certificate and key given, ConversionReview v1 and v1beta1 answered in the version asked.
CronTab v1 keeps `spec.cronSpec`, v2 `spec.schedule`; the path chooses a behaviour:
/convert converts, /fail answers a Failure result, /wrong-uid answers another uid, /rename
changes the object's name. Each review received is appended to the log file, one JSON line.

Usage: conversion_webhook.py CERT KEY LOG; prints "listening on PORT" when ready.
"""

import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CERT, KEY, LOG = sys.argv[1:4]


def convert(obj, desired):
    obj = json.loads(json.dumps(obj))
    spec = obj.setdefault("spec", {})
    if desired.endswith("/v2") and "cronSpec" in spec:
        spec["schedule"] = spec.pop("cronSpec")
    if desired.endswith("/v1") and "schedule" in spec:
        spec["cronSpec"] = spec.pop("schedule")
    obj["apiVersion"] = desired
    return obj


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "review": review}) + "\n")
        request = review["request"]
        converted = [convert(o, request["desiredAPIVersion"]) for o in request["objects"]]
        uid = request["uid"]
        result = {"status": "Success"}
        if self.path.startswith("/fail"):
            converted, result = [], {"status": "Failure", "message": "cronSpec cannot be converted"}
        elif self.path.startswith("/wrong-uid"):
            uid = "not-" + uid
        elif self.path.startswith("/rename"):
            for obj in converted:
                obj["metadata"]["name"] += "-renamed"
        answer = {
            "apiVersion": review["apiVersion"],
            "kind": "ConversionReview",
            "response": {"uid": uid, "result": result, "convertedObjects": converted},
        }
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening on", server.server_address[1], flush=True)
server.serve_forever()
