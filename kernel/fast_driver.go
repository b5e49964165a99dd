package kernel

import (
	"errors"
	"sync/atomic"
)

// The fast driver: it walks the current line in blocks of 64 bytes,
// classifies each block into bitmasks (fast_class.go, simd_amd64.go) and,
// from the masks and TeX's reading state, handles by itself what needs no
// rule beyond the masks:
//
//   - a maximal run of simple bytes (ordinary ASCII and the active '~', and
//     a space or TAB that follows an ordinary byte), emitted in bulk (vector
//     stores on the AVX2 path);
//   - a run of spaces in state N or S (nothing to emit);
//   - a space in state M (one space token);
//   - a plain control word (\ + ASCII letters, then a byte that is neither a
//     letter, nor '^', nor >= 0x80 unless it starts an ordinary UTF-8
//     character) and a plain control symbol;
//   - an ordinary UTF-8 character (see utf8Ordinary; catcode 12);
//   - the end-of-line character of a normal line (the line bookkeeping
//     itself is lexer.go's nextLine).
//
// The block masks also give the `{`, `}` and `$` of every bulk run, which
// the driver marks for the group and math check (lexer_issues.go) together
// with the \par names and blank-line \par tokens it stores, so that check
// never scans the token array.
//
// Everything else (comments, ^^, other bytes >= 0x80, rewrite mode) goes
// to slow(), the reference lexer's one-step function (lexer.go). The contract
// between the two is in lexer.go's file comment: the driver only reads
// bytes of src[l.pos:l.limit] in normal mode (and the end-of-line character
// at l.limit), and the bytes before l.limit are never trailing spaces, so a
// space there always counts.
//
// Bounds: the inner loop never runs past l.checkAt, so the cancel flag is
// checked every cancelEvery (64 KiB) bytes of input; every bulk store checks
// first that its whole run fits in the arena's token capacity (vector
// stores may then write scratch values into the arena's slack), and a run
// that does not fit goes to slow(), which fails with ErrArenaFull exactly as
// the reference driver does.

// lexFast lexes src into a with the fast driver; simd selects the AVX2
// kernels (the caller checked that they are usable). The AVX2 path runs
// the block driver (fast_block.go) wherever it can; the pure-Go path does
// not (its block classification costs more than the line driver saves).
func lexFast(a *Arena, src []byte, cancel *atomic.Bool, simd bool) error {
	return lexFastMode(a, src, cancel, simd, simd, false)
}

// countFast is lexFast for Count: the block driver does not store its
// tokens. When the result needs them after all (a group still open at the
// end, whose start an issue points at), the document is lexed again with
// lexFast.
func countFast(a *Arena, src []byte, cancel *atomic.Bool, simd bool) error {
	err := lexFastMode(a, src, cancel, simd, simd, true)
	if errors.Is(err, errRecount) {
		err = lexFast(a, src, cancel, simd)
	}
	return err
}

// errRecount is lexFastMode's answer, in count mode, for a document whose
// result needs the tokens after all.
var errRecount = errors.New("cannot count without storing the tokens")

// lexFastMode is lexFast with the block driver on or off (tests run every
// combination), storing every token or, with count, only those Count
// needs (errRecount: not enough).
func lexFastMode(a *Arena, src []byte, cancel *atomic.Bool, simd, block, count bool) error {
	var l lexer
	l.init(a, src, cancel, simd)
	l.count, a.counted = count, count
	if !block {
		l.blockFrom = len(src) + 1
	}
	if simd {
		l.fastLoop(true)
	} else {
		l.fastLoop(false)
	}
	err := l.finish()
	if err == nil && l.recount {
		return errRecount
	}
	return err
}

// fastLoop runs the fast driver to the end of the document. Both values of
// simd give identical results; the branches on it are taken the same way
// for the whole document.
//
// The inner loop works on local copies of the position, token count and
// state, and writes them back before anything of lexer.go runs.
func (l *lexer) fastLoop(simd bool) {
	src := l.src
	a := l.a
	val, off, ln := a.Val, a.Off, a.Len
	tokCap := l.tokCap
	var (
		m      blockMasks
		bs, be int // the classified block is src[bs:be] (be-bs == 64)
		pad    [64]byte
		vals   blockVals
	)
	for !l.done {
		if l.pos >= l.checkAt {
			l.checkCancel()
			continue
		}
		if l.rw || l.pos > l.limit {
			l.slow()
			continue
		}
		if l.pos >= l.blockFrom && (l.eolKinds&^eolLF == 0 || l.eolKinds == eolCRLF) {
			// Whole blocks first (fast_block.go); after a run that got
			// nowhere, wait longer and longer before the next try.
			start := l.pos
			l.blockRun(simd)
			if l.pos-start < 16 {
				l.blockSkip = min(max(2*l.blockSkip, 64), 4096)
			} else {
				l.blockSkip = 0
			}
			l.blockFrom = l.pos + 1 + l.blockSkip
			continue
		}
		if l.n-l.gm.next >= gmGuard {
			l.gmAdvance(false) // before the inner loop marks more tokens
		}
		p, lim, n, state := l.pos, l.limit, l.n, l.state
		end := min(lim, l.checkAt)
	inner:
		for p < end {
			if p >= be || p < bs {
				var blk *[64]byte
				if p+64 <= len(src) {
					blk = (*[64]byte)(src[p : p+64])
				} else {
					pad = [64]byte{}
					copy(pad[:], src[p:])
					blk = &pad
				}
				if simd {
					classifyAVX2(blk, &vals, &m)
				} else {
					classifyGoLine(blk, &m)
				}
				bs, be = p, p+64
			}
			sh := uint(p - bs)
			bit := uint64(1) << sh
			switch {
			case m.ord&bit != 0:
				// A run of simple bytes: ordinary ones, and spaces
				// right after an ordinary byte (state M there).
				simple := m.ord | m.sp&(m.ord<<1)
				run := min(trailingOnes(simple>>sh), lim-p)
				if n+run > tokCap {
					break inner // slow() reports the full arena
				}
				if simd && n+run+8 <= len(val) {
					emitAVX2(val, off, ln, n, &vals, int(sh), p, run)
				} else {
					emitGo(val, off, ln, n, src, p, run)
				}
				if g := m.gm >> sh; g != 0 {
					// Mark its '{', '}' and '$' for the group and math check.
					l.gm.gmMark(n, g&(^uint64(0)>>(64-uint(run))))
				}
				n += run
				p += run
				state = stateM
				if m.sp>>(sh+uint(run)-1)&1 != 0 {
					state = stateS
				}
			case m.sp&bit != 0:
				if state != stateM {
					// Spaces in state N or S: skipped.
					p = min(p+trailingOnes(m.sp>>sh), lim)
					continue
				}
				if n >= tokCap {
					break inner
				}
				val[n], off[n], ln[n] = valSpace, uint32(p), 1
				n++
				p++
				state = stateS
			case src[p] == '\\' && p+1 < lim && n < tokCap:
				// A plain control sequence: \ + ASCII letters up to a
				// byte that is not a letter, '^' or >= 0x80 (or the end
				// of the line), or \ + an ASCII byte other than '^'.
				sh++ // the byte after the escape character
				if sh >= 64 {
					break inner
				}
				k := p + 2
				if m.let>>sh&1 == 0 {
					if b := src[p+1]; b >= 0x80 || b == '^' {
						break inner
					} else if b == ' ' || b == '\t' {
						state = stateS
					} else {
						state = stateM
					}
				} else {
					nl := trailingOnes(m.let >> sh)
					if int(sh)+nl >= 64 {
						break inner // the name may go on past the block
					}
					k = min(p+1+nl, lim)
					if k < lim && (src[k] == '^' || src[k] >= 0x80 && !utf8Starts(src[k:lim])) {
						break inner
					}
					state = stateS
				}
				val[n], off[n], ln[n] = 1, uint32(p), uint8(k-p) // escape length 1; k-p < 64
				if string(src[p+1:k]) == "par" {
					l.gm.gmMark(n, 1) // \par: the group and math check visits it
				}
				n++
				p = k
				if state == stateS {
					// The spaces after it are skipped (state S).
					if sk := uint(k - bs); sk < 64 {
						p = min(k+trailingOnes(m.sp>>sk), lim)
					}
				}
			case src[p] >= 0x80 && n < tokCap:
				// A UTF-8 character read as an ordinary one (see
				// planBlock): catcode 12, state M.
				c, k := utf8Ordinary(src[p:lim])
				if k <= 0 {
					break inner
				}
				val[n], off[n], ln[n] = PackChar(CatOther, c), uint32(p), uint8(k)
				n++
				p += k
				state = stateM
			default:
				break inner
			}
		}
		l.pos, l.n, l.state = p, n, state
		switch {
		case p == lim && n < tokCap:
			// The end-of-line character (catcode 5) of a normal line:
			// \par in state N, a space in state M, nothing in state S;
			// its span is the line terminator.
			switch state {
			case stateN:
				l.put(valPar, l.term, l.termEnd-l.term)
			case stateM:
				l.put(valSpace, l.term, l.termEnd-l.term)
			}
			l.pos = lim + 1
			l.nextLine()
		case p >= l.checkAt:
			// checked at the top of the loop
		default:
			l.slow()
		}
	}
}

// put stores a token of fewer than LongLen bytes; the caller checked l.n <
// l.tokCap.
func (l *lexer) put(val uint32, off, n int) {
	if gmMatters(val) {
		l.gm.gmMark(l.n, 1)
	}
	a := l.a
	a.Val[l.n] = val
	a.Off[l.n] = uint32(off)
	a.Len[l.n] = uint8(n)
	l.n++
}

// utf8Starts reports whether b starts with a UTF-8 character that the fast
// drivers read as an ordinary one (see utf8Ordinary).
func utf8Starts(b []byte) bool {
	_, k := utf8Ordinary(b)
	return k > 0
}
