# shellcheck shell=bash
# Redis, and the optional Prometheus.
# Sourced by deploy/local/services (its settings and helpers are in scope).
# shellcheck disable=SC2154
# ------------------------------------------------------------------- Redis
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; }

redis_tls_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get tls-port 2>/dev/null | tail -n 1)" = "$REDIS_TLS_PORT" ]; }

redis_start() {
  if redis_up && { ! tls_on || redis_tls_up; }; then
    say "redis      already running"
  else
    if redis_up; then redis_stop >/dev/null; fi  # running without the TLS port asked for
    mkdir -p "$data/redis"
    local tls_args=()
    if tls_on; then
      tls_args=(--tls-port "$REDIS_TLS_PORT" --tls-cert-file "$tls_dir/server.pem" --tls-key-file "$tls_dir/server.key"
        --tls-ca-cert-file "$tls_dir/ca.pem" --tls-auth-clients no)
    fi
    # A cache, never the only copy: no persistence needed. The runtime's
    # ACL user may not administer the server or run what is dangerous
    # (FLUSHDB excepted: the tests' disposable databases are flushed).
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$data/redis" \
      --daemonize yes --pidfile "$data/redis/redis.pid" --logfile "$data/redis/redis.log" \
      --save "" --appendonly no "${tls_args[@]}" \
      --user "$REDIS_USER" on ">$REDIS_PASS" "~*" "&*" +@all -@admin -@dangerous +flushdb >/dev/null
    for _ in $(seq 50); do redis_up && break; sleep 0.1; done
    redis_up || die "redis did not start; see $data/redis/redis.log"
    say "redis      started"
  fi
  if tls_on; then stunnel_start; fi
}

redis_stop() {
  stunnel_stop
  if redis_up; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  say "redis      stopped"
}

# -------------------------------------------------------------- Prometheus
# Optional (`start prometheus`): scrapes the demo's workers and API and
# RabbitMQ with deploy/observability/prometheus.yml and its alert rules.
prom_up() { curl -fs "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1; }

prom_start() {
  if prom_up; then say "prometheus already running"; return; fi
  if ! command -v prometheus >/dev/null; then
    [ "$(id -u)" = 0 ] || die "prometheus is not installed; run as root or apt-get install prometheus"
    apt-get install -y -qq prometheus >/dev/null
  fi
  mkdir -p "$data/prometheus"
  setsid nohup prometheus --config.file="$root/deploy/observability/prometheus.yml" \
    --storage.tsdb.path="$data/prometheus" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    >"$data/prometheus/prometheus.log" 2>&1 < /dev/null &
  echo $! > "$data/prometheus/prometheus.pid"
  for _ in $(seq 100); do prom_up && break; sleep 0.2; done
  prom_up || die "prometheus did not start; see $data/prometheus/prometheus.log"
  say "prometheus started  http://127.0.0.1:$PROMETHEUS_PORT"
}

prom_stop() {
  if [ -f "$data/prometheus/prometheus.pid" ]; then
    kill "$(cat "$data/prometheus/prometheus.pid")" 2>/dev/null || true
    rm -f "$data/prometheus/prometheus.pid"
  fi
  say "prometheus stopped"
}
