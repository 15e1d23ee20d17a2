#!/usr/bin/env python3
"""A misbehaving http-01 responder for failure tests. Modes:
  wrong        every GET gets a body that is not the key authorization
  redirect     a 302 to the same path on port 8081 (a port validation may not follow)
  rawredirect  a 302 whose Location holds a raw byte that is not UTF-8 (/x\\xff); 404 elsewhere
  hang         accepts the request and never answers (until killed)
Each request's path is appended to the log (stderr) as it arrives."""
import http.server
import sys
import time

MODE, PORT = sys.argv[1], int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sys.stderr.write("GET %s\n" % self.path)
        sys.stderr.flush()
        if MODE == "hang":
            time.sleep(3600)
            return
        if MODE == "rawredirect" and self.path.startswith("/.well-known/acme-challenge/"):
            # http.server would encode a str header as Latin-1; the raw byte must go out as it is.
            self.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: /x\xff\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.close_connection = True
            return
        if MODE == "rawredirect":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
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


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
