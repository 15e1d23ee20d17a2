#!/usr/bin/env python3
"""A misbehaving http-01 responder for failure tests: `wrong` answers every GET with a body that
is not the key authorization; `redirect` answers with a 302 to the same path on port 8081."""
import http.server
import sys

MODE, PORT = sys.argv[1], int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if MODE == "redirect":
            host = self.headers.get("Host", "localhost").split(":")[0]
            self.send_response(302)
            self.send_header("Location", f"http://{host}:8081{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"this-is-not-the-key-authorization"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
