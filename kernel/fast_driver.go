package kernel

import "sync/atomic"

// The fast driver: it walks the current line in blocks of 64 bytes,
// classifies each block into bitmasks (fast_class.go, simd_amd64.go) and,
// from the masks and TeX's reading state, handles by itself what needs no
// rule beyond the masks:
//
//   - a maximal run of simple bytes (ordinary ASCII, and a space or TAB that
//     follows an ordinary byte), emitted in bulk (vector stores on the AVX2
//     path);
//   - a run of spaces in state N or S (nothing to emit);
//   - a space in state M (one space token);
//   - a plain control word (\ + ASCII letters, then a byte that is neither a
//     letter, nor '^', nor >= 0x80) and a plain control symbol;
//   - the end-of-line character of a normal line (the line bookkeeping
//     itself is lexer.go's nextLine).
//
// Everything else (comments, ^^, non-ASCII, rewrite mode) goes to
// slow(), the reference lexer's one-step function (lexer.go). The contract
// between the two is in lexer.go's file comment: the driver only reads
// bytes of src[l.pos:l.limit] in normal mode (and the end-of-line character
// at l.limit), and the bytes before l.limit are never trailing spaces, so a
// space there always counts.

// lexFast lexes src into a with the fast driver; simd selects the AVX2
// kernels (the caller checked that they are usable).
func lexFast(a *Arena, src []byte, cancel *atomic.Bool, simd bool) error {
	var l lexer
	l.init(a, src, cancel)
	if simd {
		l.fastLoop(true)
	} else {
		l.fastLoop(false)
	}
	return l.finish()
}

// fastLoop runs the fast driver to the end of the document. Both values of
// simd give identical results; the branches on it are taken the same way
// for the whole document.
func (l *lexer) fastLoop(simd bool) {
	src := l.src
	a := l.a
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
		p, lim := l.pos, l.limit
		if l.rw || p >= lim {
			if p == lim && !l.rw && l.n < l.tokCap {
				// The end-of-line character (catcode 5) of a normal
				// line: \par in state N, a space in state M, nothing in
				// state S; its span is the line terminator.
				switch l.state {
				case stateN:
					l.put(valPar, l.term, l.termEnd-l.term)
				case stateM:
					l.put(valSpace, l.term, l.termEnd-l.term)
				}
				l.pos = lim + 1
				l.nextLine()
				continue
			}
			l.slow()
			continue
		}
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
				m = classifyGo(blk)
			}
			bs, be = p, p+64
		}
		sh := uint(p - bs)
		bit := uint64(1) << sh
		switch {
		case m.ord&bit != 0:
			// A run of simple bytes: ordinary ones, and spaces right
			// after an ordinary byte (state M there).
			simple := m.ord | m.sp&(m.ord<<1)
			run := trailingOnes(simple >> sh)
			if run > lim-p {
				run = lim - p
			}
			k := l.n
			if k+run > l.tokCap {
				l.slow() // reports the full arena
				continue
			}
			if simd && k+run+8 <= len(a.Val) {
				emitAVX2(a.Val, a.Off, a.Len, k, &vals, int(sh), p, run)
			} else {
				emitGo(a.Val, a.Off, a.Len, k, src, p, run)
			}
			l.n = k + run
			l.pos = p + run
			if m.sp>>(sh+uint(run)-1)&1 != 0 {
				l.state = stateS
			} else {
				l.state = stateM
			}
		case m.sp&bit != 0:
			if l.state != stateM {
				// Spaces in state N or S: skipped.
				q := p + trailingOnes(m.sp>>sh)
				if q > lim {
					q = lim
				}
				l.pos = q
				continue
			}
			if l.n >= l.tokCap {
				l.slow()
				continue
			}
			l.put(valSpace, p, 1)
			l.pos = p + 1
			l.state = stateS
		case src[p] == '\\' && p+1 < lim:
			l.fastCS(&m, bs, p, lim)
		default:
			l.slow()
		}
	}
}

// put stores a token; the caller checked l.n < l.tokCap.
func (l *lexer) put(val uint32, off, n int) {
	a := l.a
	a.Val[l.n] = val
	a.Off[l.n] = uint32(off)
	a.Len[l.n] = uint32(n)
	l.n++
}

// fastCS reads the control sequence whose escape character '\' is at p
// (p+1 < lim) when it is plain: a control word of ASCII letters ending
// before a byte that is not a letter, '^' or >= 0x80 (or at the end of the
// line), or a control symbol of an ASCII byte other than '^'. Anything else
// goes to slow().
func (l *lexer) fastCS(m *blockMasks, bs, p, lim int) {
	src := l.src
	sh := uint(p - bs + 1)
	if sh >= 64 || l.n >= l.tokCap {
		l.slow()
		return
	}
	if m.let>>sh&1 == 0 {
		b := src[p+1]
		if b >= 0x80 || b == '^' {
			l.slow()
			return
		}
		l.put(1, p, 2)
		l.pos = p + 2
		if b == ' ' || b == '\t' {
			l.state = stateS
		} else {
			l.state = stateM
		}
		return
	}
	n := trailingOnes(m.let >> sh)
	if int(sh)+n >= 64 {
		l.slow() // the name may go on past the block
		return
	}
	k := p + 1 + n
	if k > lim {
		k = lim
	}
	if k < lim && (src[k] >= 0x80 || src[k] == '^') {
		l.slow()
		return
	}
	l.put(1, p, k-p)
	l.pos = k
	l.state = stateS
}
