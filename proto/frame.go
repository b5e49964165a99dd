// Package proto is l0lex's wire protocol: length-prefixed binary frames over
// a stream socket. See docs/protocol.md.
package proto

import "encoding/binary"

// HeaderLen is the size of every frame header:
// u32 type | u64 req_id | u32 payload_len, all big-endian.
const HeaderLen = 16

// Type is a frame type.
type Type uint32

// Frame types. 1 and 2 are the older service's and keep their meaning.
const (
	TypeLex       Type = 1 // request: u32 doc_len | doc (or the whole payload is the doc)
	TypeReply     Type = 2 // reply: u32 status | u32 n_tokens | u32 n_issues | u8 origin
	TypeLexFull   Type = 3 // request for the full result (tokens with spans, issues)
	TypeReplyFull Type = 4 // reply with the full result
	TypeError     Type = 5 // error: u32 code | UTF-8 message
	TypeCancel    Type = 6 // client cancels the request with this req_id (no payload)
	TypePing      Type = 7 // health request (no payload)
	TypePong      Type = 8 // health reply
	TypeFault     Type = 9 // fault-injection control (only with L0_FAULT_CONTROL=1)
	TypeFaultAck  Type = 10
)

// Header is a decoded frame header.
type Header struct {
	Type  Type
	ReqID uint64
	Len   uint32
}

// ParseHeader decodes the first HeaderLen bytes of b.
func ParseHeader(b []byte) Header {
	_ = b[HeaderLen-1]
	return Header{
		Type:  Type(binary.BigEndian.Uint32(b[0:4])),
		ReqID: binary.BigEndian.Uint64(b[4:12]),
		Len:   binary.BigEndian.Uint32(b[12:16]),
	}
}

// AppendHeader appends h's encoding to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.Type))
	dst = binary.BigEndian.AppendUint64(dst, h.ReqID)
	return binary.BigEndian.AppendUint32(dst, h.Len)
}

// ReplyLen is the payload size of a type-2 reply.
const ReplyLen = 13

// Reply is the payload of a type-2 reply frame.
type Reply struct {
	Status  uint32 // 0 ok, else an ErrCode
	NTokens uint32
	NIssues uint32
	Origin  uint8 // OriginPrimary or OriginHedge
}

// Origins of a reply.
const (
	OriginPrimary uint8 = 1
	OriginHedge   uint8 = 2
)

// AppendReply appends a complete type-2 reply frame to dst.
func AppendReply(dst []byte, reqID uint64, r Reply) []byte {
	dst = AppendHeader(dst, Header{Type: TypeReply, ReqID: reqID, Len: ReplyLen})
	dst = binary.BigEndian.AppendUint32(dst, r.Status)
	dst = binary.BigEndian.AppendUint32(dst, r.NTokens)
	dst = binary.BigEndian.AppendUint32(dst, r.NIssues)
	return append(dst, r.Origin)
}

// ErrCode is the code of an error frame (type 5) or the status of a reply.
type ErrCode uint32

// Error codes. Stable: documented in docs/protocol.md.
const (
	ErrBadFrame     ErrCode = 1 // malformed frame or payload
	ErrUnknownType  ErrCode = 2 // frame type the server does not accept
	ErrTooLarge     ErrCode = 3 // payload over the server's maximum request size
	ErrBusy         ErrCode = 4 // every mailbox full or too many bytes in flight
	ErrCancelled    ErrCode = 5 // cancelled by the client (or lost a hedge race)
	ErrInternal     ErrCode = 6 // the request failed twice inside the server
	ErrShuttingDown ErrCode = 7 // the server is draining
	ErrForbidden    ErrCode = 8 // control frame while fault control is disabled
)

// AppendError appends a complete type-5 error frame to dst.
func AppendError(dst []byte, reqID uint64, code ErrCode, msg string) []byte {
	dst = AppendHeader(dst, Header{Type: TypeError, ReqID: reqID, Len: uint32(4 + len(msg))})
	dst = binary.BigEndian.AppendUint32(dst, uint32(code))
	return append(dst, msg...)
}
