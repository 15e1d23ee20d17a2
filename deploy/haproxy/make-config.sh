#!/usr/bin/env bash
# Prints an HAProxy configuration (Debian's haproxy, 2.6) that terminates TLS and forwards plain
# HTTP round-robin to one or more Cobble plain listeners (plainListenAddress), saying in
# X-Forwarded-For/-Proto/-Host whom and what it forwards. Cobble believes those headers only from
# the addresses in its trustedProxies: put HAProxy's address there (--source picks it).
# With --tls-passthrough it forwards TLS untouched (mode tcp) to Cobble's own HTTPS listeners instead.
#
#   deploy/haproxy/make-config.sh --bind 127.0.0.1:8443 --cert proxy.pem [--source 127.0.0.2] \
#     [--no-check] BACKEND [BACKEND...] > haproxy.cfg
#   deploy/haproxy/make-config.sh --tls-passthrough --bind 127.0.0.1:8443 BACKEND... > haproxy.cfg
#   haproxy -db -f haproxy.cfg
#
#   --bind     where HAProxy listens (TLS), host:port
#   --cert     PEM file with the certificate chain and its private key (cat chain.pem key.pem)
#   --source   the local address HAProxy connects to Cobble from (default: the kernel's choice)
#   --no-check no health checks (default: GET /dir every 2 s; a backend failing 2 in a row is out)
#   --tls-passthrough  no TLS at HAProxy: BACKENDs are Cobble's HTTPS listeners (listenAddress)
#   BACKEND    a Cobble plain listener, host:port (IPv6 as [::1]:14080)
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bind='' cert='' source='' check=1 passthrough=0 backends=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --bind) bind=${2:?}; shift 2 ;;
    --cert) cert=${2:?}; shift 2 ;;
    --source) source=${2:?}; shift 2 ;;
    --no-check) check=0; shift ;;
    --tls-passthrough) passthrough=1; shift ;;
    -h|--help) usage ;;
    -*) echo "make-config.sh: unknown option $1" >&2; usage ;;
    *) backends+=("$1"); shift ;;
  esac
done
[[ -n $bind && ${#backends[@]} -gt 0 ]] || usage
[[ -n $cert || $passthrough -eq 1 ]] || usage

if [[ $passthrough -eq 1 ]]; then
  # Cobble ends TLS itself: HAProxy sees bytes, not requests, so it adds no header. Cobble builds
  # links on the Host the client sent and its own https, and sees HAProxy's address as the
  # client's (per-address limits count HAProxy as one client: keep requestLimits off).
  cat <<CFG
# Made by deploy/haproxy/make-config.sh --tls-passthrough. TLS passes through to Cobble's HTTPS listeners.
global
    log stdout format raw local0 info

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 65s
    timeout server 65s
    retries 2
    option redispatch 1

frontend acme
    bind $bind
    default_backend cobble

backend cobble
    balance roundrobin
CFG
  if [[ $check -eq 1 ]]; then
    # The health check speaks HTTPS to the listener; it checks that Cobble answers, not its certificate.
    cat <<CFG
    option httpchk
    http-check send meth GET uri /dir ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 2s fall 2 rise 1 check-ssl verify none
CFG
  fi
  n=0
  for backend in "${backends[@]}"; do
    n=$((n + 1))
    line="    server cobble$n $backend"
    [[ $check -eq 1 ]] && line+=" check"
    [[ -n $source ]] && line+=" source $source"
    echo "$line"
  done
  exit 0
fi

cat <<CFG
# Made by deploy/haproxy/make-config.sh. TLS ends here; Cobble's plain listeners get plain HTTP.
global
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 65s
    timeout server 65s
    timeout http-request 30s
    timeout http-keep-alive 60s
    # An instance that dies (kill -9, crash) refuses connections until the health checks take it
    # out (2-4 s), and drops the requests it was answering: both go to another instance instead
    # of reaching the client as a 503. Safe for ACME: every POST carries a nonce that the
    # instances together accept once, so a replayed request the dead one had already carried out
    # is refused with badNonce (clients retry with a fresh nonce), and GETs change nothing.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend acme
    bind $bind ssl crt $cert alpn h2,http/1.1
    # HAProxy writes X-Forwarded-*, not Forwarded; Cobble reads Forwarded first when present, so a
    # client's own Forwarded header must not get through.
    http-request del-header Forwarded
    # What the client used, for the links Cobble hands out (overwriting anything the client sent).
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    # Appends the client's address to X-Forwarded-For. Cobble walks that list from the right past
    # its trustedProxies, so what a client wrote into it itself is never taken for its address.
    option forwardfor
    default_backend cobble

backend cobble
    balance roundrobin
CFG
if [[ $check -eq 1 ]]; then
  cat <<CFG
    option httpchk
    http-check send meth GET uri /dir ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 2s fall 2 rise 1
CFG
fi
n=0
for backend in "${backends[@]}"; do
  n=$((n + 1))
  line="    server cobble$n $backend"
  [[ $check -eq 1 ]] && line+=" check"
  [[ -n $source ]] && line+=" source $source"
  echo "$line"
done
