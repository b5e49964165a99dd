package kernel

import (
	"cmp"
	"math/bits"
	"slices"
)

// issue records an issue at source offset off. Issues past the arena's
// capacity are counted (finish adds one IssueTooMany entry for them); see
// admitIssue for which are kept.
func (l *lexer) issue(code IssueCode, off int, arg uint32) {
	a := l.a
	if !a.admitIssue(uint32(off)) {
		return
	}
	line, col := len(a.lines), off-l.lineStart+1
	if off < l.lineStart || line == 0 {
		line, col = a.LineCol(uint32(off))
	}
	a.keepIssue(Issue{Off: uint32(off), Line: uint32(line), Col: uint32(col), Arg: arg, Code: code})
}

// admitIssue reports whether an issue at offset off is to be stored. While
// there is room, every one is. Once the arena's issues are full, it counts
// a drop and admits only an issue earlier than the latest one stored,
// which keepIssue then evicts: the issues kept are the earliest in the
// source whatever order they were found in (the drivers run the group and
// math check at different times, so a '}' issue may come after the issues
// of later bytes). The full list is a max-heap on offset until finish
// sorts it.
func (a *Arena) admitIssue(off uint32) bool {
	h := a.issues
	if len(h) < cap(h) {
		return true
	}
	a.dropped++
	if len(h) == 0 {
		return false
	}
	if !a.issueHeap {
		for i := len(h)/2 - 1; i >= 0; i-- {
			siftIssue(h, i)
		}
		a.issueHeap = true
	}
	return off < h[0].Off
}

// keepIssue stores an issue admitIssue admitted.
func (a *Arena) keepIssue(is Issue) {
	if h := a.issues; len(h) == cap(h) {
		h[0] = is
		siftIssue(h, 0)
		return
	}
	a.issues = append(a.issues, is)
}

// siftIssue moves h[i] down the max-heap on offset h.
func siftIssue(h []Issue, i int) {
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].Off > h[c].Off {
			c++
		}
		if h[c].Off <= h[i].Off {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
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
// sequence named par: it ends open math at once.
//
// The tokens that matter (printed catcode 1, 2 or 3, control sequences with
// a stored name such as a blank line's \par, and control sequences named
// par written out: see gmParName) are marked in a bitmap
// as they are emitted (gmMark; the fast driver marks the `{`, `}` and `$`
// of its bulk runs from its block masks), so a round reads only the values
// of those tokens. The bitmap is a ring of gmRing tokens indexed by token
// number; gmGuard bounds the tokens a round may leave unvisited so that
// live bits never wrap around.
type gmState struct {
	next    int    // next token index to look at
	depth   int    // open groups
	math    int    // 0 none, 1 inline ($), 2 display ($$)
	open    uint32 // byte offset of the $ that opened math
	cleared int    // ring words for tokens below this (a multiple of 64) are zero
	bits    [gmRing / 64]uint64
}

// Size of the group and math bitmap ring (tokens), and the number of
// unvisited tokens at which a driver runs a round before emitting more (the
// fast driver emits at most cancelEvery+1 tokens between its checks).
const (
	gmRing  = 1 << 16
	gmGuard = gmRing / 4
)

// gmMark marks the tokens n+j for the set bits j of m (n+64 may pass the
// last token; those bits are clear).
func (g *gmState) gmMark(n int, m uint64) {
	w, s := n>>6, uint(n)&63
	g.bits[w&(gmRing/64-1)] |= m << s
	g.bits[(w+1)&(gmRing/64-1)] |= m >> (64 - s) // 0 when s == 0
}

// gmParName marks the token about to be stored at l.n when it is a
// control sequence named par written out, its name being the source bytes
// src[nameOff:nameOff+nameLen]: the group and math check visits it.
func (l *lexer) gmParName(nameOff, nameLen int) {
	if string(l.src[nameOff:nameOff+nameLen]) == "par" {
		l.gmMarkOne()
	}
}

// gmDollar returns the math state and the offset of the $ that opened
// math after a $ at offset off; double says that the next token is a $
// too (which the caller consumes with it unless math was inline).
func gmDollar(math int, open, off uint32, double bool) (int, uint32) {
	switch {
	case math != 0:
		return 0, open
	case double:
		return 2, off
	}
	return 1, off
}

// clear zeroes the ring words of the tokens below g.next, which are
// visited, so that the ring can take the marks of later tokens.
func (g *gmState) clear() {
	for ; g.cleared+64 <= g.next; g.cleared += 64 {
		g.bits[(g.cleared>>6)&(gmRing/64-1)] = 0
	}
}

// gmMatters reports whether the group and math check visits value v:
// printed catcode 1, 2 or 3 (keys 2 to 7 of v>>20), or a control sequence
// with a stored name (key 1).
func gmMatters(v uint32) bool { return v-1<<20 < 7<<20 }

// gmAdvance runs the group and math check over the tokens emitted so far;
// final says lexing is over (otherwise the last token waits for the next
// round: a $ needs to see the token after it).
func (l *lexer) gmAdvance(final bool) {
	n := l.n
	if !final {
		l.gmVisit(n - 1)
		return
	}
	l.gmVisit(n)
	a, g := l.a, &l.gm
	val := a.Val[:n]
	depth, math := g.depth, g.math
	if depth > 0 && l.count {
		// Where the groups still open began is found in the tokens,
		// which Count did not store.
		l.recount = true
		return
	}
	if math != 0 {
		l.postIssue(IssueUnclosedMath, g.open, uint32(math))
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

// gmSync runs the group and math check over every token before l.n but a
// marked $ at l.n-1, whose reading depends on the token after it: that one
// is left for the caller (then l.gm.next == l.n-1).
func (l *lexer) gmSync() {
	n, g := l.n, &l.gm
	stop := n
	if t := n - 1; t >= g.next && g.bits[(t>>6)&(gmRing/64-1)]>>(uint(t)&63)&1 != 0 &&
		l.a.Val[t]>>catShift == CatMathShift {
		stop = t
	}
	l.gmVisit(stop)
}

// gmVisit visits the marked tokens from l.gm.next to stop (the second $ of
// a $$ at stop too, when consumed with the first).
func (l *lexer) gmVisit(stop int) {
	a := l.a
	n := l.n
	g := &l.gm
	if g.next >= stop {
		return
	}
	val := a.Val[:n]
	depth, math, open := g.depth, g.math, g.open
	i := g.next
	for i < stop {
		// One ring word at a time: only the marked tokens are visited.
		end := min((i|63)+1, stop)
		mask := g.bits[(i>>6)&(gmRing/64-1)] >> (uint(i) & 63)
		if w := end - i; w < 64 {
			mask &= 1<<w - 1
		}
		next := end
		for mask != 0 {
			j := bits.TrailingZeros64(mask)
			mask &= mask - 1
			k := i + j
			v := val[k]
			if c := v >> catShift; c-CatBeginGroup < 2 {
				// '{' adds one, '}' takes one, without a branch on
				// which it is (the two alternate unpredictably).
				d := 1 - 2*int(c-CatBeginGroup)
				if depth+d < 0 {
					l.postIssue(IssueUnmatchedClose, a.Off[k], '}')
				} else {
					depth += d
				}
				continue
			}
			switch v >> catShift {
			case CatMathShift:
				double := k+1 < n && val[k+1]>>catShift == CatMathShift
				if double && math != 1 {
					// The second $ of $$ is consumed with the first.
					if k+1 < end {
						mask &^= 1 << (j + 1)
					} else {
						next = k + 2
					}
				}
				math, open = gmDollar(math, open, a.Off[k], double)
			default: // \par written out, or a control sequence with a stored name
				if math != 0 && (v < csRewritten || isParName(a, l.src, k)) {
					l.postIssue(IssueUnclosedMath, open, uint32(math))
					math = 0
				}
			}
		}
		i = next
	}
	g.next, g.depth, g.math, g.open = i, depth, math, open
	g.clear()
}

// isParName reports whether control-sequence token i is named "par".
func isParName(a *Arena, src []byte, i int) bool {
	v, n := a.Val[i], a.TokenLen(i)
	if v&csRewritten == 0 {
		// The name is the source after the escape character: "par" needs
		// exactly 3 bytes after it.
		if n != v&0xFF+3 {
			return false
		}
		o := a.Off[i] + v&0xFF
		return string(src[o:o+3]) == "par"
	}
	return string(a.name(i)) == "par"
}

// postIssue records an issue found after lexing (positions from the line
// index).
func (l *lexer) postIssue(code IssueCode, off uint32, arg uint32) {
	a := l.a
	if !a.admitIssue(off) {
		return
	}
	line, col := a.LineCol(off)
	a.keepIssue(Issue{Off: off, Line: uint32(line), Col: uint32(col), Arg: arg, Code: code})
}
