package bench

import (
	"encoding/binary"
	"fmt"
	"os"

	"l0lex/kernel"
	"l0lex/proto"
)

// Document is the document a load generator sends, with the token count the
// server must answer.
type Document struct {
	Src    []byte // the document
	Tokens uint32 // token count of Src lexed locally
	Issues uint32 // issue count of Src lexed locally (informational)
}

// LoadDocument reads path and lexes it once locally to learn the expected
// token count.
func LoadDocument(path string) (*Document, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load the bench document: %w", err)
	}
	return NewDocument(src)
}

// NewDocument lexes src once locally to learn the expected token count.
func NewDocument(src []byte) (*Document, error) {
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.Lex(a, src, nil); err != nil {
		return nil, fmt.Errorf("cannot lex the bench document locally: %w", err)
	}
	return &Document{Src: src, Tokens: uint32(a.N), Issues: uint32(len(a.Issues()))}, nil
}

// Size returns the document's length in bytes.
func (d *Document) Size() int { return len(d.Src) }

// requestFrame returns a complete type-1 request frame for d with req_id 0
// (patch it with setReqID): header, u32 doc_len, doc.
func (d *Document) requestFrame() []byte {
	n := 4 + len(d.Src)
	b := make([]byte, 0, proto.HeaderLen+n)
	b = proto.AppendHeader(b, proto.Header{Type: proto.TypeLex, Len: uint32(n)})
	b = binary.BigEndian.AppendUint32(b, uint32(len(d.Src)))
	return append(b, d.Src...)
}

// setReqID writes id into the req_id field of the frame starting at f[0].
func setReqID(f []byte, id uint64) { binary.BigEndian.PutUint64(f[4:12], id) }
