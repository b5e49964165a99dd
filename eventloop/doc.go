// Package eventloop is l0lex's reactor: a gnet v2 server on a Unix socket
// (and optionally loopback TCP) that decodes request frames inside gnet's
// OnTraffic callback, with no goroutine per request, and posts each request
// to the actor pool. Replies come back from actor goroutines through
// Request.Done and are written by that goroutine itself when nothing of the
// connection's output is queued, else queued in order for the connection's
// writer goroutine; gnet never buffers output (see output.go).
//
// Lifecycle of one request on a connection:
//
//  1. OnTraffic drains every complete frame buffered for the connection.
//     TInStart is the time the frame's first byte was read (tracked per
//     connection while a frame is partial), TInDone the time its payload
//     was copied into memory the request owns.
//  2. Lex requests go to Pool.Submit; cancel frames to Pool.Cancel; ping,
//     fault and malformed frames are answered on the event loop itself.
//  3. Done (called exactly once by the pool, from any goroutine) writes the
//     reply frame to the socket or queues it behind the connection's
//     output; the frame is left untouched until it is written whole, then
//     TReplyReady is stamped and the request is reported to telemetry.
//
// A peer that shuts down its write side (half-close) still receives every
// reply in flight and every frame queued before the connection is closed; a peer that disconnects
// has its in-flight requests cancelled (Pool.CancelConn). Frame-level errors
// (garbage, oversize) answer with an error frame and close that connection
// only.
package eventloop
