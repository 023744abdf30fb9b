#ifndef FLEXFIN_CRABBITMQ_SHIM_H
#define FLEXFIN_CRABBITMQ_SHIM_H
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

// amqp_login_with_properties is variadic, which Swift cannot call: a
// fixed-argument PLAIN login that also sends client properties (the
// connection's name, shown in the management UI).
static inline amqp_rpc_reply_t flexfin_amqp_login_plain(
    amqp_connection_state_t state, const char *vhost, int channel_max,
    int frame_max, int heartbeat, const amqp_table_t *client_properties,
    const char *user, const char *password) {
  return amqp_login_with_properties(state, vhost, channel_max, frame_max,
                                    heartbeat, client_properties,
                                    AMQP_SASL_METHOD_PLAIN, user, password);
}
#endif
