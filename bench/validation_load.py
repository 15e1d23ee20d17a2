#!/usr/bin/env python3
"""API latency of an ACME server while 1,000+ http-01 validations are failing slowly.

Issue #4: a validation to a black-holed address (the TCP connection is accepted and never
answered) hangs until the server's validation timeout. A server whose validation work shares
threads, locks or connection slots with its API gets slow or stops answering when many of those
are in flight. This benchmark measures that, for Cobble and, in the same run, Debian's Pebble:

  per server run (fresh server, fresh data dir, free loopback ports):
    1. K accounts.
    2. baseline: probe workers for D seconds (directory GET, newNonce HEAD, newOrder POST and a
       directory GET on a brand-new TLS connection); every request's latency is recorded.
    3. pre-create F orders (+ a reserve) and fetch their authorizations: the http-01 challenge
       URLs to trigger later.
    4. fire: POST {} to F http-01 challenges as fast as the client can (64 in parallel): the
       server starts F validations against the black hole. Timed: "fire" throughput.
    5. load: the same probe for D seconds while the validations are in flight. Validations that
       end (the server gave up and closed its connection) are replaced from the reserve, so about
       F stay in flight for the whole window ("sustain"; --no-sustain turns that off).

  In-flight validations are counted at the black hole: distinct Host names with an open
  connection (Pebble opens 3 connections per validation, Cobble 1). For Cobble the database's
  challenges in status 'processing' are reported too.

Only stdlib + python3-cryptography. Loopback only; every request has a timeout, every loop is
bounded in count and time, the whole run is bounded by --max-seconds. A server that makes no
progress for --stall-seconds is reported as stalled and the run continues with the next server.

  python3 bench/validation_load.py                 # defaults: F=1200, D=15 s, 2 rounds
  python3 bench/validation_load.py --mode refuse   # nothing listens: instant ECONNREFUSED
"""

import argparse
import asyncio
import base64
import bisect
import collections
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------------------------
# small helpers

def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(sorted_vals, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def summarize_ms(vals):
    s = sorted(vals)
    if not s:
        return {"n": 0}
    return {"n": len(s), "p50": s[len(s) // 2] * 1e3 if len(s) % 2 else
            (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2 * 1e3,
            "p90": pct(s, 90) * 1e3, "p99": pct(s, 99) * 1e3, "max": s[-1] * 1e3}


class Stalled(Exception):
    pass


class OutOfTime(Exception):
    pass


class HTTPError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status
        self.body = body


# ----------------------------------------------------------------------------------------------
# minimal HTTP/1.1 client over asyncio TLS streams

class Conn:
    def __init__(self, reader, writer):
        self.r = reader
        self.w = writer
        self.reusable = True
        self.used = 0

    @classmethod
    async def open(cls, host, port, ctx, sni):
        r, w = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=sni,
                                             limit=1 << 20)
        return cls(r, w)

    async def request(self, method, path, hostport, headers=None, body=b""):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {hostport}", "User-Agent: cobble-bench",
                 "Accept: */*"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.w.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.w.drain()
        self.used += 1
        head = await self.r.readuntil(b"\r\n\r\n")
        hl = head.decode("latin-1").split("\r\n")
        status = int(hl[0].split(" ", 2)[1])
        hdrs = {}
        for line in hl[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        data = b""
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            pass
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await self.r.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self.r.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                chunks.append(await self.r.readexactly(size))
                await self.r.readexactly(2)
            data = b"".join(chunks)
        elif "content-length" in hdrs:
            data = await self.r.readexactly(int(hdrs["content-length"]))
        else:
            data = await self.r.read()
            self.reusable = False
        if hdrs.get("connection", "").lower() == "close":
            self.reusable = False
        return status, hdrs, data

    def close(self):
        self.reusable = False
        try:
            self.w.close()
        except Exception:
            pass


class Pool:
    """Keep-alive connections to one server; at most `size` requests in flight."""

    def __init__(self, port, ctx, size, timeout, stats):
        self.host = "127.0.0.1"
        self.port = port
        self.hostport = f"localhost:{port}"
        self.ctx = ctx
        self.sem = asyncio.Semaphore(size)
        self.idle = []
        self.all = set()
        self.timeout = timeout
        self.stats = stats

    async def new_conn(self):
        c = await asyncio.wait_for(Conn.open(self.host, self.port, self.ctx, "localhost"),
                                   self.timeout)
        self.all.add(c)
        return c

    async def request(self, method, path, headers=None, body=b"", conn=None):
        """One request; `conn` pins it to a caller-owned connection (probe workers)."""
        if conn is not None:
            return await self._on(conn, method, path, headers, body, owned=True)
        async with self.sem:
            for attempt in range(2):
                c = self.idle.pop() if self.idle else None
                fresh = c is None
                if fresh:
                    c = await self.new_conn()
                try:
                    res = await self._on(c, method, path, headers, body, owned=False)
                except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError) as e:
                    # A kept-alive connection the server closed meanwhile: retry once, fresh.
                    c.close()
                    self.all.discard(c)
                    if fresh or attempt == 1:
                        raise
                    self.stats["retries"] += 1
                    continue
                if c.reusable:
                    self.idle.append(c)
                else:
                    c.close()
                    self.all.discard(c)
                return res

    async def _on(self, c, method, path, headers, body, owned):
        try:
            res = await asyncio.wait_for(c.request(method, path, self.hostport, headers, body),
                                         self.timeout)
        except asyncio.TimeoutError:
            c.close()
            self.all.discard(c)
            self.stats["timeouts"] += 1
            raise
        self.stats["progress"] += 1
        self.stats["last_progress"] = time.monotonic()
        return res

    def close(self):
        for c in list(self.all):
            c.close()
        self.all.clear()
        self.idle.clear()


# ----------------------------------------------------------------------------------------------
# minimal ACME client: ES256 JWS, nonce pool, kid

class Account:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        n = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64u(n.x.to_bytes(32, "big")),
                    "y": b64u(n.y.to_bytes(32, "big"))}
        self.kid = None

    def export(self):
        return {"kid": self.kid, "pem": self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()}

    @classmethod
    def load(cls, d):
        a = cls.__new__(cls)
        a.key = serialization.load_pem_private_key(d["pem"].encode(), None)
        n = a.key.public_key().public_numbers()
        a.jwk = {"crv": "P-256", "kty": "EC", "x": b64u(n.x.to_bytes(32, "big")),
                 "y": b64u(n.y.to_bytes(32, "big"))}
        a.kid = d["kid"]
        return a

    def sign(self, url, nonce, payload):
        prot = {"alg": "ES256", "nonce": nonce, "url": url}
        if self.kid:
            prot["kid"] = self.kid
        else:
            prot["jwk"] = self.jwk
        p64 = b64u(json.dumps(prot, separators=(",", ":")).encode())
        pl64 = "" if payload is None else b64u(json.dumps(payload).encode())
        der = self.key.sign(f"{p64}.{pl64}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return json.dumps({"protected": p64, "payload": pl64, "signature": b64u(sig)}).encode()


class Acme:
    def __init__(self, pool):
        self.pool = pool
        self.dir = None
        self.nonces = collections.deque(maxlen=2000)

    @staticmethod
    def path(url):
        u = urllib.parse.urlsplit(url)
        return u.path + (("?" + u.query) if u.query else "")

    def _keep_nonce(self, hdrs):
        n = hdrs.get("replay-nonce")
        if n:
            self.nonces.append(n)

    async def directory(self, conn=None):
        st, h, body = await self.pool.request("GET", "/dir", conn=conn)
        if st != 200:
            raise HTTPError(st, body)
        self.dir = json.loads(body)
        return self.dir

    async def new_nonce(self, conn=None):
        st, h, body = await self.pool.request("HEAD", self.path(self.dir["newNonce"]), conn=conn)
        if st not in (200, 204) or "replay-nonce" not in h:
            raise HTTPError(st, body)
        self.nonces.append(h["replay-nonce"])

    async def post(self, acct, url, payload, conn=None):
        """JWS POST; payload None = POST-as-GET. Retries badNonce a few times."""
        for attempt in range(4):
            if not self.nonces:
                await self.new_nonce(conn=conn)
            nonce = self.nonces.popleft()
            body = acct.sign(url, nonce, payload)
            st, h, data = await self.pool.request(
                "POST", self.path(url), {"Content-Type": "application/jose+json"}, body, conn=conn)
            self._keep_nonce(h)
            if st == 400 and b"badNonce" in data and attempt < 3:
                self.pool.stats["badnonce"] += 1
                continue
            if st >= 400:
                raise HTTPError(st, data)
            return st, h, (json.loads(data) if data else None)
        raise HTTPError(st, data)

    async def new_account(self, acct):
        st, h, obj = await self.post(acct, self.dir["newAccount"], {"termsOfServiceAgreed": True})
        acct.kid = h["location"]

    async def new_order(self, acct, name, conn=None):
        st, h, obj = await self.post(acct, self.dir["newOrder"],
                                     {"identifiers": [{"type": "dns", "value": name}]}, conn=conn)
        return obj

    async def http01_url(self, acct, order):
        st, h, authz = await self.post(acct, order["authorizations"][0], None)
        for ch in authz["challenges"]:
            if ch["type"] == "http-01":
                return ch["url"]
        raise RuntimeError("no http-01 challenge offered")


# ----------------------------------------------------------------------------------------------
# the black hole: accepts validation connections and never answers

class BlackHole:
    def __init__(self):
        self.server = None
        self.writers = set()
        self.open_conns = 0
        self.total_conns = 0
        self.hosts_open = collections.Counter()   # host -> open connections
        self.started = {}                         # host -> first connection time
        self.durations = []                       # seconds from first connection to last close
        self.ended = 0
        self.on_end = None

    async def start(self, port):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", port, backlog=4096)

    def inflight(self):
        return len(self.hosts_open)

    async def _handle(self, reader, writer):
        self.open_conns += 1
        self.total_conns += 1
        self.writers.add(writer)
        host = None
        buf = b""
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                if host is None and len(buf) < 8192:
                    buf += data
                    if b"\r\n\r\n" in buf:
                        for line in buf.split(b"\r\n"):
                            if line.lower().startswith(b"host:"):
                                host = line[5:].strip().decode("latin-1").rsplit(":", 1)[0] \
                                    if b"]" not in line else line[5:].strip().decode("latin-1")
                                break
                        host = host or "?"
                        if self.hosts_open[host] == 0 and host not in self.started:
                            self.started[host] = time.monotonic()
                        self.hosts_open[host] += 1
        except (ConnectionError, OSError):
            pass
        finally:
            self.open_conns -= 1
            self.writers.discard(writer)
            if host is not None:
                self.hosts_open[host] -= 1
                if self.hosts_open[host] <= 0:
                    del self.hosts_open[host]
                    self.ended += 1
                    t0 = self.started.pop(host, None)
                    if t0 is not None:
                        self.durations.append(time.monotonic() - t0)
                    if self.on_end:
                        self.on_end(host)
            try:
                writer.close()
            except Exception:
                pass

    async def stop(self):
        if self.server:
            self.server.close()
        for w in list(self.writers):
            try:
                w.close()
            except Exception:
                pass
        if self.server:
            try:
                await asyncio.wait_for(self.server.wait_closed(), 3)
            except Exception:
                pass


# ----------------------------------------------------------------------------------------------
# servers under test

def make_tls_pair(workdir):
    """A CA and a localhost leaf for Pebble (Debian's package ships no test certificates)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench https CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: os.path.join(workdir, k + ".pem") for k in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class ServerProc:
    def __init__(self, kind, args, workdir, dns_port):
        self.kind = kind
        self.args = args
        self.workdir = workdir
        self.dns_port = dns_port
        self.port = free_port()
        self.mport = free_port()
        self.http_port = free_port()
        self.tls_port = free_port()
        self.proc = None
        self.log_path = os.path.join(workdir, kind + ".log")
        self.ca_file = None
        self.db = None
        # how long one validation to a black hole takes at most (sizes the sustain reserve)
        self.va_timeout = args.cobble_va_timeout if kind == "cobble" else 15

    def start(self):
        env = dict(os.environ)
        if self.kind == "cobble":
            data = os.path.join(self.workdir, "data")
            cmd = [self.args.cobble, "--listen", f"127.0.0.1:{self.port}",
                   "--management-listen", f"127.0.0.1:{self.mport}", "--data-dir", data,
                   "--http-port", str(self.http_port), "--tls-port", str(self.tls_port),
                   "--dns-server", f"127.0.0.1:{self.dns_port}", "--log-level", "warn"]
            env["COBBLE_VA_TIMEOUT_SECONDS"] = str(self.args.cobble_va_timeout)
            self.ca_file = os.path.join(data, "https-ca.pem")
            self.db = os.path.join(data, "cobble.db")
        else:
            tls = make_tls_pair(self.workdir)
            cfg = {"pebble": {"listenAddress": f"127.0.0.1:{self.port}",
                              "managementListenAddress": f"127.0.0.1:{self.mport}",
                              "certificate": tls["cert"], "privateKey": tls["key"],
                              "httpPort": self.http_port, "tlsPort": self.tls_port,
                              "ocspResponderURL": "", "externalAccountBindingRequired": False}}
            cfg_path = os.path.join(self.workdir, "pebble.json")
            with open(cfg_path, "w") as f:
                json.dump(cfg, f)
            cmd = [self.args.pebble, "-config", cfg_path,
                   "-dnsserver", f"127.0.0.1:{self.dns_port}"]
            env.update({"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0",
                        "PEBBLE_AUTHZREUSE": "0"})
            self.ca_file = tls["ca"]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc:
            self.log.close()

    def cpu_seconds(self):
        """user+system CPU of the server process so far (from /proc)."""
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            tck = os.sysconf("SC_CLK_TCK")
            return (int(parts[11]) + int(parts[12])) / tck
        except Exception:
            return None

    def rss_mb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except Exception:
            return None

    def threads(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        return int(line.split()[1])
        except Exception:
            return None

    def processing(self):
        """Cobble only: challenges in status 'processing' in its SQLite database."""
        if self.kind != "cobble" or not self.db or not os.path.exists(self.db):
            return None
        try:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=2)
            try:
                return con.execute(
                    "select count(*) from challenges where status='processing'").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return None


# ----------------------------------------------------------------------------------------------
# one server run

class Run:
    def __init__(self, kind, args, dns_port, deadline, round_no):
        self.kind = kind
        self.args = args
        self.deadline = deadline
        self.round = round_no
        self.workdir = tempfile.mkdtemp(prefix=f"bench-{kind}-", dir=args.workdir)
        self.srv = ServerProc(kind, args, self.workdir, dns_port)
        self.stats = collections.Counter()
        self.stats["last_progress"] = time.monotonic()
        self.result = {"server": kind, "round": round_no, "status": "ok", "mode": args.mode,
                       "F": args.failing, "D": args.duration}
        self.errors = collections.Counter()
        self.bh = BlackHole()
        self.reserve = collections.deque()
        self.sustain_on = False
        self.sustain_tasks = set()
        self.sustain_sem = asyncio.Semaphore(args.client_concurrency)
        self.post_sent_at = {}
        self.dispatch = []
        self.accounts = []
        self.probe_procs = set()
        self.timeline_t = []
        self.timeline_v = []

    # -- phases -------------------------------------------------------------------------------
    async def guarded(self, name, coro):
        """Runs a phase; cancels it on a stall (no completed request for --stall-seconds) or
        when the global deadline passes."""
        task = asyncio.ensure_future(coro)
        self.stats["last_progress"] = time.monotonic()
        while not task.done():
            await asyncio.wait({task}, timeout=0.5)
            now = time.monotonic()
            if task.done():
                break
            if now - self.stats["last_progress"] > self.args.stall_seconds:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise Stalled(f"no request completed for {self.args.stall_seconds:.0f} s "
                              f"during '{name}'")
            if now > self.deadline:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise OutOfTime(f"--max-seconds reached during '{name}'")
            if self.srv.proc.poll() is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise RuntimeError(f"server exited (code {self.srv.proc.returncode}) during "
                                   f"'{name}'")
        return task.result()

    def note_error(self, what, e):
        key = f"{what}: {type(e).__name__}"
        if isinstance(e, HTTPError):
            key = f"{what}: HTTP {e.status}"
        self.errors[key] += 1

    async def wait_ready(self):
        t0 = time.monotonic()
        while time.monotonic() - t0 < 30:
            if self.srv.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start; see {self.srv.log_path}")
            if os.path.exists(self.srv.ca_file):
                try:
                    ctx = ssl.create_default_context(cafile=self.srv.ca_file)
                    c = await asyncio.wait_for(
                        Conn.open("127.0.0.1", self.srv.port, ctx, "localhost"), 2)
                    st, h, body = await asyncio.wait_for(
                        c.request("GET", "/dir", f"localhost:{self.srv.port}"), 2)
                    c.close()
                    if st == 200:
                        return ctx
                except (OSError, asyncio.TimeoutError, ssl.SSLError,
                        asyncio.IncompleteReadError):
                    pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.kind} did not answer within 30 s; see {self.srv.log_path}")

    async def make_accounts(self):
        async def one(i):
            a = Account()
            await self.acme.new_account(a)
            self.accounts.append(a)
        await asyncio.gather(*(one(i) for i in range(self.args.accounts)))

    async def probe(self, seconds, label):
        """Runs the probe in a child process (its own event loop and CPU time, so the work
        this process does for the black hole and the replacement POSTs does not show up as
        probe latency). Returns {type: [(monotonic time, latency s)]}, loop-lag samples."""
        cfg = {"port": self.srv.port, "ca_file": self.srv.ca_file, "duration": seconds,
               "workers": self.args.probe_workers, "pause": self.args.probe_pause,
               "timeout": self.args.request_timeout, "label": label,
               "accounts": [a.export() for a in self.accounts[:self.args.probe_workers]]}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--probe-child",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26)
        self.probe_procs.add(proc)
        try:
            proc.stdin.write(json.dumps(cfg).encode())
            await proc.stdin.drain()
            proc.stdin.close()
            result = None
            last = 0
            while True:
                line = await proc.stdout.readline()
                if not line:
                    break
                if line.startswith(b"progress "):
                    n = int(line.split()[1])
                    if n > last:
                        last = n
                        self.stats["last_progress"] = time.monotonic()
                elif line.startswith(b"result "):
                    result = json.loads(line[7:])
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            self.probe_procs.discard(proc)
        if result is None:
            raise RuntimeError("probe child gave no result")
        for k, v in result["errors"].items():
            self.errors[f"probe-{label}: {k}"] += v
        self.stats["timeouts"] += result["timeouts"]
        return result["lat"], result["lag"]

    async def precreate(self, n, tag):
        """n orders, each with its http-01 challenge URL: (name, account, url)."""
        out = []
        counter = iter(range(n))

        async def worker():
            for i in counter:
                if time.monotonic() > self.deadline:
                    return
                name = f"fail-{tag}-{i}.example.com"
                acct = self.accounts[i % len(self.accounts)]
                try:
                    order = await self.acme.new_order(acct, name)
                    url = await self.acme.http01_url(acct, order)
                    out.append((name, acct, url))
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    self.note_error("precreate", e)
        await asyncio.gather(*(worker() for _ in range(self.args.precreate_concurrency)))
        return out

    async def trigger(self, item, lat):
        name, acct, url = item
        t = time.perf_counter()
        self.post_sent_at[name] = time.monotonic()
        try:
            st, h, obj = await self.acme.post(acct, url, {})
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self.note_error("challenge POST", e)
            return False
        lat.append(time.perf_counter() - t)
        return True

    async def fire(self, items):
        lat = []
        it = iter(items)
        accepted = 0

        async def worker():
            nonlocal accepted
            for item in it:
                if await self.trigger(item, lat):
                    accepted += 1
        t0 = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(self.args.client_concurrency)))
        return accepted, time.monotonic() - t0, lat

    def on_validation_end(self, host):
        if not self.sustain_on or not self.reserve:
            return
        item = self.reserve.popleft()

        async def go():
            async with self.sustain_sem:
                if self.sustain_on:
                    if await self.trigger(item, self.sustain_lat):
                        self.stats["sustain_posts"] += 1
        t = asyncio.ensure_future(go())
        self.sustain_tasks.add(t)
        t.add_done_callback(self.sustain_tasks.discard)

    async def sampler(self, series):
        """Every 0.25 s: black-hole in-flight validations/connections and (Cobble, every 1 s)
        challenges in status 'processing'; also the dispatch delay (challenge POST sent ->
        first connection at the black hole: how long until the validation really starts)."""
        n = 0
        while n < 100000:
            n += 1
            for host, t0 in list(self.bh.started.items()):
                if host in self.post_sent_at:
                    self.dispatch.append(t0 - self.post_sent_at.pop(host))
            proc = self.srv.processing() if n % 4 == 0 else None
            now = time.monotonic()
            self.timeline_t.append(now)
            self.timeline_v.append(self.bh.inflight())
            series.append({"t": round(now - self.t_start, 2), "inflight": self.bh.inflight(),
                           "conns": self.bh.open_conns, "processing": proc})
            await asyncio.sleep(0.25)

    def inflight_at(self, t):
        i = bisect.bisect_right(self.timeline_t, t) - 1
        return self.timeline_v[i] if i >= 0 else 0

    def summarize_probe(self, lat, lag, R, phase):
        thr = self.args.min_inflight
        R[phase] = {k: summarize_ms([x for _, x in v]) for k, v in lat.items()}
        R[phase + "_at_inflight_ge_%d" % thr] = {
            k: summarize_ms([x for t, x in v if self.inflight_at(t) >= thr])
            for k, v in lat.items()}
        R[phase + "_probe_loop_lag"] = summarize_ms(lag)
        infl = [self.inflight_at(t) for v in lat.values() for t, _ in v]
        R[phase + "_inflight"] = {
            "min": min(infl) if infl else None,
            "median": statistics.median(infl) if infl else None,
            "max": max(infl) if infl else None,
            "samples": len(infl),
            "samples_ge_%d" % thr: sum(1 for x in infl if x >= thr)}

    # -- the whole run ------------------------------------------------------------------------
    async def run(self):
        args = self.args
        R = self.result
        self.t_start = time.monotonic()
        sampler_task = None
        series = []
        try:
            self.srv.start()
            ctx = await self.wait_ready()
            R["startup_s"] = round(time.monotonic() - self.t_start, 2)
            self.pool = Pool(self.srv.port, ctx, args.client_concurrency, args.request_timeout,
                             self.stats)
            self.acme = Acme(self.pool)
            await self.acme.directory()
            await self.guarded("accounts", self.make_accounts())
            if not self.accounts:
                raise RuntimeError("no account could be created")
            sampler_task = asyncio.ensure_future(self.sampler(series))

            # baseline
            lat, lag = await self.guarded("baseline probe", self.probe(args.duration, "base"))
            self.summarize_probe(lat, lag, R, "baseline")

            # black hole (or nothing, for --mode refuse) on the server's http-01 port
            if args.mode == "blackhole":
                await self.bh.start(self.srv.http_port)
            self.bh.on_end = self.on_validation_end

            # pre-create the orders to fail, plus a reserve to keep F in flight
            n_reserve = 0
            if args.mode == "blackhole" and args.sustain:
                n_reserve = int(args.failing * (args.duration + 2) / self.srv.va_timeout * 1.1) + 20
            t0 = time.monotonic()
            items = await self.guarded("pre-create orders",
                                       self.precreate(args.failing + n_reserve, f"r{self.round}"))
            R["precreate"] = {"orders": len(items), "seconds": round(time.monotonic() - t0, 2)}
            fire_items, self.reserve = items[:args.failing], collections.deque(
                items[args.failing:])
            cpu0 = self.srv.cpu_seconds()

            # fire F challenge POSTs
            accepted, secs, post_lat = await self.guarded("fire challenges",
                                                          self.fire(fire_items))
            R["fire"] = {"posted": len(fire_items), "accepted": accepted,
                         "seconds": round(secs, 3),
                         "per_s": round(accepted / secs, 1) if secs > 0 else None,
                         "post_latency": summarize_ms(post_lat),
                         "inflight_at_end": self.bh.inflight(),
                         "processing_at_end": self.srv.processing()}

            # probe under load, replacing validations as they end
            self.sustain_lat = []
            self.sustain_on = args.mode == "blackhole" and args.sustain
            t_load = time.monotonic()
            lat, lag = await self.guarded("load probe", self.probe(args.duration, "load"))
            self.sustain_on = False
            cpu1 = self.srv.cpu_seconds()
            self.summarize_probe(lat, lag, R, "load")
            procs = [s["processing"] for s in series
                     if s["processing"] is not None and s["t"] >= t_load - self.t_start]
            R["cobble_processing"] = {"min": min(procs), "max": max(procs),
                                      "median": statistics.median(procs)} if procs else None
            R["sustain"] = {"posts": self.stats["sustain_posts"],
                            "post_latency": summarize_ms(self.sustain_lat),
                            "reserve_left": len(self.reserve)}
            R["validations"] = {
                "seen_at_blackhole": len(self.bh.started) + self.bh.ended,
                "ended": self.bh.ended, "blackhole_conns_total": self.bh.total_conns,
                "duration": summarize_ms(self.bh.durations),
                "dispatch_delay": summarize_ms(self.dispatch)}
            if cpu0 is not None and cpu1 is not None:
                R["server_cpu_load_phase"] = round((cpu1 - cpu0) / (time.monotonic() - t_load
                                                                    + secs), 2)
            R["server_rss_mb"] = self.srv.rss_mb()
            R["server_threads"] = self.srv.threads()
        except Stalled as e:
            R["status"] = "STALLED: " + str(e)
            if self.kind == "pebble" and self.srv.proc.poll() is None:
                # Go prints every goroutine's stack on SIGQUIT: keep it for diagnosis
                self.srv.proc.send_signal(signal.SIGQUIT)
                try:
                    self.srv.proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
                dump = os.path.join(self.args.workdir,
                                    f"stall-{self.kind}-r{self.round}-{os.getpid()}.log")
                try:
                    shutil.copy(self.srv.log_path, dump)
                    R["stall_dump"] = dump
                except OSError:
                    pass
        except OutOfTime as e:
            R["status"] = "out of time: " + str(e)
        except Exception as e:
            R["status"] = f"error: {type(e).__name__}: {e}"
        finally:
            self.sustain_on = False
            for t in list(self.sustain_tasks):
                t.cancel()
            await asyncio.gather(*self.sustain_tasks, return_exceptions=True)
            if sampler_task:
                sampler_task.cancel()
                await asyncio.gather(sampler_task, return_exceptions=True)
            if hasattr(self, "pool"):
                self.pool.close()
            self.srv.stop()
            await self.bh.stop()
            for p in list(self.probe_procs):
                if p.returncode is None:
                    p.kill()
            R["series"] = series[::4]
            R["errors"] = dict(self.errors)
            R["timeouts"] = self.stats["timeouts"]
            R["badnonce_retries"] = self.stats["badnonce"]
            R["seconds_total"] = round(time.monotonic() - self.t_start, 1)
            if R["status"] != "ok":
                try:
                    with open(self.srv.log_path, "rb") as f:
                        R["server_log_tail"] = f.read()[-1500:].decode("utf-8", "replace")
                except OSError:
                    pass
            if not self.args.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)
        return R


# ----------------------------------------------------------------------------------------------
# the probe, run as a child process: `validation_load.py --probe-child` with a JSON config on
# stdin; prints "progress N" lines (completed requests) and one "result {json}" line.

async def probe_child_async(cfg):
    stats = collections.Counter()
    errors = collections.Counter()
    ctx = ssl.create_default_context(cafile=cfg["ca_file"])
    pool = Pool(cfg["port"], ctx, 4, cfg["timeout"], stats)
    acme = Acme(pool)
    accounts = [Account.load(d) for d in cfg["accounts"]]
    lat = collections.defaultdict(list)
    lag = []
    await acme.directory()
    end = time.monotonic() + cfg["duration"]
    ctr = iter(range(10 ** 9))

    async def worker(w):
        conn = None
        it = 0
        while time.monotonic() < end:
            try:
                if conn is None or not conn.reusable:
                    conn = await pool.new_conn()
                t0 = time.monotonic()
                t = time.perf_counter()
                await acme.directory(conn=conn)
                lat["directory"].append((t0, time.perf_counter() - t))
                t0 = time.monotonic()
                t = time.perf_counter()
                await acme.new_nonce(conn=conn)
                lat["newNonce"].append((t0, time.perf_counter() - t))
                acct = accounts[(w + it) % len(accounts)]
                name = f"probe-{cfg['label']}-{os.getpid()}-{next(ctr)}.example.com"
                t0 = time.monotonic()
                t = time.perf_counter()
                await acme.new_order(acct, name, conn=conn)
                lat["newOrder"].append((t0, time.perf_counter() - t))
                if it % 4 == 0:    # directory on a brand-new TLS connection (accept+handshake)
                    t0 = time.monotonic()
                    t = time.perf_counter()
                    c2 = await pool.new_conn()
                    try:
                        await acme.directory(conn=c2)
                    finally:
                        c2.close()
                        pool.all.discard(c2)
                    lat["dir_newconn"].append((t0, time.perf_counter() - t))
            except asyncio.CancelledError:
                raise
            except Exception as e:
                key = f"HTTP {e.status}" if isinstance(e, HTTPError) else type(e).__name__
                errors[key] += 1
                if conn is not None:
                    conn.close()
                    pool.all.discard(conn)
                conn = None
                await asyncio.sleep(0.2)
            it += 1
            await asyncio.sleep(cfg["pause"])
        if conn is not None:
            conn.close()

    async def heartbeat():
        while True:
            sys.stdout.write(f"progress {stats['progress']}\n")
            sys.stdout.flush()
            await asyncio.sleep(0.5)

    async def lagmeter():
        # how late this event loop wakes up: client-side delay that would pollute latencies
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lag.append(time.perf_counter() - t - 0.01)

    hb = asyncio.ensure_future(heartbeat())
    lm = asyncio.ensure_future(lagmeter())
    try:
        await asyncio.gather(*(worker(w) for w in range(cfg["workers"])))
    finally:
        hb.cancel()
        lm.cancel()
        pool.close()
    return {"lat": lat, "lag": lag, "errors": dict(errors), "timeouts": stats["timeouts"]}


def probe_child():
    cfg = json.loads(sys.stdin.read())
    res = asyncio.run(asyncio.wait_for(probe_child_async(cfg),
                                       cfg["duration"] + 2 * cfg["timeout"] + 10))
    sys.stdout.write("result " + json.dumps(res, separators=(",", ":")) + "\n")
    sys.stdout.flush()


# ----------------------------------------------------------------------------------------------
# report

FIG_TYPES = ["directory", "newNonce", "newOrder", "dir_newconn"]


def figures(r, thr):
    """Flat {figure name: value} for one run (None where not measured)."""
    f = {}
    for phase in ("baseline", "load"):
        for t in FIG_TYPES:
            s = (r.get(phase) or {}).get(t) or {}
            for p in ("p50", "p90", "p99", "max"):
                f[f"{phase} {t} {p} ms"] = s.get(p)
    for t in FIG_TYPES:
        s = (r.get(f"load_at_inflight_ge_{thr}") or {}).get(t) or {}
        for p in ("p50", "p99", "max"):
            f[f"load@>={thr} in flight {t} {p} ms"] = s.get(p)
    f["probe client loop lag max ms (baseline)"] = (r.get("baseline_probe_loop_lag")
                                                    or {}).get("max")
    f["probe client loop lag max ms (load)"] = (r.get("load_probe_loop_lag") or {}).get("max")
    fire = r.get("fire") or {}
    f["fire: challenge POSTs accepted"] = fire.get("accepted")
    f["fire: seconds for F POSTs"] = fire.get("seconds")
    f["fire: POSTs/s"] = fire.get("per_s")
    f["fire: POST p50 ms"] = (fire.get("post_latency") or {}).get("p50")
    f["fire: POST p99 ms"] = (fire.get("post_latency") or {}).get("p99")
    li = r.get("load_inflight") or {}
    f["load: in-flight validations min"] = li.get("min")
    f["load: in-flight validations median"] = li.get("median")
    f[f"load: probe samples at >={thr} in flight"] = li.get(f"samples_ge_{thr}")
    f["load: probe samples"] = li.get("samples")
    cp = r.get("cobble_processing") or {}
    f["load: db 'processing' median (cobble)"] = cp.get("median")
    v = r.get("validations") or {}
    f["validation duration p50 ms"] = (v.get("duration") or {}).get("p50")
    f["validation duration max ms"] = (v.get("duration") or {}).get("max")
    f["dispatch delay p50 ms"] = (v.get("dispatch_delay") or {}).get("p50")
    f["dispatch delay p99 ms"] = (v.get("dispatch_delay") or {}).get("p99")
    su = r.get("sustain") or {}
    f["sustain: replacement POSTs"] = su.get("posts")
    f["sustain: replacement POST p50 ms"] = (su.get("post_latency") or {}).get("p50")
    f["sustain: replacement POST p99 ms"] = (su.get("post_latency") or {}).get("p99")
    f["server CPU (cores) fire+load"] = r.get("server_cpu_load_phase")
    f["server RSS MB at end"] = r.get("server_rss_mb")
    f["server threads at end"] = r.get("server_threads")
    f["errors (count)"] = sum((r.get("errors") or {}).values())
    return f


NO_RATIO = ("in-flight validations", "processing", "accepted", "replacement", "errors", "threads",
            "samples", "loop lag",
            "validation duration", "dispatch")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:.0f}"
        return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return str(v)


def report(runs, args, wall):
    cols = [(r["server"], r["round"]) for r in runs]
    figs = [figures(r, args.min_inflight) for r in runs]
    names = list(figs[0].keys()) if figs else []
    header = ["figure"] + [f"{s} r{n}" for s, n in cols] + ["pebble/cobble"]
    rows = []
    ratios = {}
    for name in names:
        row = [name] + [fmt(f.get(name)) for f in figs]
        ratio = None
        if not any(k in name for k in NO_RATIO):
            per_round = []
            for rnd in sorted({n for _, n in cols}):
                c = [f.get(name) for (s, n), f in zip(cols, figs) if s == "cobble" and n == rnd]
                p = [f.get(name) for (s, n), f in zip(cols, figs) if s == "pebble" and n == rnd]
                if c and p and c[0] and p[0] is not None:
                    per_round.append(p[0] / c[0])
            if per_round:
                ratio = statistics.median(per_round)
                ratios[name] = round(ratio, 3)
        row.append(fmt(ratio))
        rows.append(row)
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = []
    lines.append("  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i])
                           for i, h in enumerate(header)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                               for i, c in enumerate(r)))
    print()
    print(f"validation_load: mode={args.mode} F={args.failing} D={args.duration}s "
          f"accounts={args.accounts} probe_workers={args.probe_workers} "
          f"sustain={'on' if args.sustain and args.mode == 'blackhole' else 'off'} "
          f"cobble VA timeout={args.cobble_va_timeout}s, pebble VA timeout=15s (fixed)")
    for r in runs:
        print(f"  {r['server']} r{r['round']}: {r['status']}  ({r['seconds_total']} s; "
              f"pre-created {(r.get('precreate') or {}).get('orders')} orders in "
              f"{(r.get('precreate') or {}).get('seconds')} s; errors {r.get('errors') or {}})")
    print()
    print("\n".join(lines))
    print()
    print("ratio = median over rounds of pebble/cobble: >1 means Cobble is lower (faster "
          "latency; for POSTs/s >1 means Pebble accepted faster).")
    print(f"wall time {wall:.0f} s")
    return ratios


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "loadavg_at_start": os.getloadavg()}


async def main_async(args):
    t_begin = time.monotonic()
    deadline = t_begin + args.max_seconds
    os.makedirs(args.workdir, exist_ok=True)
    dns_port = free_port()
    cts_log = open(os.path.join(args.workdir, f"challtestsrv-{os.getpid()}.log"), "wb")
    cts = subprocess.Popen([args.challtestsrv, "-dns01", f"127.0.0.1:{dns_port}", "-http01", "",
                            "-https01", "", "-tlsalpn01", "",
                            "-management", f"127.0.0.1:{free_port()}",
                            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
                           stdout=cts_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           start_new_session=True)
    runs = []
    try:
        await asyncio.sleep(0.5)
        if cts.poll() is not None:
            raise SystemExit("pebble-challtestsrv did not start")
        order = []
        for rnd in range(1, args.rounds + 1):
            for s in args.servers.split(","):
                order.append((s.strip(), rnd))
        for i, (kind, rnd) in enumerate(order):
            remaining = deadline - time.monotonic()
            if remaining < 10:
                print(f"[bench] skipping {kind} r{rnd}: --max-seconds budget used up",
                      flush=True)
                runs.append({"server": kind, "round": rnd, "status": "skipped (time budget)",
                             "seconds_total": 0})
                continue
            # give every remaining run an equal share of the time left
            run_deadline = time.monotonic() + remaining / (len(order) - i)
            print(f"[bench] {kind} round {rnd}: running (budget "
                  f"{run_deadline - time.monotonic():.0f} s)", flush=True)
            r = await Run(kind, args, dns_port, run_deadline, rnd).run()
            print(f"[bench] {kind} round {rnd}: {r['status']} in {r['seconds_total']} s",
                  flush=True)
            runs.append(r)
    finally:
        cts.terminate()
        try:
            cts.wait(5)
        except subprocess.TimeoutExpired:
            cts.kill()
        cts_log.close()
    wall = time.monotonic() - t_begin
    ratios = report(runs, args, wall)
    out = {"bench": "validation_load", "time": datetime.datetime.now().isoformat(timespec="seconds"),
           "machine": machine(), "args": {k: v for k, v in vars(args).items()},
           "runs": runs, "figures": [dict(server=r["server"], round=r["round"], **figures(r, args.min_inflight))
                                      for r in runs],
           "ratio_pebble_over_cobble": ratios, "wall_seconds": round(wall, 1)}
    line = json.dumps(out, separators=(",", ":"))
    print(line)
    if args.json:
        with open(args.json, "w") as f:
            f.write(line + "\n")


def main():
    if sys.argv[1:] == ["--probe-child"]:
        return probe_child()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["blackhole", "refuse"], default="blackhole")
    ap.add_argument("-F", "--failing", type=int, default=1200,
                    help="failing validations to start (default 1200)")
    ap.add_argument("-D", "--duration", type=float, default=15,
                    help="seconds of each probe window, baseline and load (default 15)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--servers", default="cobble,pebble")
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--probe-workers", type=int, default=4)
    ap.add_argument("--probe-pause", type=float, default=0.05,
                    help="pause between a probe worker's iterations (default 0.05 s)")
    ap.add_argument("--client-concurrency", type=int, default=64,
                    help="parallel requests when creating orders and firing POSTs")
    ap.add_argument("--precreate-concurrency", type=int, default=4,
                    help="parallel newOrders while pre-creating (default 4: Pebble 2.4.0 "
                         "deadlocks under many concurrent newOrders)")
    ap.add_argument("--no-sustain", dest="sustain", action="store_false",
                    help="do not replace validations that end during the load window")
    ap.add_argument("--min-inflight", type=int, default=1000)
    ap.add_argument("--cobble-va-timeout", type=int, default=10)
    ap.add_argument("--request-timeout", type=float, default=15)
    ap.add_argument("--stall-seconds", type=float, default=20)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--cobble", default=os.path.join(REPO, "build", "cobble"))
    ap.add_argument("--pebble", default=shutil.which("pebble") or "pebble")
    ap.add_argument("--challtestsrv", default=shutil.which("pebble-challtestsrv")
                    or "pebble-challtestsrv")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "cobble-bench"))
    ap.add_argument("--keep", action="store_true", help="keep data dirs and server logs")
    ap.add_argument("--json", help="also write the JSON line to this file")
    args = ap.parse_args()

    # validations hold sockets: raise the fd limit (children inherit it)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    try:
        asyncio.run(asyncio.wait_for(main_async(args), args.max_seconds + 120))
    except asyncio.TimeoutError:
        sys.exit("validation_load: hard time limit reached")


if __name__ == "__main__":
    main()
