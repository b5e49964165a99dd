package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
)

// ErrArenaFull is returned (wrapped) by Lex when a document needs more room
// than the arena has. Nothing is truncated silently: the arena's contents are
// then unspecified and the caller must lex again with a larger arena.
var ErrArenaFull = errors.New("arena too small for document")

// ErrCancelled is returned by Lex when its cancel flag was raised.
var ErrCancelled = errors.New("lexing cancelled")

// slack is how many token slots past the last one the SIMD path may write
// scratch values into (whole vector stores). Every arena has them.
const slack = 64

// ArenaSize gives an arena's capacities.
type ArenaSize struct {
	Tokens    int // token slots
	Issues    int // issue slots; more issues are counted, not stored
	Lines     int // line-index entries (lines of the largest document)
	NameBytes int // bytes for control-sequence names that differ from the source
}

// blockLineRoom is the line-index room the block driver needs to run: it
// lexes a block only when the index can take 64 more lines (one per byte).
// SizeFor and SizeForText add it, so that the block driver runs to the
// end of a document in an arena they size (without it, it would stop 64
// lines before the end, and never start on a document of fewer lines).
const blockLineRoom = 64

// SizeFor returns capacities that are always enough for src: at most one
// token per byte plus one per line (its end-of-line character), and room
// for blockLineRoom more lines.
//
// It scans src for line ends, which costs far less than lexing it.
func SizeFor(src []byte) ArenaSize {
	lines := countLines(src)
	return ArenaSize{
		Tokens:    len(src) + lines + 1,
		Issues:    1024,
		Lines:     lines + 1 + blockLineRoom,
		NameBytes: nameBytesFor(len(src), lines, bytes.Contains(src, caretPair)),
	}
}

var caretPair = []byte("^^")

// nameBytesFor bounds the bytes of the names that differ from their source
// (see the Val layout in token.go). Without "^^" in the document only a
// control symbol read past the end of its line has one: at most one per line,
// at most 3 bytes. With ^^ notation, a stored name is at most one byte longer
// than its source span and spans of at least 2 bytes are disjoint: 3n/2.
func nameBytesFor(n, lines int, carets bool) int {
	if carets {
		return 4096 + n + n/2
	}
	return 4096 + 4*(lines+1)
}

// SizeForText returns capacities enough for any document of up to n bytes
// whose lines are 16 bytes long or longer on average and whose control
// sequences written with ^^ notation take no more than the room of those
// without it (SizeFor's bound with n/16+1 lines and no "^^"): about half of
// SizeForBytes(n). It suits an arena reused for many ordinary documents;
// one outside the bound fills it (ErrArenaFull) and needs SizeFor.
func SizeForText(n int) ArenaSize {
	lines := n/16 + 1
	return ArenaSize{Tokens: n + lines + 1, Issues: 1024, Lines: lines + 1 + blockLineRoom, NameBytes: nameBytesFor(n, lines, false)}
}

// SizeForBytes returns capacities enough for any document of up to n bytes
// (the worst case: every byte a line end, so two tokens per byte).
func SizeForBytes(n int) ArenaSize {
	return ArenaSize{Tokens: 2*n + 2, Issues: 1024, Lines: n + 2, NameBytes: nameBytesFor(n, 0, true)}
}

// countLines counts the line ends of src as LuaTeX splits lines (LF, CR and
// CR LF are one line end each), with the runtime's vectorized byte counts:
// SizeFor runs before every document an actor lexes.
func countLines(src []byte) int {
	n := bytes.Count(src, lf)
	if ncr := bytes.Count(src, cr); ncr > 0 {
		n += ncr - bytes.Count(src, crlf)
	}
	return n
}

var (
	lf   = []byte{'\n'}
	cr   = []byte{'\r'}
	crlf = []byte("\r\n")
)

// Arena holds the tokens and issues of one lexed document as parallel
// arrays. It is allocated once, with all pages touched, and reused: Lex
// overwrites it, so nothing read from it survives the next Lex.
//
// An Arena is owned by one goroutine at a time; no method is safe for
// concurrent use. Slices returned by its methods alias the arena (and, for
// names, the source document) and are valid until the next Lex or Reset.
type Arena struct {
	// Val, Off and Len are the tokens' packed values, byte offsets and byte
	// lengths in the source; only the first N entries are meaningful, and
	// none after Count (see Counted). A length of LongLen or more is stored
	// as LongLen, and TokenLen gives it (TokenLen works for every token).
	Val []uint32
	Off []uint32
	Len []uint8
	// N is the number of tokens of the last lexed document.
	N int

	long    []uint64 // index<<32 | length of the tokens of LongLen bytes or more, in order
	names   []byte   // rewritten control-sequence names, back to back
	nameRef []uint64 // per rewritten name: start<<32 | length into names
	issues  []Issue
	dropped int // issues that did not fit
	// issueHeap: issues is full and a max-heap on offset (see admitIssue).
	issueHeap bool
	lines     []uint32 // byte offset of the start of each line
	src       []byte   // the last lexed document (not copied)
	size      ArenaSize
	counted   bool // lexed by Count: the token slots are not filled

	// Scratch space of the lexer for lines whose buffer TeX rewrites (^^
	// notation inside a control-sequence name); grown on demand, kept.
	rwBuf   []byte
	rwStart []uint32
	rwEnd   []uint32
}

// TokenBytes is the size of one token slot of an arena: a 4-byte value, a
// 4-byte offset and a 1-byte length.
const TokenBytes = 9

// LongLen is the largest length Arena.Len holds; a token of LongLen source
// bytes or more has LongLen there, and its length in a side table (such
// tokens are rare: control words of 255 letters, chains of ^^ notation).
const LongLen = 255

// longFor is the room for long tokens in an arena of t token slots: as
// spans never overlap, a document has at most len/LongLen of them, and the
// sizes of SizeFor, SizeForText and SizeForBytes have t > len.
func longFor(t int) int { return t/LongLen + 1 }

// minNameBytes is the least room for rewritten names: the lexer keeps the
// names "par" and "\r" (^^M) at fixed indices.
const minNameBytes = 64

// NewArena allocates an arena with the given capacities and touches every
// page so that the first document does not pay for page faults.
func NewArena(s ArenaSize) *Arena {
	if s.Tokens < 0 || s.Issues < 0 || s.Lines < 0 || s.NameBytes < 0 {
		panic(fmt.Sprintf("kernel: negative arena size %+v", s))
	}
	if s.Lines < 1 {
		s.Lines = 1
	}
	if s.NameBytes < minNameBytes {
		s.NameBytes = minNameBytes
	}
	t := s.Tokens + slack
	a := &Arena{
		Val:     make([]uint32, t),
		Off:     make([]uint32, t),
		Len:     make([]uint8, t),
		long:    make([]uint64, 0, longFor(s.Tokens)),
		names:   make([]byte, 0, s.NameBytes),
		nameRef: make([]uint64, 0, s.NameBytes/3+16), // see nameBytesFor
		issues:  make([]Issue, 0, s.Issues),
		lines:   make([]uint32, 0, s.Lines),
		size:    s,
	}
	a.pretouch()
	return a
}

// pretouch writes one word per 4 KiB page of every array.
func (a *Arena) pretouch() {
	const step = 1024 // uint32s per page
	for _, s := range [][]uint32{a.Val, a.Off, a.lines[:cap(a.lines)]} {
		for i := 0; i < len(s); i += step {
			s[i] = 0
		}
	}
	for _, s := range [][]byte{a.Len, a.names[:cap(a.names)]} {
		for i := 0; i < len(s); i += 4096 {
			s[i] = 0
		}
	}
}

// Size returns the capacities the arena was created with.
func (a *Arena) Size() ArenaSize { return a.size }

// Bytes returns the arena's memory footprint in bytes.
func (a *Arena) Bytes() int {
	return TokenBytes*len(a.Val) + 8*cap(a.long) + cap(a.names) + 8*cap(a.nameRef) +
		cap(a.issues)*issueBytes + 4*cap(a.lines)
}

// Fits reports whether the arena is large enough for any document whose
// SizeFor is s.
func (a *Arena) Fits(s ArenaSize) bool {
	return s.Tokens <= a.size.Tokens && s.Lines <= a.size.Lines && s.NameBytes <= a.size.NameBytes
}

// Counted reports whether the last document was lexed by Count, so that
// only N, the issues and the line index are meaningful, and the token
// slots are not (Token, Name and the dumps panic).
func (a *Arena) Counted() bool { return a.counted }

// mustHaveTokens panics when the token slots were not filled (Count).
func (a *Arena) mustHaveTokens() {
	if a.counted {
		panic("kernel: the arena's tokens were read after Count, which does not store them (use Lex)")
	}
}

// Reset forgets the last document.
func (a *Arena) Reset() {
	a.N = 0
	a.counted = false
	a.long = a.long[:0]
	a.names = a.names[:0]
	a.nameRef = a.nameRef[:0]
	a.issues = a.issues[:0]
	a.dropped = 0
	a.issueHeap = false
	a.lines = a.lines[:0]
	a.src = nil
}

// Source returns the last lexed document.
func (a *Arena) Source() []byte { return a.src }

// Token is one token, unpacked.
type Token struct {
	Kind Kind
	Cat  uint32 // printed catcode (0 for control sequences)
	Code uint32 // code point of a character or active token
	Off  uint32 // byte offset of the token's first source byte
	Len  uint32 // number of source bytes it was read from
}

// Token returns token i (0 <= i < N).
func (a *Arena) Token(i int) Token {
	a.mustHaveTokens()
	v := a.Val[i]
	t := Token{Kind: ValKind(v), Off: a.Off[i], Len: a.TokenLen(i)}
	if t.Kind != KindControl {
		t.Cat = ValCat(v)
		t.Code = ValCode(v)
	}
	return t
}

// Name returns the name of control-sequence token i as its UTF-8 bytes (the
// bytes TeX stores, which may be invalid UTF-8), or nil for other tokens.
// The slice aliases the arena or the source and must not be modified.
func (a *Arena) Name(i int) []byte {
	a.mustHaveTokens()
	return a.name(i)
}

// name is Name without the check (the lexer reads the tokens it stored).
func (a *Arena) name(i int) []byte {
	v := a.Val[i]
	if v>>catShift != 0 {
		return nil
	}
	if v&csRewritten != 0 {
		r := a.nameRef[v&csIndexMask]
		start, n := uint32(r>>32), uint32(r)
		return a.names[start : start+n]
	}
	esc := v & 0xFF
	return a.src[a.Off[i]+esc : a.Off[i]+a.TokenLen(i)]
}

// TokenLen returns the length in source bytes of token i (0 <= i < N): Len[i]
// unless that is LongLen, in O(log n) then.
func (a *Arena) TokenLen(i int) uint32 {
	if n := a.Len[i]; n != LongLen {
		return uint32(n)
	}
	long := a.long
	j := sort.Search(len(long), func(j int) bool { return long[j]>>32 >= uint64(i) })
	if j == len(long) || long[j]>>32 != uint64(i) {
		panic(fmt.Sprintf("kernel: token %d has no stored length", i))
	}
	return uint32(long[j])
}

// NameString returns Name(i) as a string (it allocates).
func (a *Arena) NameString(i int) string { return string(a.Name(i)) }

// Issues returns the issues of the last document, in source order.
func (a *Arena) Issues() []Issue { return a.issues }

// DroppedIssues returns how many issues did not fit in the arena; they are
// counted here and by a final IssueTooMany entry, never lost silently.
func (a *Arena) DroppedIssues() int { return a.dropped }

// Lines returns the number of input lines of the last document.
func (a *Arena) Lines() int { return len(a.lines) }

// LineCol returns the 1-based line and 1-based byte column of byte offset
// off in the last document, in O(log lines).
func (a *Arena) LineCol(off uint32) (line, col int) {
	l := sort.Search(len(a.lines), func(i int) bool { return a.lines[i] > off }) - 1
	if l < 0 {
		return 1, int(off) + 1
	}
	return l + 1, int(off-a.lines[l]) + 1
}
