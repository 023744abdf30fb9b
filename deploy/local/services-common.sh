# shellcheck shell=bash
# The services' settings (ports, users, folders) and what every part uses:
# messages, running as the postgres user, installing what is missing.
# Sourced by deploy/local/services; the settings are read by the other parts.
# shellcheck disable=SC2034

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${FLEXFIN_DATA_DIR:-$root/.services}

AMQP_PORT=${FLEXFIN_AMQP_PORT:-5673}
AMQP_MGMT_PORT=${FLEXFIN_AMQP_MGMT_PORT:-15673}
AMQP_DIST_PORT=${FLEXFIN_AMQP_DIST_PORT:-25673}
AMQP_PROMETHEUS_PORT=${FLEXFIN_AMQP_PROMETHEUS_PORT:-15693}
PROMETHEUS_PORT=${FLEXFIN_PROMETHEUS_PORT:-9091}
PG_PORT=${FLEXFIN_PG_PORT:-5433}
PG_STANDBY_PORT=${FLEXFIN_PG_STANDBY_PORT:-5434}
# Node N of the cluster listens on these plus N (5681, 15681, 25681 for 1).
CLUSTER_AMQP_PORT=${FLEXFIN_CLUSTER_AMQP_PORT:-5680}
CLUSTER_MGMT_PORT=$((CLUSTER_AMQP_PORT + 10000))
CLUSTER_DIST_PORT=$((CLUSTER_AMQP_PORT + 20000))
REDIS_PORT=${FLEXFIN_REDIS_PORT:-6380}
# With `start --tls`, beside the plain ports: AMQPS, the management API over
# https, Redis's TLS port, and the stunnel client that hiredis reaches it by.
# PostgreSQL takes TLS on its one port.
AMQP_TLS_PORT=${FLEXFIN_AMQP_TLS_PORT:-5674}
AMQP_MGMT_TLS_PORT=${FLEXFIN_AMQP_MGMT_TLS_PORT:-15674}
REDIS_TLS_PORT=${FLEXFIN_REDIS_TLS_PORT:-6381}
REDIS_TLS_CLIENT_PORT=${FLEXFIN_REDIS_TLS_CLIENT_PORT:-6382}
AMQP_USER=flexfin AMQP_PASS=flexfin-local AMQP_VHOST=flexfin
PG_USER=flexfin PG_PASS=flexfin-local PG_DB=flexfin
# Redis's ACL user for the runtime (the default user stays for local tools).
REDIS_USER=flexfin REDIS_PASS=flexfin-local

PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
RABBIT_BIN=/usr/lib/rabbitmq/bin

say() { printf '%s\n' "$*"; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }

# Runs a command as the postgres user when we are root (PostgreSQL refuses
# root); as ourselves otherwise.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_missing() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || need+=(rabbitmq-server)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || need+=(postgresql)
  dpkg -s librabbitmq-dev >/dev/null 2>&1 || need+=(librabbitmq-dev)
  dpkg -s libpq-dev >/dev/null 2>&1 || need+=(libpq-dev)
  dpkg -s libhiredis-dev >/dev/null 2>&1 || need+=(libhiredis-dev)
  dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need+=(libcurl4-openssl-dev)
  command -v curl >/dev/null || need+=(curl)
  command -v stunnel >/dev/null || need+=(stunnel4)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${need[*]}); run as root or apt-get install them"
  say "installing: ${need[*]}"
  # The Debian packages try to start their system-wide services; we run our
  # own instances, so forbid that during the install.
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy
    # shellcheck disable=SC2064 # the path is fixed: expanded now on purpose
    trap "rm -f $policy" RETURN
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin | sort -V | tail -n 1)
}
