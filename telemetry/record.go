package telemetry

// Record describes one request whose reply was handed to the socket. The
// event loop fills it from the actors.Request and actors.Reply and passes it
// to (*Telemetry).RequestDone. Timestamps are monotonic ns from Now; a stamp
// the request never reached (a request rejected before any actor saw it)
// is 0.
type Record struct {
	ReqID    uint64 // req_id from the wire
	Actor    int    // actor that produced the reply; -1 when none did
	Bytes    int    // request payload bytes (the document)
	BytesOut int    // reply frame bytes written to the socket
	Status   uint32 // 0 ok, else the proto error code of the reply
	Origin   uint8  // 1 primary, 2 hedge (0 when no actor replied)
	Hedged   bool   // a hedge was sent for this request

	TInStart    int64 // first byte of the request frame read
	TInDone     int64 // whole frame read and decoded
	TProcStart  int64 // winning actor started lexing
	THedgeFire  int64 // hedge sent (0 unless Hedged)
	TFirstReply int64 // first completion (the winner's)
	TReplyReady int64 // reply handed to the socket
}

// LatencyNs is the request's service latency: from the first byte read to
// the reply handed to the socket, in ns (0 when the stamps are missing or
// out of order).
func (r *Record) LatencyNs() int64 {
	if r.TInStart <= 0 || r.TReplyReady < r.TInStart {
		return 0
	}
	return r.TReplyReady - r.TInStart
}

// answered reports whether an actor answered r: it has the processing
// stamps. Only such requests enter the tail CSV; requests answered without
// lexing (rejections, cancels before an actor started, frame errors) are
// counted in the metrics only. The stamps are not checked for order here:
// a wrongly stamped request must reach the CSV so that the gate sees it.
func (r *Record) answered() bool {
	return r.TProcStart != 0 && r.TFirstReply != 0
}
