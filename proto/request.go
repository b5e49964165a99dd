package proto

import (
	"encoding/binary"
	"fmt"
)

// LexPrefixLen is the size of the u32 doc_len prefix of a type-1 or type-3
// request payload.
const LexPrefixLen = 4

// LexDoc returns the document carried by a type-1 or type-3 request payload.
// The payload is u32 doc_len | doc; when its prefix does not match (fewer
// than 4 bytes, or doc_len != len(payload)-4) the whole payload is the
// document, as the older service read it. The result aliases payload.
func LexDoc(payload []byte) []byte {
	if len(payload) >= LexPrefixLen && uint64(be32(payload)) == uint64(len(payload)-LexPrefixLen) {
		return payload[LexPrefixLen:]
	}
	return payload
}

// AppendLexHead appends the header and the doc_len prefix of a lex request
// for a document of docLen bytes; the caller sends the document right after
// them (so that a large document need not be copied). typ must be TypeLex or
// TypeLexFull, and docLen at most MaxPayload-4.
func AppendLexHead(dst []byte, typ Type, reqID uint64, docLen int) ([]byte, error) {
	if typ != TypeLex && typ != TypeLexFull {
		return dst, fmt.Errorf("cannot encode lex request: type %d is not a lex request", uint32(typ))
	}
	if docLen < 0 || uint64(docLen) > MaxPayload-LexPrefixLen {
		return dst, fmt.Errorf("cannot encode lex request: document of %d bytes does not fit a frame", docLen)
	}
	dst = AppendHeader(dst, Header{Type: typ, ReqID: reqID, Len: uint32(LexPrefixLen + docLen)})
	return binary.BigEndian.AppendUint32(dst, uint32(docLen)), nil
}

// AppendLexRequest appends a complete lex request frame (type 1 or 3) for
// doc, with the doc_len prefix.
func AppendLexRequest(dst []byte, typ Type, reqID uint64, doc []byte) ([]byte, error) {
	dst, err := AppendLexHead(dst, typ, reqID, len(doc))
	if err != nil {
		return dst, err
	}
	return append(dst, doc...), nil
}

// AppendCancel appends a type-6 cancel frame for the request reqID.
func AppendCancel(dst []byte, reqID uint64) []byte {
	return AppendHeader(dst, Header{Type: TypeCancel, ReqID: reqID})
}

// AppendPing appends a type-7 ping frame.
func AppendPing(dst []byte, reqID uint64) []byte {
	return AppendHeader(dst, Header{Type: TypePing, ReqID: reqID})
}

// AppendFaultAck appends a type-10 frame acknowledging the fault control
// frame reqID (the fault was handed to the actors).
func AppendFaultAck(dst []byte, reqID uint64) []byte {
	return AppendHeader(dst, Header{Type: TypeFaultAck, ReqID: reqID})
}

// AppendFrame appends a frame of type typ with the given payload.
func AppendFrame(dst []byte, typ Type, reqID uint64, payload []byte) []byte {
	dst = AppendHeader(dst, Header{Type: typ, ReqID: reqID, Len: uint32(len(payload))})
	return append(dst, payload...)
}
