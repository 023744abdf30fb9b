# shellcheck shell=bash
# TLS for the local services (`start --tls`): a local certificate authority,
# one server certificate for 127.0.0.1 and localhost, and the client side of
# Redis's TLS (stunnel: hiredis 0.14 speaks none).
# Sourced by deploy/local/services (its settings and helpers are in scope).
# shellcheck disable=SC2154
# --------------------------------------------------------------------- TLS
tls_dir=$data/tls

# The CA and the server's certificate, made once; the servers' keys are
# copied to where each server's user may read them (PostgreSQL insists its
# key is its own and private).
tls_certificates() {
  [ -f "$tls_dir/server.pem" ] && return 0
  mkdir -p "$tls_dir"
  local ext
  ext=$(mktemp)
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 825 \
    -subj "/CN=FlexFin local CA" -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" 2>/dev/null
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=localhost" \
    -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$ext"
  openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$ext" -out "$tls_dir/server.pem" 2>/dev/null
  rm -f "$ext" "$tls_dir/server.csr"
  chmod 600 "$tls_dir/ca.key" "$tls_dir/server.key"
  chmod 644 "$tls_dir/ca.pem" "$tls_dir/server.pem"
  chmod 755 "$tls_dir"
  say "tls        a local CA and a certificate for 127.0.0.1 in $tls_dir"
}

# Whether the servers were started with TLS: the marker `start --tls` leaves.
tls_on() { [ -f "$data/tls-on" ]; }

# ------------------------------------------------- Redis's TLS client side
# stunnel in client mode on loopback: hiredis connects to it in plain text,
# it speaks TLS to Redis's tls-port and verifies the certificate as any
# TLS client would. Run beside each process that uses Redis; in production
# on each worker host, the one plaintext hop never leaving the host.
stunnel_up() { [ -s "$tls_dir/stunnel.pid" ] && kill -0 "$(cat "$tls_dir/stunnel.pid")" 2>/dev/null; }

stunnel_start() {
  if stunnel_up; then return 0; fi
  cat > "$tls_dir/stunnel.conf" <<CONF
pid = $tls_dir/stunnel.pid
output = $tls_dir/stunnel.log
foreground = no
[redis]
client = yes
accept = 127.0.0.1:$REDIS_TLS_CLIENT_PORT
connect = 127.0.0.1:$REDIS_TLS_PORT
CAfile = $tls_dir/ca.pem
verifyChain = yes
checkIP = 127.0.0.1
CONF
  stunnel "$tls_dir/stunnel.conf" || die "stunnel did not start; see $tls_dir/stunnel.log"
  for _ in $(seq 50); do stunnel_up && break; sleep 0.1; done
  stunnel_up || die "stunnel did not start; see $tls_dir/stunnel.log"
}

stunnel_stop() {
  if stunnel_up; then kill "$(cat "$tls_dir/stunnel.pid")" 2>/dev/null || true; fi
}
