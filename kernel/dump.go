package kernel

import (
	"io"
	"strconv"
)

// AppendDump appends the tokens of the last lexed document to dst in the
// format of the texdump oracle, one token per line: "c CAT CODE" for a
// character (printed catcode and code point in decimal), "a CODE" for an
// active character, "s NAME" for a control sequence, where NAME keeps the
// bytes A-Z a-z 0-9 and writes every other byte as %XX (uppercase hex).
func (a *Arena) AppendDump(dst []byte) []byte {
	a.mustHaveTokens()
	for i := 0; i < a.N; i++ {
		dst = a.appendToken(dst, i)
	}
	return dst
}

// appendToken appends token i in the dump format, with its newline.
func (a *Arena) appendToken(dst []byte, i int) []byte {
	v := a.Val[i]
	switch ValKind(v) {
	case KindChar:
		dst = append(dst, 'c', ' ')
		dst = strconv.AppendUint(dst, uint64(ValCat(v)), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(ValCode(v)), 10)
	case KindActive:
		dst = append(dst, 'a', ' ')
		dst = strconv.AppendUint(dst, uint64(ValCode(v)), 10)
	default:
		dst = append(dst, 's', ' ')
		dst = AppendEscapedName(dst, a.name(i)) // AppendDump and WriteDump checked the tokens
	}
	return append(dst, '\n')
}

// AppendEscapedName appends name as the oracle prints it: A-Z a-z 0-9 kept,
// every other byte %XX in uppercase hex.
func AppendEscapedName(dst, name []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, b := range name {
		if isLetterByte(b) || b-'0' < 10 {
			dst = append(dst, b)
		} else {
			dst = append(dst, '%', hex[b>>4], hex[b&15])
		}
	}
	return dst
}

// WriteDump writes the dump of AppendDump to w in chunks of about 64 KiB.
func (a *Arena) WriteDump(w io.Writer) error {
	a.mustHaveTokens()
	buf := make([]byte, 0, 1<<16+256)
	for i := 0; i < a.N; i++ {
		buf = a.appendToken(buf, i)
		if len(buf) >= 1<<16 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
