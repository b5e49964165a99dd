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
	l.checkGroupsAndMath()
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

// checkGroupsAndMath is a pass over the tokens: a `}` with no open group, `{`
// still open at the end of the file (each one, at its own offset), and `$`
// or `$$` not closed before \par or the end of the file. Tokens count by
// their printed catcode (1, 2, 3); \par is any control sequence named par.
func (l *lexer) checkGroupsAndMath() {
	a := l.a
	n := a.N
	val := a.Val[:n]
	depth := 0
	math, open := 0, 0 // math: 0 none, 1 inline, 2 display; open: token index
	var pars parFinder
	pars.init(a, l.src)
	nextPar := pars.next(0) // next token named par that is not a blank line's
	for i := 0; i < n; {
		// Blocks of 8 tokens: a bit mask of the ones that matter (printed
		// catcode 1, 2 or 3, a blank line's \par, the next other \par),
		// computed from the values alone; then only those are visited.
		end := min(i+8, n)
		var mask uint32
		if end == i+8 {
			w := val[i : i+8 : i+8]
			mask = uint32(interesting(w[0])>>63) | uint32(interesting(w[1])>>63)<<1 |
				uint32(interesting(w[2])>>63)<<2 | uint32(interesting(w[3])>>63)<<3 |
				uint32(interesting(w[4])>>63)<<4 | uint32(interesting(w[5])>>63)<<5 |
				uint32(interesting(w[6])>>63)<<6 | uint32(interesting(w[7])>>63)<<7
		} else {
			for k := i; k < end; k++ {
				mask |= uint32(interesting(val[k])>>63) << (k - i)
			}
		}
		if nextPar < end {
			mask |= 1 << (nextPar - i)
		}
		next := end
		for mask != 0 {
			j := bits.TrailingZeros32(mask)
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
				double := k+1 < n && val[k+1]>>catShift == CatMathShift
				if double && (math == 0 || math == 2) {
					// The second $ of $$ is consumed with the first.
					if j+1 < 8 {
						mask &^= 1 << (j + 1)
					} else {
						next = end + 1
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
			default: // a control sequence: a \par
				isPar := v == valPar
				if k == nextPar {
					isPar = true
					nextPar = pars.next(k + 1)
					if nextPar < end {
						mask |= 1 << (nextPar - i)
					}
				}
				if math != 0 && isPar {
					l.postIssue(IssueUnclosedMath, a.Off[open], uint32(math))
					math = 0
				}
			}
		}
		i = next
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

// interesting returns a value with bit 63 set when v is a character of
// printed catcode 1, 2 or 3 or the \par of a blank line, and clear
// otherwise (no branch).
func interesting(v uint32) uint64 {
	return (uint64(v-1<<catShift)-3<<catShift)&(1<<63) | (uint64(v^valPar)-1)&(1<<63)
}

// parFinder yields, in order, the indices of the control-sequence tokens
// named "par" other than blank lines' (those are recognised by value). In a
// document without "^^" such a token's source is "\par" followed by a
// non-letter, so it finds them by searching the source and looking the
// offsets up among the tokens (binary search), which touches far less
// memory than reading every token's name. With "^^" anywhere it checks every
// control sequence.
type parFinder struct {
	a      *Arena
	src    []byte
	every  bool // check every control sequence (the document has ^^)
	cursor int  // source offset to search from
}

var parCS = []byte("\\par")

func (f *parFinder) init(a *Arena, src []byte) {
	*f = parFinder{a: a, src: src, every: bytes.Contains(src, caretPair)}
}

// next returns the smallest index >= i of a token named par that is not a
// blank line's, or a.N when there is none.
func (f *parFinder) next(i int) int {
	a := f.a
	n := a.N
	if f.every {
		for ; i < n; i++ {
			if v := a.Val[i]; v>>catShift == 0 && v != valPar && isParName(a, f.src, i) {
				return i
			}
		}
		return n
	}
	src := f.src
	for f.cursor < len(src) {
		x := bytes.Index(src[f.cursor:], parCS)
		if x < 0 {
			f.cursor = len(src)
			break
		}
		x += f.cursor
		f.cursor = x + 1
		if x+4 < len(src) && isLetterByte(src[x+4]) {
			continue
		}
		// The token starting at offset x, if any.
		lo, hi := 0, n
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if a.Off[m] < uint32(x) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < n && lo >= i && a.Off[lo] == uint32(x) && a.Val[lo]>>catShift == 0 && a.Len[lo] == 4 {
			return lo
		}
	}
	return n
}

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
