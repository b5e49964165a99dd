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
