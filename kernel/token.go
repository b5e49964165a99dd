package kernel

// Token values are packed into one uint32 (Arena.Val):
//
//	bits 21..25  printed catcode ("cat" below); 0 for a control sequence
//	bits  0..20  for a character token: its code point modulo 2^21
//	             for a control sequence: see below
//
// A character token prints (like LuaTeX) with catcode p = its catcode (1, 2,
// 3, 4, 6, 7, 8, 10, 11 or 12) plus code>>21, which is only non-zero for the
// ^^^^^^ forms above 0x1FFFFF (so p is 1..19). The field holds p when p <= 12
// and p+8 (21..27) otherwise, so that it never collides with an active
// character, which has field 13 (CatActive). Use ValCat, never the raw field.
//
// A control sequence has cat 0. If bit 20 (csRewritten) is clear, its name is
// the source bytes src[Off+esc : Off+Len] where esc = Val & 0xFF is the byte
// length of its escape character in the source (1 for a plain backslash). If
// bit 20 is set, the name differs from the source (^^ notation inside the
// name, or the end-of-line character) and Val & 0xFFFFF indexes the arena's
// table of rewritten names.
const (
	catShift    = 21
	catMask     = 0x1F << catShift
	codeMask    = 1<<21 - 1
	csRewritten = 1 << 20
	csIndexMask = csRewritten - 1
)

// Catcodes of TeX used by the lexer.
const (
	CatEscape     = 0
	CatBeginGroup = 1
	CatEndGroup   = 2
	CatMathShift  = 3
	CatAlignTab   = 4
	CatEndLine    = 5
	CatParam      = 6
	CatSuperscr   = 7
	CatSubscr     = 8
	CatIgnored    = 9
	CatSpace      = 10
	CatLetter     = 11
	CatOther      = 12
	CatActive     = 13
	CatComment    = 14
	CatInvalid    = 15
)

// Kind says what a token is.
type Kind uint8

// Token kinds.
const (
	KindChar    Kind = iota // a character token with a catcode
	KindActive              // an active character (catcode 13)
	KindControl             // a control sequence (word, symbol or space)
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindChar:
		return "char"
	case KindActive:
		return "active"
	case KindControl:
		return "control"
	}
	return "unknown"
}

// PackChar returns the packed value of a character token with catcode cat
// and code point code (code may exceed 0x1FFFFF; see the package comment).
func PackChar(cat uint32, code uint32) uint32 {
	p := cat + code>>21
	if p > CatOther {
		p += catAlias
	}
	return p<<catShift | code&codeMask
}

// catAlias is added to a printed catcode above 12 (^^^^^^ aliasing) to keep
// the field clear of CatActive.
const catAlias = 8

// PackActive returns the packed value of the active character code.
func PackActive(code uint32) uint32 { return CatActive<<catShift | code&codeMask }

// ValKind returns the kind of a packed token value.
func ValKind(v uint32) Kind {
	switch v >> catShift {
	case 0:
		return KindControl
	case CatActive:
		return KindActive
	}
	return KindChar
}

// ValCat returns the printed catcode of a packed character value (0 for a
// control sequence, 13 for an active character).
func ValCat(v uint32) uint32 {
	f := v >> catShift
	if f > CatActive {
		f -= catAlias
	}
	return f
}

// ValCode returns the code point of a packed character or active value.
func ValCode(v uint32) uint32 { return v & codeMask }
