// Package bench loads a running l0d over its wire protocol and checks every
// reply.
//
// Three load shapes are provided: keep-alive (C persistent connections, each
// with one request in flight), one-shot (a new connection per request) and
// open loop (requests sent on a fixed schedule whatever the replies, latency
// measured from the intended send time so that a slow server cannot hide its
// queueing delay). Soak repeats keep-alive rounds while watching the server's
// RSS and open descriptors, and Chaos cycles runtime faults under pipelined
// load while counting replies per request.
//
// Every reply is checked against the document lexed locally: status 0 and
// the same token count. Anything else (wrong count, error status, error
// frame, timeout, lost, duplicated or unexpected reply) is an error.
//
// The hot loops use raw frames in preallocated buffers and do not allocate.
package bench
