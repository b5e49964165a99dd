package proto

import (
	"encoding/binary"
	"errors"
	"fmt"

	"l0lex/kernel"
)

// Token is one token of a full result.
type Token struct {
	Kind kernel.Kind
	Cat  uint32 // printed catcode as LuaTeX shows it (0 control sequence, 13 active; 1..19 char)
	Code uint32 // code point of a character or active character
	Name string // name of a control sequence (its bytes; may be invalid UTF-8)
	Off  uint32 // byte offset of the token's first source byte
	Len  uint32 // number of source bytes it was read from
}

// Issue is one issue of a full result.
type Issue struct {
	Code     kernel.IssueCode
	Severity kernel.Severity
	Off      uint32
	Line     uint32 // 1-based
	Col      uint32 // 1-based, in bytes
	Arg      uint32
}

// FullResult is a decoded type-4 reply.
type FullResult struct {
	Origin  uint8  // OriginPrimary or OriginHedge
	Kernel  string // kernel path that lexed the document
	DocLen  uint32 // bytes of the document
	Tokens  []Token
	Issues  []Issue
	Dropped uint32 // issues counted by the server but not sent
	Names   uint32 // name-dictionary entries the reply defined
}

// errShort is wrapped by every "cut short" parse error.
var errShort = errors.New("payload cut short")

// fullReader walks a type-4 payload.
type fullReader struct {
	b   []byte
	pos int
}

func (r *fullReader) u8() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errShort
	}
	r.pos++
	return r.b[r.pos-1], nil
}

func (r *fullReader) u32() (uint32, error) {
	if len(r.b)-r.pos < 4 {
		return 0, errShort
	}
	r.pos += 4
	return be32(r.b[r.pos-4:]), nil
}

func (r *fullReader) bytes(n uint64) ([]byte, error) {
	if uint64(len(r.b)-r.pos) < n {
		return nil, errShort
	}
	r.pos += int(n)
	return r.b[r.pos-int(n) : r.pos], nil
}

// uvarint reads a minimally encoded LEB128 value of at most 64 bits.
func (r *fullReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.pos:])
	if n == 0 {
		return 0, errShort
	}
	if n < 0 {
		return 0, errors.New("varint overflows 64 bits")
	}
	if n > 1 && r.b[r.pos+n-1] == 0 {
		return 0, errors.New("varint not minimally encoded")
	}
	r.pos += n
	return v, nil
}

func (r *fullReader) varint() (int64, error) {
	u, err := r.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// ParseFullReply decodes and checks a type-4 payload. Names in the result
// share one string allocation.
func ParseFullReply(payload []byte) (*FullResult, error) {
	res, err := parseFull(payload)
	if err != nil {
		return nil, fmt.Errorf("cannot parse full reply: %w", err)
	}
	return res, nil
}

func parseFull(payload []byte) (*FullResult, error) {
	r := &fullReader{b: payload}
	ver, err := r.u8()
	if err != nil {
		return nil, err
	}
	if ver != FullVersion {
		return nil, fmt.Errorf("layout version %d, want %d", ver, FullVersion)
	}
	res := &FullResult{}
	if res.Origin, err = r.u8(); err != nil {
		return nil, err
	}
	pl, err := r.u8()
	if err != nil {
		return nil, err
	}
	path, err := r.bytes(uint64(pl))
	if err != nil {
		return nil, err
	}
	res.Kernel = string(path)
	var nTok, nNames, nIssues, tokLen uint32
	for _, p := range []*uint32{&res.DocLen, &nTok, &nNames, &nIssues, &res.Dropped, &tokLen} {
		if *p, err = r.u32(); err != nil {
			return nil, err
		}
	}
	res.Names = nNames
	section, err := r.bytes(uint64(tokLen))
	if err != nil {
		return nil, fmt.Errorf("token section of %d bytes: %w", tokLen, err)
	}
	if uint64(len(payload)-r.pos) != uint64(nIssues)*IssueRecordLen {
		return nil, fmt.Errorf("%d bytes after the token section, want %d issues of %d bytes",
			len(payload)-r.pos, nIssues, IssueRecordLen)
	}
	issues := r.b[r.pos:]
	if nTok > tokLen/2 {
		return nil, fmt.Errorf("%d tokens cannot fit %d bytes (2 bytes at least each)", nTok, tokLen)
	}
	if res.Tokens, err = parseTokens(section, nTok, nNames); err != nil {
		return nil, err
	}
	res.Issues = make([]Issue, nIssues)
	for i := range res.Issues {
		b := issues[i*IssueRecordLen : (i+1)*IssueRecordLen]
		if b[3] != 0 {
			return nil, fmt.Errorf("issue %d: reserved byte is %d", i, b[3])
		}
		res.Issues[i] = Issue{
			Code:     kernel.IssueCode(binary.BigEndian.Uint16(b)),
			Severity: kernel.Severity(b[2]),
			Off:      be32(b[4:]), Line: be32(b[8:]), Col: be32(b[12:]), Arg: be32(b[16:]),
		}
	}
	return res, nil
}

// parseTokens decodes a token section holding exactly n tokens and defining
// exactly nNames names.
func parseTokens(section []byte, n, nNames uint32) ([]Token, error) {
	r := &fullReader{b: section}
	all := string(section) // names are substrings of this one copy
	type span struct{ start, end int }
	names := make([]span, 0, min(nNames, uint32(len(section)/3)))
	toks := make([]Token, n)
	var prevEnd int64
	for i := range toks {
		t := &toks[i]
		tag, err := r.u8()
		if err != nil {
			return nil, fmt.Errorf("token %d: %w", i, err)
		}
		if tag&tagReserved != 0 {
			return nil, fmt.Errorf("token %d: reserved tag bit set (tag %#x)", i, tag)
		}
		kind, cat, ok := printedCat(tag & tagCatMask)
		if !ok {
			return nil, fmt.Errorf("token %d: invalid cat field %d", i, tag&tagCatMask)
		}
		t.Kind = kind
		var def uint32
		if kind == kernel.KindControl {
			ref, err := r.uvarint()
			if err != nil {
				return nil, fmt.Errorf("token %d: name: %w", i, err)
			}
			var s span
			if ref == 0 {
				ln, err := r.uvarint()
				if err != nil {
					return nil, fmt.Errorf("token %d: name length: %w", i, err)
				}
				if _, err := r.bytes(ln); err != nil {
					return nil, fmt.Errorf("token %d: name of %d bytes: %w", i, ln, err)
				}
				s = span{r.pos - int(ln), r.pos}
				if uint32(len(names)) >= nNames {
					return nil, fmt.Errorf("token %d: defines more than the %d names announced", i, nNames)
				}
				names = append(names, s)
			} else {
				if ref > uint64(len(names)) {
					return nil, fmt.Errorf("token %d: name %d not defined yet (%d are)", i, ref-1, len(names))
				}
				s = names[ref-1]
			}
			t.Name = all[s.start:s.end]
			def = 1 + uint32(len(t.Name))
		} else {
			t.Cat = cat
			code, err := r.uvarint()
			if err != nil {
				return nil, fmt.Errorf("token %d: code point: %w", i, err)
			}
			if code >= codeLimit {
				return nil, fmt.Errorf("token %d: code point %#x over 21 bits", i, code)
			}
			t.Code = uint32(code)
			def = uint32(kernel.UTF8Len(t.Code))
		}
		off := prevEnd
		if tag&tagGap != 0 {
			gap, err := r.varint()
			if err != nil {
				return nil, fmt.Errorf("token %d: gap: %w", i, err)
			}
			if gap == 0 {
				return nil, fmt.Errorf("token %d: gap flag with a zero gap", i)
			}
			off += gap
			if (gap > 0) != (off > prevEnd) { // overflow
				return nil, fmt.Errorf("token %d: gap %d overflows", i, gap)
			}
		}
		if off < 0 || off > 1<<32-1 {
			return nil, fmt.Errorf("token %d: offset %d out of range", i, off)
		}
		t.Off = uint32(off)
		t.Len = def
		if tag&tagLen != 0 {
			ln, err := r.uvarint()
			if err != nil {
				return nil, fmt.Errorf("token %d: length: %w", i, err)
			}
			if ln == uint64(def) {
				return nil, fmt.Errorf("token %d: length flag with the default length %d", i, ln)
			}
			if ln > 1<<32-1 {
				return nil, fmt.Errorf("token %d: length %d out of range", i, ln)
			}
			t.Len = uint32(ln)
		}
		prevEnd = off + int64(t.Len)
	}
	if r.pos != len(section) {
		return nil, fmt.Errorf("%d bytes left after %d tokens", len(section)-r.pos, n)
	}
	if uint32(len(names)) != nNames {
		return nil, fmt.Errorf("%d names defined, %d announced", len(names), nNames)
	}
	return toks, nil
}
