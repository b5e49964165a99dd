package proto

import (
	"encoding/binary"
	"fmt"

	"l0lex/kernel"
)

// AppendFullResult appends a complete type-4 frame carrying r (for servers
// and test doubles that hold a decoded result rather than an arena). Each
// distinct name is defined once. It fails on a token that the layout cannot
// carry (a character with a printed catcode outside 1..19, a code point of
// 21 bits or more, a control sequence with a catcode or code).
func AppendFullResult(dst []byte, reqID uint64, r *FullResult) ([]byte, error) {
	start := len(dst)
	dst = AppendHeader(dst, Header{Type: TypeReplyFull, ReqID: reqID})
	dst = append(dst, FullVersion, r.Origin, byte(len(cut255(r.Kernel))))
	dst = append(dst, cut255(r.Kernel)...)
	counts := len(dst)
	for _, v := range []uint32{r.DocLen, uint32(len(r.Tokens)), 0, uint32(len(r.Issues)), r.Dropped, 0} {
		dst = binary.BigEndian.AppendUint32(dst, v)
	}
	tokStart := len(dst)
	dict := make(map[string]uint32)
	var prevEnd int64
	for i, t := range r.Tokens {
		tagAt := len(dst)
		tag, ok := wireCat(t.Kind, t.Cat)
		if !ok || (t.Kind == kernel.KindControl && t.Code != 0) || (t.Kind != kernel.KindControl && (t.Code >= codeLimit || t.Name != "")) {
			return dst[:start], fmt.Errorf("cannot encode token %d: %s with cat %d code %#x", i, t.Kind, t.Cat, t.Code)
		}
		var def uint32
		dst = append(dst, tag)
		if t.Kind == kernel.KindControl {
			if idx, ok := dict[t.Name]; ok {
				dst = binary.AppendUvarint(dst, uint64(idx)+1)
			} else {
				dict[t.Name] = uint32(len(dict))
				dst = append(dst, 0)
				dst = binary.AppendUvarint(dst, uint64(len(t.Name)))
				dst = append(dst, t.Name...)
			}
			def = 1 + uint32(len(t.Name))
		} else {
			dst = binary.AppendUvarint(dst, uint64(t.Code))
			def = uint32(kernel.UTF8Len(t.Code))
		}
		if gap := int64(t.Off) - prevEnd; gap != 0 {
			tag |= tagGap
			dst = binary.AppendVarint(dst, gap)
		}
		if t.Len != def {
			tag |= tagLen
			dst = binary.AppendUvarint(dst, uint64(t.Len))
		}
		dst[tagAt] = tag
		prevEnd = int64(t.Off) + int64(t.Len)
	}
	binary.BigEndian.PutUint32(dst[counts+8:], uint32(len(dict)))
	binary.BigEndian.PutUint32(dst[counts+20:], uint32(len(dst)-tokStart))
	for _, is := range r.Issues {
		dst = binary.BigEndian.AppendUint16(dst, uint16(is.Code))
		dst = append(dst, byte(is.Severity), 0)
		for _, v := range []uint32{is.Off, is.Line, is.Col, is.Arg} {
			dst = binary.BigEndian.AppendUint32(dst, v)
		}
	}
	if uint64(len(dst)-start-HeaderLen) > MaxPayload {
		return dst[:start], fmt.Errorf("cannot encode full result: payload of %d bytes over a frame's maximum", len(dst)-start-HeaderLen)
	}
	binary.BigEndian.PutUint32(dst[start+12:], uint32(len(dst)-start-HeaderLen))
	return dst, nil
}
