#!/usr/bin/python3
"""An http-01 responder for several clients at once: serves WEBROOT/.well-known/acme-challenge/<token>
(what certbot --webroot and lego --http.webroot write there), 404 for anything else. A token with a
file WEBROOT/hold/<token> is held: the request waits, answering nothing, until that file is removed,
then gets its answer (a validation that hangs until the test lets it go). Each request is logged on
stderr as it arrives: "GET <path>", and "held <token>" when it starts waiting.

usage: webroot_http01.py WEBROOT PORT"""
import http.server
import os
import sys
import time

WEBROOT, PORT = sys.argv[1], int(sys.argv[2])
PREFIX = "/.well-known/acme-challenge/"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        sys.stderr.write("GET %s\n" % self.path)
        sys.stderr.flush()
        token = self.path[len(PREFIX):] if self.path.startswith(PREFIX) else ""
        if not token or "/" in token or token.startswith("."):
            return self.answer(404, b"not found")
        hold = os.path.join(WEBROOT, "hold", token)
        if os.path.exists(hold):
            sys.stderr.write("held %s\n" % token)
            sys.stderr.flush()
            deadline = time.monotonic() + 300
            while os.path.exists(hold) and time.monotonic() < deadline:
                time.sleep(0.1)
        try:
            with open(os.path.join(WEBROOT, ".well-known", "acme-challenge", token), "rb") as f:
                body = f.read()
        except OSError:
            return self.answer(404, b"no such token")
        self.answer(200, body)

    def answer(self, status, body):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the validating instance is gone (killed while this request was held)


os.makedirs(os.path.join(WEBROOT, ".well-known", "acme-challenge"), exist_ok=True)
os.makedirs(os.path.join(WEBROOT, "hold"), exist_ok=True)
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
