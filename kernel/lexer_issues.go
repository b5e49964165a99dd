package kernel

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
)

// issue records an issue at source offset off. Issues past the arena's
// capacity are counted (finish adds one IssueTooMany entry for them).
func (l *lexer) issue(code IssueCode, off int, arg uint32) {
	a := l.a
	if len(a.issues) == cap(a.issues) {
		a.dropped++
		return
	}
	line, col := len(a.lines), off-l.lineStart+1
	if off < l.lineStart || line == 0 {
		line, col = a.LineCol(uint32(off))
	}
	a.issues = append(a.issues, Issue{Off: uint32(off), Line: uint32(line), Col: uint32(col), Arg: arg, Code: code})
}

// finish completes the arena after the last line: the token count, the
// group and math checks, and the issues in source order. It returns the
// error that stopped lexing, if any.
func (l *lexer) finish() error {
	a := l.a
	a.N = l.n
	if l.err != nil {
		return l.err
	}
	l.gmAdvance(true)
	is := a.issues
	if !slices.IsSortedFunc(is, cmpIssue) {
		slices.SortStableFunc(is, cmpIssue)
	}
	if a.dropped > 0 && cap(is) > 0 {
		if len(is) == cap(is) {
			is = is[:len(is)-1]
			a.dropped++
		}
		off := uint32(len(l.src))
		line, col := a.LineCol(off)
		is = append(is, Issue{Off: off, Line: uint32(line), Col: uint32(col), Arg: uint32(a.dropped), Code: IssueTooMany})
	}
	a.issues = is
	return nil
}

func cmpIssue(x, y Issue) int { return cmp.Compare(x.Off, y.Off) }

// gmState is the group and math check, run over the tokens in rounds while
// lexing goes on (at every cancel check, so that the token values it reads
// are still in the cache) and a last time in finish: a `}` with no open
// group, `{` still open at the end of the file (each one, at its own
// offset), and `$` or `$$` not closed before \par or the end of the file.
// Tokens count by their printed catcode (1, 2, 3); \par is any control
// sequence named par.
type gmState struct {
	next   int  // next token index to look at
	depth  int  // open groups
	math   int  // 0 none, 1 inline ($), 2 display ($$)
	open   int  // token index of the $ that opened math
	carets bool // the document has "^^": \par may be written in many ways
}

// gmAdvance runs the group and math check over the tokens emitted so far;
// final says lexing is over (otherwise the last token waits for the next
// round: a $ needs to see the token after it).
func (l *lexer) gmAdvance(final bool) {
	a := l.a
	n := l.n
	g := &l.gm
	stop := n
	if !final {
		stop = n - 1
	}
	if g.next >= stop && !final {
		return
	}
	val := a.Val[:n]
	depth, math, open := g.depth, g.math, g.open
	i := g.next
	for i < stop {
		// Blocks of 64 tokens: a bit mask of the ones that matter (printed
		// catcode 1, 2 or 3, a control sequence with a stored name such as
		// a blank line's \par), computed from the values alone; then only
		// those are visited.
		end := min(i+64, stop)
		var mask uint64
		switch {
		case end == i+64 && l.simd:
			mask = gmMask64AVX2((*[64]uint32)(val[i : i+64]))
		case end == i+64:
			mask = gmMask64((*[64]uint32)(val[i : i+64]))
		default:
			for k := i; k < end; k++ {
				mask |= uint64(interestingKey[val[k]>>20]) << (k - i)
			}
		}
		next := end
		for mask != 0 {
			j := bits.TrailingZeros64(mask)
			mask &= mask - 1
			k := i + j
			switch v := val[k]; v >> catShift {
			case CatBeginGroup:
				depth++
			case CatEndGroup:
				if depth == 0 {
					l.postIssue(IssueUnmatchedClose, a.Off[k], '}')
				} else {
					depth--
				}
			case CatMathShift:
				if math != 0 && l.parBetween(open, k) {
					// A \par inside the math ended it: this $ opens.
					l.postIssue(IssueUnclosedMath, a.Off[open], uint32(math))
					math = 0
				}
				double := k+1 < n && val[k+1]>>catShift == CatMathShift
				if double && (math == 0 || math == 2) {
					// The second $ of $$ is consumed with the first.
					if k+1 < end {
						mask &^= 1 << (j + 1)
					} else {
						next = k + 2
					}
				}
				switch {
				case math == 0 && double:
					math, open = 2, k
				case math == 0:
					math, open = 1, k
				default:
					math = 0
				}
			default: // a control sequence with a stored name
				if math != 0 && v == valPar {
					l.postIssue(IssueUnclosedMath, a.Off[open], uint32(math))
					math = 0
				}
			}
		}
		i = next
	}
	g.next, g.depth, g.math, g.open = i, depth, math, open
	if !final {
		return
	}
	if math != 0 {
		l.postIssue(IssueUnclosedMath, a.Off[open], uint32(math))
	}
	need := 0
	for i := n - 1; i >= 0 && depth > 0; i-- {
		switch val[i] >> catShift {
		case CatEndGroup:
			need++
		case CatBeginGroup:
			if need > 0 {
				need--
			} else {
				l.postIssue(IssueUnclosedGroup, a.Off[i], uint32(depth))
				depth--
			}
		}
	}
}

// gmMask64 returns the bit mask of the tokens of w the group and math check
// must visit (see interestingKey): bit j for w[j]. It works on two tokens
// per uint64: a value v (always < 2^27) matters when 1<<20 <= v < 8<<20,
// and adding 2^31-2^20 (2^31-2^23) to a lane sets its bit 31 exactly when
// v >= 1<<20 (v >= 8<<20), with no carry into the next lane.
// gmMask64AVX2 returns exactly the same.
func gmMask64(w *[64]uint32) uint64 {
	const (
		lo = (1<<31 - 1<<20) * (1 | 1<<32)
		hi = (1<<31 - 8<<20) * (1 | 1<<32)
	)
	var m uint64
	for j := 0; j < 64; j += 4 {
		x := uint64(w[j]) | uint64(w[j+1])<<32
		y := uint64(w[j+2]) | uint64(w[j+3])<<32
		tx := ((x + lo) &^ (x + hi)) >> 31 // bits 0 and 32
		ty := ((y + lo) &^ (y + hi)) >> 31
		m |= (tx&1 | tx>>31&2 | ty<<2&4 | ty>>29&8) << j
	}
	return m
}

// interestingKey[v>>20] is 1 for the token values the group and math
// check must visit: printed catcode 1, 2 or 3 (keys 2 to 7), and control
// sequences with a stored name (key 1), among them a blank line's \par.
// The key is the catcode field and csRewritten.
var interestingKey = func() (t [1 << (32 - 20)]uint8) {
	for k := 1; k <= 7; k++ {
		t[k] = 1
	}
	return t
}()

// parBetween reports whether a control sequence named par lies strictly
// between tokens open and k (the $ that opened math and the next $). A
// blank line's \par cannot (the check ends math there), so in a document
// without "^^" such a token's source is "\par" followed by a non-letter:
// the math's source is searched and a match looked up among the tokens
// (binary search), which touches far less memory than reading names. With
// "^^" anywhere every control sequence in between is checked.
func (l *lexer) parBetween(open, k int) bool {
	a := l.a
	if l.gm.carets {
		for t := open + 1; t < k; t++ {
			if a.Val[t]>>catShift == 0 && isParName(a, l.src, t) {
				return true
			}
		}
		return false
	}
	src := l.src
	from, to := int(a.Off[open]), int(a.Off[k])
	for from < to {
		d := bytes.Index(src[from:to], parCS)
		if d < 0 {
			return false
		}
		x := from + d
		from = x + 1
		if x+4 < len(src) && isLetterByte(src[x+4]) {
			continue
		}
		lo, hi := open+1, k
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if a.Off[m] < uint32(x) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < k && a.Off[lo] == uint32(x) && a.Val[lo]>>catShift == 0 && a.Len[lo] == 4 {
			return true
		}
	}
	return false
}

var parCS = []byte(`\par`)

// isParName reports whether control-sequence token i is named "par".
func isParName(a *Arena, src []byte, i int) bool {
	v, n := a.Val[i], a.Len[i]
	if v&csRewritten == 0 {
		// The name is the source after the escape character: "par" needs
		// exactly 3 bytes after it.
		if n != v&0xFF+3 {
			return false
		}
		o := a.Off[i] + v&0xFF
		return src[o] == 'p' && src[o+1] == 'a' && src[o+2] == 'r'
	}
	nm := a.Name(i)
	return len(nm) == 3 && nm[0] == 'p' && nm[1] == 'a' && nm[2] == 'r'
}

// postIssue records an issue found after lexing (positions from the line
// index).
func (l *lexer) postIssue(code IssueCode, off uint32, arg uint32) {
	a := l.a
	if len(a.issues) == cap(a.issues) {
		a.dropped++
		return
	}
	line, col := a.LineCol(off)
	a.issues = append(a.issues, Issue{Off: off, Line: uint32(line), Col: uint32(col), Arg: arg, Code: code})
}
