package proto

import (
	"encoding/binary"
	"fmt"
)

// Pong is the payload of a type-8 health reply.
type Pong struct {
	Version  string // server version, at most 255 bytes
	Kernel   string // active kernel path ("avx2", "purego", ...), at most 255 bytes
	Actors   uint32 // actors currently running
	Queued   uint32 // requests waiting in mailboxes
	UptimeMs uint64 // milliseconds since the server started
}

// pongFixed is the size of a pong payload without its two strings.
const pongFixed = 1 + 1 + 4 + 4 + 8

// AppendPong appends a complete type-8 frame answering the ping reqID.
// Strings longer than 255 bytes are cut.
//
//	u8 version_len | version | u8 kernel_len | kernel | u32 actors |
//	u32 queued | u64 uptime_ms
func AppendPong(dst []byte, reqID uint64, p Pong) []byte {
	v, k := cut255(p.Version), cut255(p.Kernel)
	dst = AppendHeader(dst, Header{Type: TypePong, ReqID: reqID, Len: uint32(pongFixed + len(v) + len(k))})
	dst = append(dst, byte(len(v)))
	dst = append(dst, v...)
	dst = append(dst, byte(len(k)))
	dst = append(dst, k...)
	dst = binary.BigEndian.AppendUint32(dst, p.Actors)
	dst = binary.BigEndian.AppendUint32(dst, p.Queued)
	return binary.BigEndian.AppendUint64(dst, p.UptimeMs)
}

func cut255(s string) string {
	if len(s) > 255 {
		return s[:255]
	}
	return s
}

// ParsePong decodes a type-8 payload. Bytes after the known fields are
// ignored (later versions may append fields).
func ParsePong(payload []byte) (Pong, error) {
	var p Pong
	b := payload
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return p, fmt.Errorf("cannot parse pong: version string cut short (%d bytes)", len(payload))
	}
	p.Version, b = string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return p, fmt.Errorf("cannot parse pong: kernel string cut short (%d bytes)", len(payload))
	}
	p.Kernel, b = string(b[1:1+int(b[0])]), b[1+int(b[0]):]
	if len(b) < 16 {
		return p, fmt.Errorf("cannot parse pong: counters cut short (%d bytes)", len(payload))
	}
	p.Actors = be32(b)
	p.Queued = be32(b[4:])
	p.UptimeMs = binary.BigEndian.Uint64(b[8:])
	return p, nil
}
