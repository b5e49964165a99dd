package proto

import (
	"strconv"

	"l0lex/kernel"
)

// AppendDump appends r's tokens in the texdump oracle's format (the format
// of kernel.Arena.AppendDump), one per line: "c CAT CODE", "a CODE" or
// "s NAME" with NAME escaped by kernel.AppendEscapedName.
func (r *FullResult) AppendDump(dst []byte) []byte {
	for _, t := range r.Tokens {
		dst = t.AppendDump(dst)
	}
	return dst
}

// AppendDump appends one dump line for t, with its newline.
func (t Token) AppendDump(dst []byte) []byte {
	switch t.Kind {
	case kernel.KindControl:
		dst = append(dst, 's', ' ')
		dst = kernel.AppendEscapedName(dst, []byte(t.Name))
	case kernel.KindActive:
		dst = append(dst, 'a', ' ')
		dst = strconv.AppendUint(dst, uint64(t.Code), 10)
	default:
		dst = append(dst, 'c', ' ')
		dst = strconv.AppendUint(dst, uint64(t.Cat), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(t.Code), 10)
	}
	return append(dst, '\n')
}
