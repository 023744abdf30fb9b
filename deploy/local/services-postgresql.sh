# shellcheck shell=bash
# PostgreSQL: the primary and its synchronous standby.
# Sourced by deploy/local/services (its settings and helpers are in scope).
# shellcheck disable=SC2154
# -------------------------------------------------------------- PostgreSQL
pg_dir=$data/postgres
pg_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

# The application role and database; run on every start (idempotent), so a
# data folder made by an older script gets what this one grants.
pg_ensure_role() {
  if [ ! -S "$pg_dir/.s.PGSQL.$PG_PORT" ]; then
    say "postgresql on port $PG_PORT was not started from $data; leaving its roles as they are"
    return
  fi
  as_pg "$PG_BIN/psql" -q -h "$pg_dir" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT 'CREATE ROLE $PG_USER LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
ALTER ROLE $PG_USER PASSWORD '$PG_PASS' CREATEDB;  -- CREATEDB: tests migrate throwaway databases
-- Every session's statistics, encryption included (the TLS test checks each).
GRANT pg_read_all_stats TO $PG_USER;
-- The runtime's roles (migration 0027 grants them their rights): locally,
-- logins with the owner's password, so each URL differs by its user only.
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['flexfin_worker', 'flexfin_api', 'flexfin_operator']) AS r
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE flexfin_worker LOGIN PASSWORD '$PG_PASS';
ALTER ROLE flexfin_api LOGIN PASSWORD '$PG_PASS';
ALTER ROLE flexfin_operator LOGIN PASSWORD '$PG_PASS';
-- Byte-order collation: every key is an id, and C compares with memcmp
-- instead of strcoll (seen in profiles of the payments pipeline).
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER TEMPLATE template0 ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C.UTF-8''' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
SQL
}

pg_tls_up() { [ "$(as_pg "$PG_BIN/psql" -qAt -h "$pg_dir" -p "$PG_PORT" -U postgres -d postgres -c 'SHOW ssl' 2>/dev/null)" = on ]; }

pg_start() {
  if pg_up && { ! tls_on || pg_tls_up; }; then say "postgresql already running"; pg_ensure_role; return; fi
  if pg_up; then pg_stop >/dev/null; fi  # running without the TLS asked for
  mkdir -p "$pg_dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_dir"; chmod 700 "$pg_dir"
    as_pg test -w "$pg_dir" || die "the postgres user cannot reach $pg_dir (a parent folder lacks o+x); set FLEXFIN_DATA_DIR"
  fi
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$pg_dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pg_dir'
max_connections = 200
shared_buffers = 256MB
CONF
  fi
  # TLS on the one port, by option rather than in postgresql.conf, so a
  # start without --tls runs without it. The key must be the server's own.
  local options=""
  if tls_on; then
    cp "$tls_dir/server.key" "$pg_dir/server.key"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$pg_dir/server.key"; fi
    chmod 600 "$pg_dir/server.key"
    options="-c ssl=on -c ssl_cert_file=$tls_dir/server.pem -c ssl_key_file=$pg_dir/server.key"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -o "$options" start >/dev/null \
    || die "postgresql did not start; see $pg_dir/server.log"
  pg_ensure_role
  say "postgresql started"
}

pg_stop() {
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  say "postgresql stopped"
}

# ------------------------------------------------- PostgreSQL standby
# A streaming replica of the primary above, and synchronous: the primary
# acknowledges a commit only once the standby has it on disk, so promoting
# the standby loses no acknowledged commit. The price: while the standby is
# away the primary's commits wait (`stop standby` makes the primary
# asynchronous first).
standby_dir=$data/postgres-standby
standby_name=flexfin_standby
standby_up() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_STANDBY_PORT"; }
primary_sql() { as_pg "$PG_BIN/psql" -qAt -h "$pg_dir" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1"; }

standby_start() {
  if standby_up; then say "standby    already running"; return; fi
  pg_up || die "the standby replicates the primary: start postgresql first"
  mkdir -p "$standby_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$standby_dir"; chmod 700 "$standby_dir"; fi
  if [ ! -f "$standby_dir/data/PG_VERSION" ]; then
    # A copy of the primary that follows its WAL (-R: standby.signal and
    # primary_conninfo), over the primary's socket as its superuser.
    as_pg "$PG_BIN/pg_basebackup" -D "$standby_dir/data" -h "$pg_dir" -p "$PG_PORT" -U postgres -R -X stream -c fast \
      || die "pg_basebackup from the primary failed"
    # Later lines win: its own port and socket, and no synchronous standby
    # of its own once promoted (it has none).
    cat >> "$standby_dir/data/postgresql.auto.conf" <<CONF
port = $PG_STANDBY_PORT
unix_socket_directories = '$standby_dir'
synchronous_standby_names = ''
primary_conninfo = 'host=$pg_dir port=$PG_PORT user=postgres application_name=$standby_name'
CONF
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$standby_dir/data" -l "$standby_dir/server.log" -w -t 60 start >/dev/null \
    || die "the standby did not start; see $standby_dir/server.log"
  if [ -f "$standby_dir/data/standby.signal" ]; then
    primary_sql "ALTER SYSTEM SET synchronous_standby_names = '$standby_name'" && primary_sql "SELECT pg_reload_conf()" >/dev/null
    # Synchronous once it has caught up and the primary says so.
    local deadline=$((SECONDS + 60))
    until [ "$(primary_sql "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$standby_name'")" = sync ]; do
      [ $SECONDS -lt $deadline ] || die "the standby did not become synchronous; see $standby_dir/server.log"
      sleep 0.2
    done
    say "standby    started  127.0.0.1:$PG_STANDBY_PORT, synchronous"
  else
    say "standby    started  127.0.0.1:$PG_STANDBY_PORT, promoted: a primary"
  fi
}

standby_stop() {
  [ -d "$standby_dir" ] || return 0
  # The primary must not wait for a standby that is going away.
  if pg_up && primary_sql "ALTER SYSTEM RESET synchronous_standby_names"; then primary_sql "SELECT pg_reload_conf()" >/dev/null || true; fi
  if [ -f "$standby_dir/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$standby_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  say "standby    stopped"
}

# Failover: the standby becomes a primary. Run it once the old primary is
# stopped; clients with target_session_attrs=read-write then find it.
standby_promote() {
  standby_up || die "the standby is not running"
  as_pg "$PG_BIN/pg_ctl" -D "$standby_dir/data" -w -t 60 promote >/dev/null || die "promotion failed; see $standby_dir/server.log"
  say "standby    promoted: the primary now, 127.0.0.1:$PG_STANDBY_PORT"
}
