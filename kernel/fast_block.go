package kernel

import (
	"math/bits"
	"unicode/utf8"
)

// The block driver: it lexes whole 64-byte blocks from their masks, across
// line ends, with no branch per token. For each block it computes, with
// carry arithmetic on the masks,
//
//   - the escape characters that start control sequences (in a run of
//     backslashes every other one, from the run's first), the name of each
//     (a run of ASCII letters, or one byte), and so the bytes that are
//     names and emit nothing;
//   - the comments (from a '%' that is not a control symbol's name to the
//     line end, which they take with them), where nothing counts;
//   - the bytes that emit a token at their own offset: ordinary bytes that
//     are not names (the active '~' among them), the first bytes of UTF-8
//     characters (utf8Masks), a space or TAB right after a byte that leaves
//     TeX in state M (an emitted character or a control symbol that is not
//     a space), unless it is one of the 0x20 bytes TeX strips at the end of
//     a line, every escape character (its token spans the name), and every
//     line end (an LF, or the CR of a CR LF) whose line is in state M (a
//     space) or N (\par) there, unless a comment took it;
//
// then stores the emitted tokens with one compress step (8 vector
// permutations on the AVX2 path, a loop over the set bits in pure Go) and
// patches the few tokens whose value or length is not the byte's own: the
// control sequences, the UTF-8 characters, the end-of-line tokens of CR LF
// pairs and the \par tokens. It records the lines it passes in the arena's
// line index and runs the group and math check on its tokens. A '^' with
// no '^' next to it cannot start ^^ notation: it emits a superscript token
// like an ordinary byte.
//
// A block is cut before the first thing the masks cannot settle: a byte of
// the hard mask that is not a control-sequence name or in a comment ('^'
// next to another '^', the form feed and control characters, bytes >= 0x80
// that are not part of a UTF-8 character read here, a CR or LF of the
// other line-end mode), a control sequence whose name continues with "^^"
// or a byte >= 0x80 that is not such a character, or is a byte >= 0x80,
// the end of the line or '^' before '^', and before anything whose reading
// depends on the next block (an escape character or a control word at the
// block's end, 0x20 bytes that reach it, a UTF-8 character or a CR LF that
// it cuts in two). A cut is always a clean point: the reading of every
// byte before it does not depend on what follows, and TeX's state after it
// is N, M or S (or inside a comment, which the next block goes on with).
// The fast driver (fast_driver.go) then takes over for the rest of the
// line, from the reading position and state the block driver left.
//
// The block driver runs only in normal mode, while every line end seen so
// far is an LF, or every one is a CR LF (so it never has a mixed line
// endings issue to report), and while the arena has room for a whole block
// of tokens and lines (the drivers that take over fail exactly where the
// reference driver does).

// blockVal is the token value the block driver's pure-Go path stores for a
// byte it emits: simpleVal, a space for LF, escape length 1 for '\'.
var blockVal = func() (t [256]uint32) {
	t = simpleVal
	t['\n'] = valSpace
	t['\\'] = 1
	t['^'] = PackChar(CatSuperscr, '^')
	return t
}()

// Bit masks of the even and odd positions of a block.
const (
	evenBits = 0x5555555555555555
	oddBits  = ^uint64(evenBits)
)

// blockPlan is what a block's masks say: where to cut it and which tokens
// the bytes before the cut emit.
type blockPlan struct {
	cut   int    // bytes [0, cut) are lexed; cut == 0: none
	stop  bool   // the cut is before a byte the fast driver must read
	emit  uint64 // bytes that emit a token (below cut)
	esc   uint64 // escape characters (below cut)
	lf    uint64 // LFs (below cut): a line starts after each
	eol   uint64 // the CRs of CR LF line ends (CR LF mode, below cut)
	u8    uint64 // the first bytes of UTF-8 characters (below cut)
	par   uint64 // line ends that emit \par
	com   bool   // byte cut-1 is in a comment (the line end after it emits nothing)
	state uint8  // TeX's state after byte cut-1
}

// runBefore returns the number of consecutive set bits of mask just below
// bit i (the length of a run of 0x20 bytes or of letters ending at i-1).
func runBefore(mask uint64, i int) int {
	if i == 0 {
		return 0
	}
	return bits.LeadingZeros64(^(mask << (64 - uint(i))))
}

// nextAfter returns, for each bit of sel, the lowest bit of set above it
// (none past bit 63). sel must be a subset of set: adding each bit of sel,
// shifted up one, to the bits outside set carries it to the next bit of
// set, and carries from different bits never meet.
func nextAfter(sel, set uint64) uint64 { return (^set + sel<<1) & set }

// b2u returns 1 for true and 0 for false.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// planBlock analyses a block from its masks. in is TeX's state before the
// block's first byte, which is a clean point; next is the byte after the
// block, or -1 at the end of the document. It branches only on things that
// are rare in real documents.
//
// With crlf false, the line ends are LFs, and a CR is a hard byte. With
// crlf true (a document whose line ends so far are all CR LF), a line end
// is a CR followed by an LF: the CR emits the end-of-line token (its span
// is the pair) and the LF nothing, and a CR or LF on its own is a hard
// byte. A cut never falls between the two.
//
// A UTF-8 character of 2 to 4 bytes (canonical, not a surrogate, and not
// one of the invisible or confusable code points the slow driver reports)
// is read like an ordinary byte: catcode 12, its token at its first byte;
// any other byte >= 0x80 is hard, and a character that the block cuts in
// two ends it early.
//
// It fills *pl field by field (a returned struct would be copied in 16-byte
// moves right after its 8-byte stores, which stalls store forwarding).
func planBlock(m *blockMasks, in uint8, inCom bool, next int, crlf bool, pl *blockPlan) {
	// Escape characters: in each run of backslashes, every other one from
	// the run's first.
	bs := m.bs
	rs := bs &^ (bs << 1)
	runsE := bs &^ (bs + rs&evenBits) // runs that start at an even position
	esc := runsE&evenBits | bs&^runsE&oddBits
	let := m.let
	e := m.lf | m.cr

	// Comments: from a '%' that is not a control symbol's name (or the
	// block's start, inside a comment) to the line end, which they take
	// with them. Nothing in them counts; cuts never fall inside them.
	var com, comEnd uint64
	s20, sp, ord, car, ch, mhard := m.s20, m.sp, m.ord, m.car, m.ch, m.hard
	// UTF-8 characters: utf8Masks ran when the block has bytes >= 0x80.
	u8, u8c, soft := uint64(0), uint64(0), 64
	if m.hi != 0 {
		u8, u8c, soft = m.u8, m.u8c, m.u8cut
	}
	if m.pct != 0 || inCom {
		nf := esc << 1
		names := let&^(let+nf&let) | nf&^let
		start := m.pct&^names | b2u(inCom)
		// The carry of each start runs to the next line end.
		ne := ^e
		com = ((ne + start) ^ ne | start) &^ e
		comEnd = e & (com<<1 | b2u(inCom))
		live := ^com
		esc &= live
		let &= live
		s20, sp, ord, car, ch, mhard, u8, u8c = s20&live, sp&live, ord&live, car&live, ch&live, mhard&live, u8&live, u8c&live
		if soft < 64 && com>>soft&1 != 0 {
			soft = 64
		}
	}

	// Names: a run of letters after the escape, or one byte.
	nf := esc << 1
	sum := let + nf&let
	word := let &^ sum    // letters of control words
	wordEnd := sum &^ let // the byte after each control word
	sym := nf &^ let      // control-symbol names
	names := word | sym

	// 0x20 bytes that TeX strips before a line end.
	var trail uint64
	if x := e >> 1 & s20; x != 0 {
		for ; x != 0; x &= x - 1 {
			i := bits.TrailingZeros64(x) + 1
			t := runBefore(s20, i)
			trail |= (uint64(1)<<t - 1) << (i - t)
		}
	}

	// f: the bytes where a line ends (the end-of-line token's offset);
	// g: the last bytes of the line ends (a line starts after each).
	f, g := m.lf, m.lf
	var pair uint64
	if crlf {
		pair = m.cr & (m.lf>>1 | b2u(next == '\n')<<63)
		f, g = pair, pair<<1
		mhard = (mhard | m.lf) &^ (pair | g)
	}
	f &^= comEnd // a comment's line end emits nothing

	// UTF-8 characters (utf8Masks). One that the block cuts in two (soft <
	// 64 here) is read in the next block: its bytes are not hard.
	mhard &^= u8 | u8c
	if soft < 64 {
		mhard &= 1<<soft - 1
	}

	// A '^' with no '^' on either side (the byte after the block
	// included) cannot start ^^ notation: a superscript token of its own.
	single := car &^ (car << 1) &^ (car>>1 | b2u(next == '^')<<63)

	// The cut: hard reasons stop the block driver, soft ones (what the
	// next block decides) only end this block early.
	hard := bits.TrailingZeros64(mhard &^ names &^ single)
	// A control symbol named by a byte >= 0x80, a line end or a stripped
	// space, or named '^' with another '^' after it (^^ notation in the
	// name), needs the slow driver.
	dcar := car & (car>>1 | b2u(next == '^')<<63)
	hard = min(hard, bits.TrailingZeros64(sym&(ch&^car|dcar|e|s20&trail)>>1)) // sym is never bit 0
	// A control word followed by a caret (^^ notation may go on with its
	// name), or by a byte >= 0x80 that is not a UTF-8 character read here
	// (LuaTeX decodes it as it scans the name, and may report it there).
	if b := wordEnd & ch &^ single &^ u8; b != 0 {
		a := bits.TrailingZeros64(b)
		hard = min(hard, a-runBefore(let, a)-1) // the word's escape
	}
	if next < 0 && m.lf>>63 != 0 {
		// The document's last line end ends it: slow() does that.
		hard = min(hard, 63-int(b2u(crlf)))
	}
	if hard < 64 && e>>hard&1 != 0 {
		hard -= runBefore(s20, hard) // before the stripped spaces
	}
	if esc>>63 != 0 {
		soft = min(soft, 63)
	}
	if pair>>63 != 0 {
		// A CR whose LF is in the next block: cut before it and the
		// spaces it strips (or the control space they start).
		s := 63 - runBefore(s20, 63)
		s -= int(sym >> s & 1)
		soft = min(soft, s)
	}
	if word>>63 != 0 && next >= 0 && (next >= 0x80 || next == '^' || isLetterByte(byte(next))) {
		soft = min(soft, 64-bits.LeadingZeros64(^let)-1) // the name may go on
	}
	if s20>>63 != 0 && (next < 0 || next == ' ' || next == '\n' || next == '\r') {
		// Spaces that may be stripped: cut before them (or before the
		// control space they start).
		s := 64 - bits.LeadingZeros64(^s20)
		s -= int(sym >> s & 1)
		soft = min(soft, s)
	}
	c := min(hard, soft)
	pl.cut, pl.stop = c, hard < 64 && hard <= soft
	if c == 0 {
		pl.state, pl.com = in, inCom
		return
	}
	pl.com = com>>(c-1)&1 != 0
	keep := ^uint64(0) >> (64 - uint(c))

	// Emitted bytes.
	inM, inN := b2u(in == stateM), b2u(in == stateN)
	ord = (ord | single | u8) &^ names
	setM := ord | u8c | sym&^sp
	prevM := setM<<1 | inM
	sp1 := sp & prevM &^ names &^ trail
	// Line ends: \par in state N (a line of spaces, reached from the line's
	// start), a space in state M (the byte before the stripped spaces left
	// state M).
	blank := sp &^ (sp + (g<<1|inN)&sp)
	nLF := f & ((g|blank)<<1 | inN)
	mLF := f & prevM
	if trail != 0 {
		mfill := trail &^ (trail + prevM&trail)
		mLF = f & ((setM|mfill)<<1 | inM)
	}
	pl.emit = (ord | sp1 | esc | nLF | mLF) & keep
	pl.esc = esc & keep
	pl.lf = g & keep
	pl.eol = pair & keep
	pl.u8 = u8 & keep
	pl.par = nLF & keep
	j := uint(c - 1)
	switch {
	case setM>>j&1 != 0:
		pl.state = stateM
	case (g|blank)>>j&1 != 0:
		pl.state = stateN
	default:
		pl.state = stateS
	}
}

// utf8Masks fills m's UTF-8 fields for a block with bytes >= 0x80 (m.hi):
// the first bytes (u8) and the others (u8c) of the UTF-8 characters that
// the block driver reads as ordinary ones (a byte >= 0x80 in neither is
// hard), their code points in order (codes), and u8cut, 64 or the offset of
// a character the block cuts in two.
func utf8Masks(m *blockMasks, blk *[64]byte) {
	var u8, u8c uint64
	cut := 64
	for x := m.hi; x != 0; {
		i := bits.TrailingZeros64(x)
		c, k := utf8Ordinary(blk[i:])
		if k < 0 {
			cut = i // the character goes on in the next block
			break
		}
		if k == 0 {
			// A hard byte: the cut falls before it unless a comment
			// takes it, so the characters after it count too.
			x &= x - 1
			continue
		}
		m.codes[bits.OnesCount64(u8)&31] = c // at most 32 characters of 2 bytes or more
		u8 |= 1 << i
		u8c |= (1<<(k-1) - 1) << (i + 1)
		x &^= 1<<(i+k) - 1
	}
	m.u8, m.u8c, m.u8cut = u8, u8c, cut
}

// utf8Ordinary returns the code point and length (2 to 4) of the UTF-8
// character at b[0] (a byte >= 0x80) when the fast drivers read it as an
// ordinary catcode-12 character: canonical (as unicode/utf8 decodes), not
// U+FFFD and not one of the code points the slow driver reports. The length
// is -1 when b ends before the character does, and 0 for a byte the slow
// driver must read.
func utf8Ordinary(b []byte) (uint32, int) {
	if len(b) < utf8.UTFMax && !utf8.FullRune(b) {
		return 0, -1
	}
	r, k := utf8.DecodeRune(b)
	switch r {
	case utf8.RuneError: // invalid, or U+FFFD itself, which LuaTeX's decoder reports
		return 0, 0
	case 0xA0, 0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return 0, 0 // reported by checkInvisible (or ignored: U+FEFF)
	}
	return uint32(r), k
}

// blockRun runs the block driver from l.pos (normal mode, l.pos <=
// l.limit) until a cut stops it, then sets the lexer up to go on from the
// cut in the current line.
func (l *lexer) blockRun(simd bool) {
	src := l.src
	a := l.a
	p, n, state := l.pos, l.n, l.state
	lineStart := l.lineStart
	var (
		m    blockMasks
		vals blockVals
		pl   blockPlan
	)
	// The group and math check of the tokens before the block driver's
	// first, then of its own tokens block by block from the masks (nothing
	// marked, nothing read back), but a $ that is the last token so far:
	// pend >= 0 is its byte offset (its token is n-1).
	l.gmSync()
	g := &l.gm
	depth, math, open := g.depth, g.math, g.open
	pend := -1
	var anyLF uint64 // the LFs seen
	// The line index, kept in a local (stored back before anything reads
	// it: an issue's line, and the end of the run).
	lines := a.lines
	if g.next < n {
		pend = int(a.Off[n-1])
	}
	// Count mode: the last block that emitted tokens, to store the last
	// of them at the end (the only one read back).
	count := l.count
	var lastP int
	var lastEmit, lastEsc, lastPar, lastLet, lastEOL, lastU8 uint64
	// CR LF mode: every line end so far is a CR LF (the driver runs only
	// when they are all LF or all CR LF, so it never has a mixed line
	// endings issue to report).
	crlf := l.eolKinds == eolCRLF
	inCom := false // the block starts inside a comment
	for p+64 <= len(src) && p < l.checkAt && n+64+8 <= len(a.Val) && n+64 <= l.tokCap &&
		len(lines)+64 <= cap(lines) {
		blk := (*[64]byte)(src[p : p+64])
		next := -1
		if p+64 < len(src) {
			next = int(src[p+64])
		}
		if simd {
			v := &vals
			if count {
				v = nil // the values are not stored
			}
			classifyAVX2(blk, v, &m)
		} else {
			m = classifyGo(blk)
		}
		if m.hi != 0 {
			utf8Masks(&m, blk)
		}
		planBlock(&m, state, inCom, next, crlf, &pl)
		if pl.cut == 0 {
			break
		}
		n0 := n
		emit := pl.emit
		if count {
			n += bits.OnesCount64(emit)
			if emit != 0 {
				lastP, lastEmit, lastEsc, lastPar, lastLet, lastEOL, lastU8 = p, emit, pl.esc, pl.par, m.let, pl.eol, pl.u8
			}
		} else if simd {
			n = compressAVX2(a.Val, a.Off, a.Len, n, &vals, emit, p)
		} else {
			n = compressGo(a.Val, a.Off, a.Len, n, blk, emit, p)
		}
		// Control sequences and \par: their values and lengths (none
		// stored when counting), and those named par.
		var parCS uint64 // escape characters of control sequences named par
		esc := pl.esc
		if count && math == 0 && pend < 0 && m.dol&emit == 0 {
			// Counting, out of math, and no $ to enter it in this
			// block: a \par changes nothing, and nothing else below
			// needs the control sequences (2 to 3 % of Count in an
			// in-process A/B on the seed corpus).
			esc = 0
		}
		for x := esc; x != 0; x &= x - 1 {
			i := bits.TrailingZeros64(x)
			nl := max(trailingOnes(m.let>>(i+1)), 1) // a word, or a symbol
			if !count {
				k := bits.OnesCount64(emit & (1<<i - 1))
				a.Val[n0+k], a.Len[n0+k] = 1, uint8(1+nl) // nl < 64
			}
			if string(blk[i+1:i+1+nl]) == "par" {
				parCS |= 1 << i
			}
		}
		// The end-of-line tokens at the CRs of CR LF pairs: a space of
		// two bytes (a \par below).
		for x := pl.eol & emit; x != 0 && !count; x &= x - 1 {
			k := n0 + bits.OnesCount64(emit&(1<<bits.TrailingZeros64(x)-1))
			a.Val[k], a.Len[k] = valSpace, 2
		}
		// UTF-8 characters: their code points and lengths.
		for x := pl.u8; x != 0 && !count; x &= x - 1 {
			i := bits.TrailingZeros64(x)
			k := n0 + bits.OnesCount64(emit&(1<<i-1))
			c := m.codes[bits.OnesCount64(m.u8&(1<<i-1))&31] // comments' characters count too
			a.Val[k], a.Len[k] = PackChar(CatOther, c), uint8(UTF8Len(c))
		}
		for x := pl.par; x != 0 && !count; x &= x - 1 {
			k := bits.OnesCount64(emit & (1<<bits.TrailingZeros64(x) - 1))
			a.Val[n0+k] = valPar
		}
		// Lines: the first three starts are stored whether they exist or
		// not (into the room the loop checked), with no branch on how
		// many there are; more are rare.
		lf := pl.lf
		anyLF |= lf
		nl := len(lines)
		lines = lines[:nl+64]
		ls := lines[nl : nl+3 : nl+3]
		ls[0] = uint32(p + bits.TrailingZeros64(lf) + 1)
		x := lf & (lf - 1)
		ls[1] = uint32(p + bits.TrailingZeros64(x) + 1)
		x &= x - 1
		ls[2] = uint32(p + bits.TrailingZeros64(x) + 1)
		for x, j := x&(x-1), nl+3; x != 0; x, j = x&(x-1), j+1 {
			lines[j] = uint32(p + bits.TrailingZeros64(x) + 1)
		}
		lines = lines[:nl+bits.OnesCount64(lf)]
		if lf != 0 {
			lineStart = p + 64 - bits.LeadingZeros64(lf)
		}
		if emit != 0 {
			// The group and math check, in token (= byte) order (after
			// the lines, which place its issues). A $
			// waiting from before takes its double from this block's
			// first token.
			var skip uint64 // the second $ of a $$, consumed with the first
			if pend >= 0 {
				f := bits.TrailingZeros64(emit)
				dbl := m.dol>>f&1 != 0
				if dbl && math != 1 {
					skip = 1 << f
				}
				math, open = gmDollar(math, open, uint32(pend), dbl)
				pend = -1
			}
			// Braces: the depth can only go below zero, an issue, when
			// the block closes more groups than are open and some '}'
			// does not come right after a '{' (among the braces).
			ob, cb := m.ob&emit, m.gm&^m.ob&^m.dol&emit
			if nc := bits.OnesCount64(cb); nc <= depth || cb&^nextAfter(ob, ob|cb) == 0 {
				depth += bits.OnesCount64(ob) - nc
			} else {
				for x := ob | cb; x != 0; x &= x - 1 {
					i := bits.TrailingZeros64(x)
					switch {
					case ob>>i&1 != 0:
						depth++
					case depth == 0:
						a.lines = lines
						l.postIssue(IssueUnmatchedClose, uint32(p+i), '}')
					default:
						depth--
					}
				}
			}
			// Math: $ and \par. Without a \par, and when no $ is
			// followed by another, every $ toggles math: only their
			// number and the last one count. A $ that is the block's
			// last token waits for the next block.
			dol, par := m.dol&emit&^skip, pl.par|parCS
			if par == 0 && dol != 0 {
				last := 63 - bits.LeadingZeros64(dol)
				lastPend := emit>>last>>1 == 0
				rest := dol
				if lastPend {
					rest &^= 1 << last
				}
				if nextAfter(rest, emit)&m.dol == 0 {
					if c := bits.OnesCount64(rest); c != 0 {
						if (b2u(math != 0)+uint64(c))&1 != 0 {
							math, open = 1, uint32(p+63-bits.LeadingZeros64(rest))
						} else {
							math = 0
						}
					}
					if lastPend {
						pend = p + last
					}
					dol = 0
				}
			}
			for x := dol | par; x != 0; x &= x - 1 {
				i := bits.TrailingZeros64(x)
				if par>>i&1 != 0 {
					if math != 0 {
						a.lines = lines
						l.postIssue(IssueUnclosedMath, open, uint32(math))
						math = 0
					}
					continue
				}
				after := emit >> i >> 1 // the tokens after this $
				if after == 0 {
					pend = p + i // its double is decided later
					break
				}
				j := i + 1 + bits.TrailingZeros64(after)
				dbl := m.dol>>j&1 != 0
				if dbl && math != 1 {
					x &^= 1 << j
				}
				math, open = gmDollar(math, open, uint32(p+i), dbl)
			}
		}
		p += pl.cut
		state, inCom = pl.state, pl.com
		if pl.stop {
			break
		}
	}
	if lastEmit != 0 {
		// Count mode: the last token, which the drivers after this one
		// and the group and math check may read back.
		i := 63 - bits.LeadingZeros64(lastEmit)
		v, ln := blockVal[src[lastP+i]], uint8(1)
		switch {
		case lastEsc>>i&1 != 0:
			v, ln = 1, uint8(1+max(trailingOnes(lastLet>>(i+1)), 1))
		case lastEOL>>i&1 != 0: // a CR LF: a space or a \par of two bytes
			v, ln = valSpace, 2
			if lastPar>>i&1 != 0 {
				v = valPar
			}
		case lastPar>>i&1 != 0:
			v = valPar
		case lastU8>>i&1 != 0:
			c, k := utf8Ordinary(src[lastP+i:])
			v, ln = PackChar(CatOther, c), uint8(k)
		}
		a.Val[n-1], a.Off[n-1], a.Len[n-1] = v, uint32(lastP+i), ln
	}
	l.n = n
	a.lines = lines
	if anyLF != 0 && !crlf {
		l.eolKinds |= eolLF
	}
	g.depth, g.math, g.open, g.next = depth, math, open, n
	if pend >= 0 {
		// The last token is a $ whose double is not known yet: the check
		// visits it after the next token.
		g.next = n - 1
		g.gmMark(n-1, 1)
	}
	g.clear()
	if lineStart != l.lineStart {
		l.enterLine(lineStart)
	}
	l.pos, l.state = p, state
	if inCom {
		// Stopped inside a comment: the rest of the line, its end
		// included, is read.
		l.pos = l.limit + 1
	}
}

// compressGo stores a token for each set bit i of emit: value blockVal of
// blk[i], offset base+i, length 1, from token slot n on, and returns the new
// token count. The caller checked that the slots exist.
func compressGo(val, off []uint32, ln []uint8, n int, blk *[64]byte, emit uint64, base int) int {
	k := bits.OnesCount64(emit)
	val, off, ln = val[n:n+k], off[n:n+k], ln[n:n+k]
	for j := range val {
		i := bits.TrailingZeros64(emit)
		emit &= emit - 1
		val[j] = blockVal[blk[i]]
		off[j] = uint32(base + i)
		ln[j] = 1
	}
	return n + k
}
