# shellcheck shell=bash
# RabbitMQ: the single node, the three-node cluster, and the faults the tests cause in it.
# Sourced by deploy/local/services (its settings and helpers are in scope).
# shellcheck disable=SC2154
# ---------------------------------------------------------------- RabbitMQ
# One function set serves the single node and each cluster node; a node is
# "single" or 1, 2, 3.
# Cluster nodes are named by their AMQP port: node names are unique per
# machine (epmd), and a test's cluster runs beside a developer's.
node_name() { [ "$1" = single ] && echo flexfin@localhost || echo "flexfin-$((CLUSTER_AMQP_PORT + $1))@localhost"; }
node_dir() { [ "$1" = single ] && echo "$data/rabbitmq" || echo "$data/cluster/node-$1"; }
node_amqp_port() { [ "$1" = single ] && echo "$AMQP_PORT" || echo $((CLUSTER_AMQP_PORT + $1)); }
node_mgmt_port() { [ "$1" = single ] && echo "$AMQP_MGMT_PORT" || echo $((CLUSTER_MGMT_PORT + $1)); }

rabbit_env() {
  local node=$1 dir; dir=$(node_dir "$1")
  # HOME holds the Erlang cookie: the cluster's nodes share theirs.
  if [ "$node" = single ]; then export HOME=$dir; else export HOME=$data/cluster; fi
  RABBITMQ_NODENAME=$(node_name "$node"); export RABBITMQ_NODENAME
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  RABBITMQ_NODE_PORT=$(node_amqp_port "$node"); export RABBITMQ_NODE_PORT
  if [ "$node" = single ]; then export RABBITMQ_DIST_PORT=$AMQP_DIST_PORT
  else export RABBITMQ_DIST_PORT=$((CLUSTER_DIST_PORT + node)); fi
  export RABBITMQ_MNESIA_BASE=$dir/mnesia
  export RABBITMQ_LOG_BASE=$dir/log
  export RABBITMQ_CONFIG_FILE=$dir/rabbitmq
  export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins
  export RABBITMQ_PID_FILE=$dir/rabbit.pid
  # A failed start writes a crash dump to the working directory otherwise.
  export ERL_CRASH_DUMP=$dir/log/erl_crash.dump
  export ERL_EPMD_ADDRESS=127.0.0.1
  # Idle schedulers sleep instead of spinning: PostgreSQL, Redis and the
  # workers share the machine's cores with the broker (with the cluster,
  # four nodes do), and a spinning scheduler takes CPU they need.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+sbwt none +sbwtdcpu none +sbwtdio none"
}

node_ctl() { local node=$1; shift; ( rabbit_env "$node"; "$RABBIT_BIN/rabbitmqctl" -n "$(node_name "$node")" "$@" ); }
rabbitmqctl_() { node_ctl single "$@"; }
node_up() { node_ctl "$1" -q status >/dev/null 2>&1; }

node_launch() {
  local node=$1 dir; dir=$(node_dir "$1")
  mkdir -p "$dir/log" "$dir/mnesia"
  {
    echo "listeners.tcp.default = 127.0.0.1:$(node_amqp_port "$node")"
    echo "management.tcp.ip = 127.0.0.1"
    echo "management.tcp.port = $(node_mgmt_port "$node")"
    if [ "$node" = single ]; then
      echo "prometheus.tcp.ip = 127.0.0.1"
      echo "prometheus.tcp.port = $AMQP_PROMETHEUS_PORT"
    else
      # RabbitMQ's own peer discovery: a fresh node joins the listed ones
      # that run (node 1 starts first and forms the cluster).
      echo "cluster_formation.peer_discovery_backend = classic_config"
      local peer; for peer in 1 2 3; do echo "cluster_formation.classic_config.nodes.$peer = $(node_name $peer)"; done
      # A node cut off from the other two stops serving (closing its
      # clients' connections, so they fail over) until it sees them again.
      echo "cluster_partition_handling = pause_minority"
    fi
    if [ "$node" = single ] && tls_on; then
      cat <<CONF
listeners.ssl.default = 127.0.0.1:$AMQP_TLS_PORT
ssl_options.cacertfile = $tls_dir/ca.pem
ssl_options.certfile = $tls_dir/server.pem
ssl_options.keyfile = $tls_dir/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
management.ssl.ip = 127.0.0.1
management.ssl.port = $AMQP_MGMT_TLS_PORT
management.ssl.cacertfile = $tls_dir/ca.pem
management.ssl.certfile = $tls_dir/server.pem
management.ssl.keyfile = $tls_dir/server.key
CONF
    fi
    cat <<CONF
default_user = $AMQP_USER
default_pass = $AMQP_PASS
default_vhost = $AMQP_VHOST
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
loopback_users = none
CONF
  } > "$dir/rabbitmq.conf"
  if [ "$node" = single ]; then echo '[rabbitmq_management,rabbitmq_prometheus].' > "$dir/enabled_plugins"
  else echo '[rabbitmq_management].' > "$dir/enabled_plugins"; fi
  ( rabbit_env "$node"; setsid nohup "$RABBIT_BIN/rabbitmq-server" >"$dir/log/stdout.log" 2>&1 < /dev/null & )
}

node_await() {
  # The node registers with epmd only after a while; until then
  # await_startup fails at once, so ask again until the deadline.
  local node=$1 deadline=$((SECONDS + 180))
  until node_ctl "$node" -q await_startup --timeout 10 >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "rabbitmq node $(node_name "$node") did not start; see $(node_dir "$node")/log"
    sleep 1
  done
}

# The runtime's users (`flexfin topology apply` gives them their rights in
# a vhost): locally, the configuring user's password, so each URL differs
# by its user only. The API and the operator read queue depths through the
# management API (monitoring); the workers never log in to it.
node_ensure_users() {
  local node=$1 user present
  present=$(node_ctl "$node" -q list_users 2>/dev/null | awk '{print $1}')
  for user in flexfin_worker flexfin_api flexfin_operator; do
    if ! grep -qx "$user" <<<"$present"; then node_ctl "$node" -q add_user "$user" "$AMQP_PASS" >/dev/null; fi
  done
  node_ctl "$node" -q set_user_tags flexfin_api monitoring >/dev/null
  node_ctl "$node" -q set_user_tags flexfin_operator monitoring >/dev/null
}

rabbit_tls_up() { (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_TLS_PORT") 2>/dev/null; }

rabbit_start() {
  if node_up single && { ! tls_on || rabbit_tls_up; }; then say "rabbitmq   already running"; node_ensure_users single; return; fi
  if node_up single; then rabbit_stop >/dev/null; fi  # running without the TLS listener asked for
  node_launch single; node_await single; node_ensure_users single
  say "rabbitmq   started"
}

rabbit_stop() {
  if node_up single; then node_ctl single -q shutdown >/dev/null 2>&1 || true; fi
  say "rabbitmq   stopped"
}

# The cluster: node 1 first, so that 2 and 3 find a cluster to join rather
# than forming their own; later starts (a node brought back) just rejoin.
cluster_cookie() {
  mkdir -p "$data/cluster"
  [ -f "$data/cluster/.erlang.cookie" ] || { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$data/cluster/.erlang.cookie"; }
  chmod 400 "$data/cluster/.erlang.cookie"
}

cluster_start() {
  cluster_cookie
  local fresh=1 launched=() n
  [ -f "$data/cluster/formed" ] && fresh=0
  for n in 1 2 3; do
    if node_up "$n"; then continue; fi
    node_launch "$n"; launched+=("$n")
    # Fresh nodes start one by one: only a node that finds no running peer
    # forms a cluster, and two joining at once can race. Nodes that were
    # clustered before start together, since each waits for its peers.
    if [ $fresh = 1 ]; then node_await $n; node_ensure_member $n; fi
  done
  for n in "${launched[@]}"; do node_await "$n"; done
  for n in 2 3; do node_ensure_member $n; done
  local deadline=$((SECONDS + 120))
  until [ "$(node_ctl 1 -q eval "length(rabbit_mnesia:cluster_nodes(running))." 2>/dev/null)" = 3 ]; do
    [ $SECONDS -lt $deadline ] || die "the cluster's three nodes are not all running; see $data/cluster/node-*/log"
    sleep 1
  done
  touch "$data/cluster/formed"
  node_ensure_users 1
  say "cluster    running  amqp 127.0.0.1:$((CLUSTER_AMQP_PORT + 1))-$((CLUSTER_AMQP_PORT + 3))"
}

# Peer discovery gives up on a peer that is slow to answer (a loaded
# machine) and the node then runs standalone, healthy to every probe but
# not in the cluster. Such a node (whose cluster is itself alone) is joined
# to node 1 by hand; a member is never reset.
node_member() {
  [ "$(node_ctl "$1" -q eval "lists:member('$(node_name 1)', rabbit_mnesia:cluster_nodes(all))." 2>/dev/null)" = true ]
}
node_ensure_member() {
  local n=$1
  [ "$n" = 1 ] && return 0
  node_member "$n" && return 0
  say "rabbitmq-$n did not join the cluster by itself; joining it to $(node_name 1)"
  { node_ctl "$n" -q stop_app && node_ctl "$n" -q reset && node_ctl "$n" -q join_cluster "$(node_name 1)" \
    && node_ctl "$n" -q start_app; } >/dev/null 2>&1 || die "rabbitmq-$n could not join $(node_name 1); see $(node_dir "$n")/log"
  node_await "$n"
  node_member "$n" || die "rabbitmq-$n is not in the cluster after joining; see $(node_dir "$n")/log"
}

cluster_stop() {
  [ -d "$data/cluster" ] || return 0
  local n; for n in 3 2 1; do node_stop $n; done
}

node_start() {
  local n=$1
  cluster_cookie
  if node_up "$n"; then say "rabbitmq-$n already running"; return; fi
  node_launch "$n"; node_await "$n"
  say "rabbitmq-$n started"
}

node_stop() {
  if node_up "$1"; then node_ctl "$1" -q shutdown >/dev/null 2>&1 || true; fi
  # A node that would not answer (paused, mid-restart, cut off) is stopped
  # by its pid: its ports must be free for the next start.
  local pidfile pid; pidfile=$(node_dir "$1")/rabbit.pid
  if [ -s "$pidfile" ] && pid=$(cat "$pidfile") && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  say "rabbitmq-$1 stopped"
}

# A partition, for the fault tests: node N is cut off from the other two
# for SECONDS. The nodes talk over Erlang distribution, which needs a shared
# cookie: N takes another one and drops its links, so neither side can
# reconnect until N takes its own back. AMQP clients still reach N (the
# harder case: pause_minority must send them away).
node_partition() {
  local n=$1 seconds=$2
  [[ $seconds =~ ^[0-9]+$ ]] || die "partition needs a number of seconds"
  node_ctl "$n" -q eval "Cookie = erlang:get_cookie(), erlang:set_cookie(node(), 'flexfin-partitioned'),
    [erlang:disconnect_node(Peer) || Peer <- nodes()],
    {ok, _} = timer:apply_after($seconds * 1000, erlang, set_cookie, [node(), Cookie]), ok." >/dev/null \
    || die "rabbitmq-$n could not be partitioned"
  say "rabbitmq-$n cut off from the cluster for ${seconds} s"
}

# SIGKILL, for the fault tests: the node gets no chance to say goodbye.
node_kill() {
  local pidfile; pidfile=$(node_dir "$1")/rabbit.pid
  [ -s "$pidfile" ] || die "rabbitmq-$1 has no pid file ($pidfile)"
  kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  say "rabbitmq-$1 killed"
}
