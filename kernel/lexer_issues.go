package kernel

import (
	"cmp"
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
	for i := 0; i < n; i++ {
		switch v := val[i]; v >> catShift {
		case CatBeginGroup:
			depth++
		case CatEndGroup:
			if depth == 0 {
				l.postIssue(IssueUnmatchedClose, a.Off[i], '}')
			} else {
				depth--
			}
		case CatMathShift:
			double := i+1 < n && val[i+1]>>catShift == CatMathShift
			switch {
			case math == 0 && double:
				math, open = 2, i
				i++
			case math == 0:
				math, open = 1, i
			case math == 2 && double:
				math = 0
				i++
			default:
				math = 0
			}
		case CatEscape:
			if math != 0 && (v == valPar || l.isParName(i)) {
				l.postIssue(IssueUnclosedMath, a.Off[open], uint32(math))
				math = 0
			}
		}
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

// isParName reports whether control-sequence token i is named "par".
func (l *lexer) isParName(i int) bool {
	if l.a.Len[i] < 4 {
		return false
	}
	nm := l.a.Name(i)
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
