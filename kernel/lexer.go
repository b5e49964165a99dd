package kernel

import (
	"bytes"
	"fmt"
	"sync/atomic"
)

// This file is TeX's input processor (LuaTeX 1.15's get_next on a file,
// with str2uni and input_line), one character or construct at a time. It is
// the executable specification: lexRef loops slow() over a document, and the
// fast driver (fast_*.go) must produce identical arenas.
//
// # The line buffer
//
// TeX reads a file line by line into a buffer: the line without its
// terminator (LF, CR or CR LF) and without trailing 0x20 bytes, followed by
// the end-of-line character 13 at index limit. The lexer does not copy
// lines: in normal mode buffer index i < limit is src[i], index limit reads
// 13 and index limit+1 reads l.past (0x20; see Limitations in docs). Only
// when ^^ notation inside a control-sequence name makes TeX rewrite its
// buffer does the lexer switch to rewrite mode (l.rw), where buffer indices
// go through a small window of rewritten bytes (rwBuf) followed by the rest
// of the source line; it returns to normal mode as soon as the position has
// passed every rewritten byte.
//
// # Spans
//
// Every token carries the source bytes it was read from:
//   - a character or active character: its UTF-8 sequence, or the whole ^^
//     form (^^41, ^^^^00e9, ...);
//   - a space: the first byte of the space that produced it (1 byte), or the
//     ^^ form; a space from the end of a line: the line terminator (Len 1 for
//     LF or CR, 2 for CR LF, 0 at the end of a file without one);
//   - \par from a blank line: that line's terminator, as for a space;
//   - a control sequence: from its escape character through the last source
//     byte of its name (the terminator when the name is the end-of-line
//     character, as for "\" at the end of a line).
//
// A span that reaches the end-of-line character covers the stripped trailing
// spaces too.
//
// # Contract with the fast driver
//
// Between calls of slow(), when !l.done && !l.rw, the bytes src[l.pos:l.limit]
// are the unread rest of the current line, unchanged. The fast driver may
// consume any prefix of them made of "simple" bytes itself, without calling
// slow(): an ASCII byte of catcode 1, 2, 3, 4, 6, 8, 11 or 12 emits
// PackChar(cat, b) at (pos, 1) and sets l.state = stateM; 0x20 or TAB while
// l.state == stateM emits PackChar(CatSpace, ' ') at (pos, 1) and sets
// l.state = stateS. It then calls slow() for the next byte (which may be
// l.limit: the end of the line). While l.rw is set it must call slow()
// only. Line bookkeeping (the arena's line index, limit, terminators) lives
// entirely in slow(). Tokens go to a.Val/Off/Len[l.n]; l.n < l.tokCap must
// hold before each store (emit checks it; a bulk writer checks room for its
// whole chunk first). Every token it stores itself that the group and math
// check visits (a `{`, `}` or `$`, a control sequence named par, a blank
// line's \par) it marks with l.gm.gmMark, keeping fewer than gmGuard
// unvisited tokens before a chunk of marks (lexer_issues.go); emit does
// this for slow(). The driver calls checkCancel (the cancel flag, and a
// round of the group and math check while the new tokens are cached) every
// cancelEvery bytes or so, and ends with l.finish().
//
// The block driver (fast_block.go) goes further: from a clean point of a
// normal-mode line it lexes whole lines itself while every line end seen is
// an LF, appending each line's start to a.lines as setupLine would, and
// leaves with enterLine on the line where it stopped (its start recorded),
// l.pos at the stop (never past l.limit) and l.state as TeX's state there.

// Reading states of TeX.
const (
	stateN uint8 = iota // new line: spaces skipped, end of line gives \par
	stateM              // mid line: a space gives a space token
	stateS              // skipping blanks: spaces skipped, end of line gives nothing
)

// cancelEvery is how many input bytes may pass between checks of the cancel
// flag.
const cancelEvery = 16 << 10

// Fixed indices of rewritten names kept in every arena's name table.
const (
	nameIdxPar = 0 // "par": the \par of a blank line
	nameIdxEOL = 1 // "\r": \^^M, the escape character before the end of a line
)

// Packed values of the tokens the lexer makes by itself.
var (
	valPar   = uint32(csRewritten | nameIdxPar)
	valCSEOL = uint32(csRewritten | nameIdxEOL)
	valSpace = PackChar(CatSpace, ' ')
)

// asciiCat is the LaTeX catcode of every ASCII character (see the oracle's
// README): the iniTeX defaults plus the LaTeX kernel's settings.
var asciiCat = func() (t [128]uint8) {
	for i := range t {
		t[i] = CatOther
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = CatLetter
		t[c-'a'+'A'] = CatLetter
	}
	t['\\'] = CatEscape
	t['{'] = CatBeginGroup
	t['}'] = CatEndGroup
	t['$'] = CatMathShift
	t['&'] = CatAlignTab
	t['\r'] = CatEndLine
	t['#'] = CatParam
	t['^'] = CatSuperscr
	t['_'] = CatSubscr
	t[0] = CatIgnored
	t[' '] = CatSpace
	t['\t'] = CatSpace
	t['~'] = CatActive
	t['\f'] = CatActive
	t['%'] = CatComment
	t[0x7F] = CatInvalid
	return t
}()

// catOf returns TeX's catcode of code point c: LuaTeX looks catcodes up by
// the low 21 bits only. Every code point >= 128 is 12 except U+FEFF (9).
func catOf(c uint32) uint8 {
	c &= codeMask
	if c < 0x80 {
		return asciiCat[c]
	}
	if c == 0xFEFF {
		return CatIgnored
	}
	return CatOther
}

// isHex reports whether b is a hex digit as TeX's ^^ notation reads them:
// 0-9 and lowercase a-f only.
func isHex(b byte) bool { return b-'0' < 10 || b-'a' < 6 }

// hexVal returns the value of hex digit b (isHex(b) must hold).
func hexVal(b byte) uint32 {
	if b <= '9' {
		return uint32(b - '0')
	}
	return uint32(b-'a') + 10
}

// UTF8Len is the number of bytes LuaTeX steps over after reading code point
// c: the length of c's UTF-8 form, whatever it was decoded from (unlike
// utf8.RuneLen, it has an answer for surrogates and values past U+10FFFF).
// It is also the source length of a character token read as plain UTF-8.
func UTF8Len(c uint32) int {
	switch {
	case c < 0x80:
		return 1
	case c < 0x800:
		return 2
	case c < 0x10000:
		return 3
	}
	return 4
}

// lexer is the state of one lexing run. It is used by one goroutine.
type lexer struct {
	a      *Arena
	src    []byte
	cancel *atomic.Bool

	pos   int   // next buffer index to read (a source offset in normal mode)
	limit int   // buffer index of the end-of-line character
	state uint8 // stateN, stateM or stateS
	rw    bool  // rewrite mode (see the file comment)
	done  bool  // the document is finished (or an error stopped it)
	err   error // why lexing stopped early (wraps ErrArenaFull/ErrCancelled)

	n      int // tokens emitted so far
	tokCap int // token slots available (a.size.Tokens)

	lineStart int  // source offset of the current line
	srcLimit  int  // limit in source offsets (== limit in normal mode)
	term      int  // source offset of the line's terminator (len(src) if none)
	termEnd   int  // end of the terminator (== term when there is none)
	lastLine  bool // the current line is the file's last
	past      byte // the buffer byte at limit+1 (see the file comment)
	crNext    int  // offset of the next CR at or after lineStart (len(src) if none; pure Go only)
	lfNext    int  // the same for LF (nextByte)
	checkAt   int  // source offset at which to check the cancel flag next
	eolKinds  uint8
	mixedDone bool
	gm        gmState // the group and math check (lexer_issues.go)
	simd      bool    // the AVX2 kernels may be used (the fast driver's choice)
	count     bool    // Count: the block driver counts its tokens without storing them
	recount   bool    // Count cannot finish without the tokens: lex again with Lex
	blockFrom int     // the fast driver tries the block driver again from this offset
	blockSkip int     // how far the last unproductive block run pushed blockFrom
	lf        lfWindow

	// Rewrite mode: the buffer from index wStart is rwBuf (len wLen), then
	// the source from tailSrc onwards (source offset limit reads 13).
	wStart  int
	tailSrc int
	rwHigh  int  // buffer index past the last rewritten byte
	eolGone bool // a rewrite removed the end-of-line character
}

// Kinds of line terminators, for the mixed-line-endings check.
const (
	eolLF uint8 = 1 << iota
	eolCRLF
	eolCR
)

// init prepares l to lex src into a (which it resets) and reads the first
// line; simd lets it find line ends with the AVX2 kernels (set before the
// first line, which would otherwise search the whole document for a CR).
func (l *lexer) init(a *Arena, src []byte, cancel *atomic.Bool, simd bool) {
	a.Reset()
	a.src = src
	a.names = append(a.names, "par\r"...)
	a.nameRef = append(a.nameRef, 0<<32|3, 3<<32|1)
	*l = lexer{a: a, src: src, cancel: cancel, tokCap: a.size.Tokens, checkAt: cancelEvery, crNext: -1, lfNext: -1, simd: simd}
	if len(a.Val) < l.tokCap {
		l.tokCap = len(a.Val)
	}
	if len(src) > 1<<32-1 {
		l.fail(fmt.Errorf("cannot lex a document of %d bytes: offsets are 32-bit: %w", len(src), ErrArenaFull))
		return
	}
	l.setupLine(0)
}

// lexRef lexes src into a with the reference driver: slow() alone.
func lexRef(a *Arena, src []byte, cancel *atomic.Bool) error {
	var l lexer
	l.init(a, src, cancel, false)
	for !l.done {
		l.slow()
		if l.pos >= l.checkAt {
			l.checkCancel()
		}
	}
	return l.finish()
}

// checkCancel stops lexing when the cancel flag is raised, and schedules the
// next check. It also runs the group and math check over the new tokens.
func (l *lexer) checkCancel() {
	// In rewrite mode l.pos is a buffer index, never past its source
	// offset: the next check still comes after progress (a check due at
	// l.lineStart+cancelEvery, as before, was due again at once on a line
	// longer than cancelEvery, and the fast driver, which checks before
	// every step, never took one).
	l.checkAt = l.pos + cancelEvery
	if l.err == nil {
		l.gmAdvance(false) // while the latest token values are in the cache
	}
	if l.cancel != nil && l.cancel.Load() {
		l.fail(fmt.Errorf("cannot finish lexing at byte %d: %w", l.lineStart, ErrCancelled))
	}
}

// fail stops lexing with err.
func (l *lexer) fail(err error) {
	if l.err == nil {
		l.err = err
	}
	l.done = true
	l.pos, l.limit = 0, -1 // nothing left for a fast driver
}

// emit appends a token. It is safe on its own: a full arena stops lexing.
func (l *lexer) emit(val uint32, off, n int) {
	if l.n >= l.tokCap {
		l.fail(fmt.Errorf("cannot store more than %d tokens: %w", l.tokCap, ErrArenaFull))
		return
	}
	if gmMatters(val) {
		l.gmMarkOne()
	}
	a := l.a
	a.Val[l.n] = val
	a.Off[l.n] = uint32(off)
	if n >= LongLen {
		if !l.putLong(n) {
			return
		}
		n = LongLen
	}
	a.Len[l.n] = uint8(n)
	l.n++
}

// putLong records the length n (>= LongLen) of token l.n (tokens are
// stored in order and never taken back, so the table stays in token
// order); it reports false, and fails, when the table is full.
func (l *lexer) putLong(n int) bool {
	a := l.a
	if len(a.long) == cap(a.long) {
		l.fail(fmt.Errorf("cannot store more than %d tokens of %d bytes or more: %w", cap(a.long), LongLen, ErrArenaFull))
		return false
	}
	a.long = append(a.long, uint64(l.n)<<32|uint64(n))
	return true
}

// gmMarkOne marks token l.n (about to be stored) for the group and math
// check, first running a round when too many tokens wait for one.
func (l *lexer) gmMarkOne() {
	if l.n-l.gm.next >= gmGuard {
		l.gmAdvance(false)
	}
	l.gm.gmMark(l.n, 1)
}

// setupLine makes the line starting at source offset start current.
func (l *lexer) setupLine(start int) {
	a := l.a
	if len(a.lines) == cap(a.lines) {
		l.fail(fmt.Errorf("cannot index more than %d lines: %w", cap(a.lines), ErrArenaFull))
		return
	}
	a.lines = append(a.lines, uint32(start))
	l.enterLine(start)
}

// nextByte returns the offset of the first c in src at or after start
// (len(src) if none): prev, the answer of an earlier search, when it is
// still at or after start.
func nextByte(src []byte, start int, c byte, prev int) int {
	if prev >= start {
		return prev
	}
	if i := bytes.IndexByte(src[start:], c); i >= 0 {
		return start + i
	}
	return len(src)
}

// enterLine makes the line starting at source offset start current, its
// start being recorded in the line index already.
func (l *lexer) enterLine(start int) {
	src := l.src
	// term: the first LF at or after start; cr: the first CR (len(src) if
	// none), or at least whether it comes before term.
	var term, cr int
	if l.simd {
		term, cr = l.nextEOL(start), len(src)
		if term < len(src) && src[term] == '\r' {
			term, cr = len(src), term
		}
	} else {
		// Each search is remembered until the line passes it: one that
		// found nothing (a file with CR line ends has no LF) is not
		// repeated for every line.
		l.lfNext = nextByte(src, start, '\n', l.lfNext)
		l.crNext = nextByte(src, start, '\r', l.crNext)
		term, cr = l.lfNext, l.crNext
	}
	var kind uint8
	termEnd := term
	switch {
	case cr < term:
		term, termEnd, kind = cr, cr+1, eolCR
		if termEnd < len(src) && src[termEnd] == '\n' {
			termEnd, kind = termEnd+1, eolCRLF
		}
	case term < len(src):
		termEnd, kind = term+1, eolLF
	}
	lim := term
	for lim > start && src[lim-1] == ' ' {
		lim--
	}
	l.lineStart, l.term, l.termEnd = start, term, termEnd
	l.pos, l.limit, l.srcLimit = start, lim, lim
	l.state, l.rw, l.past, l.eolGone = stateN, false, ' ', false
	l.lastLine = termEnd >= len(src)
	if kind != 0 && kind != l.eolKinds {
		if l.eolKinds != 0 && !l.mixedDone {
			l.mixedDone = true
			l.issue(IssueMixedLineEndings, term, uint32(l.eolKinds|kind))
		}
		l.eolKinds |= kind
	}
}

// nextLine moves to the next line, or ends the document.
func (l *lexer) nextLine() {
	if l.done {
		return
	}
	if l.lastLine {
		l.done = true
		l.pos, l.limit = 0, -1
		return
	}
	l.setupLine(l.termEnd)
}

// at returns buffer byte i as TeX sees it (i <= limit+1 in all callers that
// matter; later bytes read as 0x20).
func (l *lexer) at(i int) byte {
	if !l.rw {
		if i < l.limit {
			return l.src[i]
		}
		if i == l.limit {
			return '\r'
		}
		return l.past
	}
	if i > l.limit {
		if i == l.limit+1 {
			return l.past
		}
		return ' '
	}
	if i < l.wStart {
		return l.src[i]
	}
	if w := i - l.wStart; w < len(l.a.rwBuf) {
		return l.a.rwBuf[w]
	}
	s := l.tailSrc + i - l.wStart - len(l.a.rwBuf)
	if s < l.srcLimit {
		return l.src[s]
	}
	if s == l.srcLimit {
		return '\r'
	}
	return ' '
}

// spanStart and spanEnd map buffer index i to the source bytes it stands
// for: [spanStart(i), spanEnd(i)).
func (l *lexer) spanStart(i int) int {
	if !l.rw {
		if i < l.limit {
			return i
		}
		return l.term
	}
	if i > l.limit {
		return l.termEnd
	}
	if i < l.wStart {
		return i
	}
	if w := i - l.wStart; w < len(l.a.rwBuf) {
		return int(l.a.rwStart[w])
	}
	s := l.tailSrc + i - l.wStart - len(l.a.rwBuf)
	if s < l.srcLimit {
		return s
	}
	return l.term
}

func (l *lexer) spanEnd(i int) int {
	if !l.rw {
		if i < l.limit {
			return i + 1
		}
		return l.termEnd
	}
	if i > l.limit {
		return l.termEnd
	}
	if i < l.wStart {
		return i + 1
	}
	if w := i - l.wStart; w < len(l.a.rwBuf) {
		return int(l.a.rwEnd[w])
	}
	s := l.tailSrc + i - l.wStart - len(l.a.rwBuf)
	if s < l.srcLimit {
		return s + 1
	}
	return l.termEnd
}

// emitSpan emits val for the buffer bytes [p, q).
//
// In rewrite mode the bytes TeX wrote for one ^^ form share its source span
// and may be split between two tokens (a name that ends inside a multi-byte
// value); the later token's span is then clipped to start where the earlier
// one ended (possibly empty), so that spans never overlap.
func (l *lexer) emitSpan(val uint32, p, q int) {
	off, end := l.spanStart(p), l.spanEnd(q-1)
	if l.rw && l.n > 0 && l.n <= l.tokCap {
		if prev := int(l.a.Off[l.n-1] + l.a.TokenLen(l.n-1)); off < prev {
			off, end = prev, max(end, prev)
		}
	}
	l.emit(val, off, end-off)
}

// decode reads the character at buffer index i as LuaTeX's str2uni does and
// returns it with the index after it (i + UTF8Len(c), whatever was decoded).
// An invalid sequence gives U+FFFD and the TeX error, as does U+FFFD itself.
func (l *lexer) decode(i int) (uint32, int) {
	b := l.at(i)
	if b < 0x80 {
		return uint32(b), i + 1
	}
	c := uint32(0xFFFD)
	switch {
	case b < 0xC0:
	case b < 0xE0:
		if b1 := l.at(i + 1); b1&0xC0 == 0x80 {
			c = uint32(b&0x1F)<<6 | uint32(b1&0x3F)
		}
	case b < 0xF0:
		if b1 := l.at(i + 1); b1&0xC0 == 0x80 {
			if b2 := l.at(i + 2); b2&0xC0 == 0x80 {
				c = uint32(b&0x0F)<<12 | uint32(b1&0x3F)<<6 | uint32(b2&0x3F)
			}
		}
	case b < 0xF8:
		if b1 := l.at(i + 1); b1&0xC0 == 0x80 {
			if b2 := l.at(i + 2); b2&0xC0 == 0x80 {
				if b3 := l.at(i + 3); b3&0xC0 == 0x80 {
					c = uint32(b&0x07)<<18 | uint32(b1&0x3F)<<12 | uint32(b2&0x3F)<<6 | uint32(b3&0x3F)
				}
			}
		}
	}
	if c == 0xFFFD {
		l.issue(IssueInvalidUTF8, l.spanStart(i), uint32(b))
	}
	return c, i + UTF8Len(c)
}

// slow reads one character or construct at l.pos with all of TeX's rules and
// emits at most one token (see the file comment). When the line is used up
// it moves to the next one.
func (l *lexer) slow() {
	if l.done {
		return
	}
	if l.rw {
		l.maybeLeaveRW()
	}
	if p := l.pos; !l.rw && p < l.limit {
		if b := l.src[p]; b < 0x80 {
			switch cat := asciiCat[b]; cat {
			case CatBeginGroup, CatEndGroup, CatMathShift, CatAlignTab, CatParam, CatSubscr, CatLetter, CatOther:
				l.emit(PackChar(uint32(cat), uint32(b)), p, 1)
				l.state = stateM
				l.pos = p + 1
				return
			case CatSpace:
				if l.state == stateM {
					l.emit(valSpace, p, 1)
					l.state = stateS
					l.pos = p + 1
					return
				}
				q := p + 1
				for q < l.limit && (l.src[q] == ' ' || l.src[q] == '\t') {
					q++
				}
				l.pos = q
				return
			case CatEscape:
				l.pos = p + 1
				l.scanCS(p)
				l.afterStep()
				return
			case CatComment:
				l.pos = l.limit + 1
				l.nextLine()
				return
			}
		}
	}
	if !l.rw && l.pos == l.limit {
		// The end-of-line character: \par, a space or nothing.
		switch l.state {
		case stateN:
			l.emit(valPar, l.term, l.termEnd-l.term)
		case stateM:
			l.emit(valSpace, l.term, l.termEnd-l.term)
		}
		l.nextLine()
		return
	}
	if l.pos > l.limit {
		l.nextLine()
		return
	}
	p := l.pos
	raw := l.at(p) >= 0x80
	c, q := l.decode(p)
	l.pos = q
	l.dispatch(p, c, raw)
	l.afterStep()
}

// afterStep moves to the next line when the current one is used up.
func (l *lexer) afterStep() {
	if !l.done && l.pos > l.limit {
		l.nextLine()
	}
}

// dispatch acts on character c read from buffer bytes [p, l.pos); raw says
// it was read from a UTF-8 sequence of the source (not a ^^ form).
func (l *lexer) dispatch(p int, c uint32, raw bool) {
	for {
		switch cat := catOf(c); cat {
		case CatEscape:
			l.scanCS(p)
		case CatBeginGroup, CatEndGroup, CatMathShift, CatAlignTab, CatParam, CatSubscr, CatLetter, CatOther:
			if raw && c >= 0xA0 {
				l.checkInvisible(p, c)
			}
			l.emitSpan(PackChar(uint32(cat), c), p, l.pos)
			l.state = stateM
		case CatEndLine:
			switch l.state {
			case stateN:
				l.emitSpan(valPar, p, l.pos)
			case stateM:
				l.emitSpan(valSpace, p, l.pos)
			}
			l.pos = l.limit + 1
		case CatSuperscr:
			if c2, ok := l.sup(c); ok {
				c, raw = c2, false
				continue
			}
			l.emitSpan(PackChar(CatSuperscr, c), p, l.pos)
			l.state = stateM
		case CatIgnored:
			switch {
			case !raw:
				l.issue(IssueIgnoredChar, l.spanStart(p), c)
			case c == 0xFEFF:
				if l.spanStart(p) != 0 {
					l.issue(IssueInvisibleUnicode, l.spanStart(p), c)
				}
			default:
				l.issue(IssueIgnoredChar, l.spanStart(p), c)
			}
		case CatSpace:
			if l.state == stateM {
				l.emitSpan(valSpace, p, l.pos)
				l.state = stateS
			}
		case CatActive:
			l.emitSpan(PackActive(c), p, l.pos)
			l.state = stateM
		case CatComment:
			l.pos = l.limit + 1
		case CatInvalid:
			l.issue(IssueInvalidChar, l.spanStart(p), c)
		}
		return
	}
}

// checkInvisible reports invisible or confusable code points read raw.
func (l *lexer) checkInvisible(p int, c uint32) {
	switch c {
	case 0xA0, 0xAD, 0x200B, 0x200C, 0x200D, 0x2060:
		l.issue(IssueInvisibleUnicode, l.spanStart(p), c)
	}
}

// sup handles a superscript character c whose byte(s) end at l.pos: if a ^^
// form follows, it consumes it and returns the character it stands for.
func (l *lexer) sup(c uint32) (uint32, bool) {
	loc := l.pos
	if uint32(l.at(loc)) != c {
		return 0, false
	}
	if loc < l.limit {
		if uint32(l.at(loc+1)) == c && uint32(l.at(loc+2)) == c {
			if d, v, ok := l.longCaret(loc, c); ok {
				l.pos = loc + 2*d - 1
				return v, true
			}
		} else if loc+2 <= l.limit {
			if v, ok := l.hexRun(loc+1, 2); ok {
				l.pos = loc + 3
				return v, true
			}
		}
	}
	x := l.at(loc + 1)
	if x >= 0x80 {
		return 0, false
	}
	loc += 2
	if isHex(x) && loc <= l.limit {
		if y := l.at(loc); isHex(y) {
			l.pos = loc + 1
			return hexVal(x)<<4 | hexVal(y), true
		}
	}
	l.pos = loc
	if x < 0x40 {
		return uint32(x) + 0x40, true
	}
	return uint32(x) - 0x40, true
}

// longCaret reads a ^^^^ or ^^^^^^ form whose first carets c are at buffer
// indices k-1 to k+2: it returns its number of hex digits (4, or 6 when two
// more carets follow) and their value, or reports the incomplete form and
// returns ok == false. The form spans 2*digits buffer bytes from k-1.
func (l *lexer) longCaret(k int, c uint32) (digits int, v uint32, ok bool) {
	digits, arg := 4, uint32(caretArg4)
	if uint32(l.at(k+3)) == c && uint32(l.at(k+4)) == c {
		digits, arg = 6, caretArg6
	}
	if k+2*digits-2 > l.limit {
		arg |= caretArgEnd
	} else if v, ok := l.hexRun(k+digits-1, digits); ok {
		return digits, v, true
	}
	l.issue(IssueIncompleteCaret, l.spanStart(k-1), arg)
	return 0, 0, false
}

// hexRun reads n hex digits at buffer index i.
func (l *lexer) hexRun(i, n int) (uint32, bool) {
	var v uint32
	for j := i; j < i+n; j++ {
		b := l.at(j)
		if !isHex(b) {
			return 0, false
		}
		v = v<<4 | hexVal(b)
	}
	return v, true
}

// Arg values of IssueIncompleteCaret.
const (
	caretArg4   = 4     // ^^^^ needs four hex digits
	caretArg6   = 6     // ^^^^^^ needs six hex digits
	caretArgEnd = 0x100 // ... end of input
)

// isLetterByte reports whether b is an ASCII letter (catcode 11).
func isLetterByte(b byte) bool { return (b|0x20)-'a' < 26 }

// scanCS reads a control sequence whose escape character occupies buffer
// bytes [p, l.pos) and emits it.
func (l *lexer) scanCS(p int) {
	loc := l.pos
	if loc > l.limit {
		// Only reachable through ^^ forms that end past the line: TeX's
		// \csname\endcsname. Its name is empty.
		off := l.spanStart(p)
		n := l.spanEnd(loc-1) - off
		l.emit(uint32(min(n, 0xFF)), off, n)
		return
	}
	if !l.rw && loc < l.limit {
		// Fast paths: a control word of ASCII letters, a control symbol.
		src := l.src
		b := src[loc]
		if isLetterByte(b) {
			k := loc + 1
			for k < l.limit && isLetterByte(src[k]) {
				k++
			}
			if k == l.limit || (src[k] < 0x80 && src[k] != '^') {
				l.emitPlainCS(p, loc, k)
				l.pos, l.state = k, stateS
				return
			}
			l.scanLetters(p, loc, k)
			return
		}
		if b < 0x80 && b != '^' {
			l.emitPlainCS(p, loc, loc+1)
			l.pos, l.state = loc+1, stateM
			if b == ' ' || b == '\t' {
				l.state = stateS
			}
			return
		}
	}
	for {
		c, k := l.decode(loc)
		cat := catOf(c)
		if cat == CatLetter && k <= l.limit {
			l.scanLetters(p, loc, k)
			return
		}
		if cat == CatSuperscr && l.expandInName(k, c) {
			loc = l.pos // unchanged: restart at the name's first byte
			continue
		}
		l.emitCS(p, loc, k)
		l.pos, l.state = k, stateM
		if cat == CatSpace {
			l.state = stateS
		}
		return
	}
}

// scanLetters continues a control word whose letters so far are buffer
// bytes [loc, k) and emits it.
func (l *lexer) scanLetters(p, loc, k int) {
	for {
		c, k2 := l.decode(k)
		cat := catOf(c)
		if cat == CatLetter && k2 <= l.limit {
			k = k2
			continue
		}
		if cat == CatSuperscr && l.expandInName(k2, c) {
			// TeX rescans the name from its start; the letters before the
			// rewritten character read the same again, so go on from it.
			continue
		}
		if cat == CatLetter {
			k = k2 // a letter read up to the end of the buffer stays
		}
		l.emitCS(p, loc, k)
		l.pos, l.state = k, stateS
		return
	}
}

// emitPlainCS emits a control sequence whose name is the unchanged source
// bytes [loc, end) of a normal-mode line (end <= limit).
func (l *lexer) emitPlainCS(p, loc, end int) {
	l.gmParName(loc, end-loc)
	l.emit(uint32(loc-p), p, end-p)
}

// emitCS emits the control sequence with escape at buffer index p and name
// buffer bytes [loc, end), storing the name when it differs from the source.
func (l *lexer) emitCS(p, loc, end int) {
	if !l.rw && end <= l.limit {
		l.emitPlainCS(p, loc, end)
		return
	}
	off := l.spanStart(p)
	last := end - 1
	if last < loc {
		last = loc
	}
	n := l.spanEnd(last) - off
	esc := l.spanStart(loc) - off
	if end == loc+1 && l.at(loc) == '\r' && loc == l.limit {
		if l.lastLine {
			l.issue(IssueEscapeAtEOF, off, 0)
		}
		l.emit(valCSEOL, off, n)
		return
	}
	a := l.a
	start := len(a.names)
	if end-loc > cap(a.names)-start || len(a.nameRef) == cap(a.nameRef) || len(a.nameRef) > csIndexMask {
		l.fail(fmt.Errorf("cannot store more than %d bytes of rewritten names: %w", cap(a.names), ErrArenaFull))
		return
	}
	for i := loc; i < end; i++ {
		a.names = append(a.names, l.at(i))
	}
	name := a.names[start:]
	if esc <= 0xFF && esc <= n && bytes.Equal(name, l.src[off+esc:off+n]) {
		a.names = a.names[:start]
		l.gmParName(off+esc, n-esc)
		l.emit(uint32(esc), off, n)
		return
	}
	if len(name) == 1 && name[0] == '\r' {
		a.names = a.names[:start]
		l.emit(valCSEOL, off, n)
		return
	}
	a.nameRef = append(a.nameRef, uint64(start)<<32|uint64(len(name)))
	l.emit(csRewritten|uint32(len(a.nameRef)-1), off, n)
}

// LexReference lexes src into a with the reference driver: the plain
// character-at-a-time reading that every other path must match exactly.
// It is slower than Lex; use it to check results. Errors are as for Lex.
func LexReference(a *Arena, src []byte, cancel *atomic.Bool) error {
	return lexRef(a, src, cancel)
}
