package proto

import "fmt"

// ParseReply decodes the 13-byte payload of a type-2 reply:
// u32 status | u32 n_tokens | u32 n_issues | u8 origin.
func ParseReply(payload []byte) (Reply, error) {
	if len(payload) != ReplyLen {
		return Reply{}, fmt.Errorf("cannot parse reply: payload is %d bytes, want %d", len(payload), ReplyLen)
	}
	return Reply{
		Status:  be32(payload[0:]),
		NTokens: be32(payload[4:]),
		NIssues: be32(payload[8:]),
		Origin:  payload[12],
	}, nil
}

// be32 reads a big-endian uint32 from the first 4 bytes of b.
func be32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
