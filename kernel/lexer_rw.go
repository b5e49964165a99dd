package kernel

// Rewrite mode: TeX's buffer edits for ^^ notation inside control-sequence
// names (LuaTeX's check_expanded_code). TeX replaces the ^^ form in its line
// buffer by the UTF-8 bytes of the character it stands for, shifts the rest
// of the line left and rescans the name. The lexer models the edited buffer
// as a window (a.rwBuf, with the source span of every byte in a.rwStart and
// a.rwEnd) starting at buffer index wStart, followed by the untouched rest of
// the source line from tailSrc; buffer indices before wStart are still the
// source's. Every rewrite shrinks the buffer by at least two bytes.

// expandInName rewrites the buffer when a ^^ form starts at the superscript
// character c at buffer index k-1, as TeX does inside a name, and reports
// whether it did.
func (l *lexer) expandInName(k int, c uint32) bool {
	if uint32(l.at(k)) != c || k >= l.limit {
		return false
	}
	d, v := 1, c
	at := l.at
	if uint32(at(k+1)) == c && uint32(at(k+2)) == c {
		if hd, hv, ok := l.longCaret(k, c); ok {
			d, v = hd, hv
		}
	} else if x := at(k + 1); x < 0x80 {
		if y := at(k + 2); isHex(x) && k+2 <= l.limit && isHex(y) {
			d, v = 2, hexVal(x)<<4|hexVal(y)
		} else if x < 0x40 {
			v = uint32(x) + 0x40
		} else {
			v = uint32(x) - 0x40
		}
	}
	// else: a byte >= 0x80 after ^^ leaves the caret, and TeX still deletes
	// two bytes (LuaTeX bug, kept: it is what TeX reads).
	n := d + 2
	if d > 2 {
		n = 2 * d
	}
	var m [4]byte
	nm := tbUTF8(&m, v)
	l.rewrite(k-1, n, m[:nm])
	return true
}

// tbUTF8 writes v as TeX's buffer encoder does (lead byte truncated to 8
// bits for v >= 0x200000) and returns the length.
func tbUTF8(m *[4]byte, v uint32) int {
	switch {
	case v <= 0x7F:
		m[0] = byte(v)
		return 1
	case v <= 0x7FF:
		m[0], m[1] = byte(0xC0+v/0x40), byte(0x80+v%0x40)
		return 2
	case v <= 0xFFFF:
		m[0], m[1], m[2] = byte(0xE0+v/0x1000), byte(0x80+v%0x1000/0x40), byte(0x80+v%0x40)
		return 3
	}
	m[0], m[1], m[2], m[3] = byte(0xF0+v/0x40000), byte(0x80+v%0x40000/0x1000), byte(0x80+v%0x1000/0x40), byte(0x80+v%0x40)
	return 4
}

// rewrite replaces the n buffer bytes at index i by m (len(m) < n).
func (l *lexer) rewrite(i, n int, m []byte) {
	a := l.a
	if !l.rw {
		l.rw = true
		l.wStart, l.tailSrc, l.rwHigh = i, i, 0
		a.rwBuf, a.rwStart, a.rwEnd = a.rwBuf[:0], a.rwStart[:0], a.rwEnd[:0]
	}
	newLimit := l.limit - (n - len(m))
	newPast := l.at(newLimit + 1) // TeX's shift stops at the new limit
	s0, e0 := l.spanStart(i), l.spanEnd(i+n-1)
	if i <= l.limit && l.limit < i+n {
		l.eolGone = true
	}
	for l.wStart+len(a.rwBuf) < i+n {
		s := l.tailSrc
		l.tailSrc++
		switch {
		case s < l.srcLimit:
			l.appendWin(l.src[s], uint32(s), uint32(s+1))
		case s == l.srcLimit:
			l.appendWin('\r', uint32(l.term), uint32(l.termEnd))
		default:
			l.appendWin(' ', uint32(l.termEnd), uint32(l.termEnd))
		}
	}
	w := i - l.wStart
	copy(a.rwBuf[w+len(m):], a.rwBuf[w+n:])
	copy(a.rwStart[w+len(m):], a.rwStart[w+n:])
	copy(a.rwEnd[w+len(m):], a.rwEnd[w+n:])
	cut := len(a.rwBuf) - (n - len(m))
	a.rwBuf, a.rwStart, a.rwEnd = a.rwBuf[:cut], a.rwStart[:cut], a.rwEnd[:cut]
	for j, b := range m {
		a.rwBuf[w+j] = b
		a.rwStart[w+j] = uint32(s0)
		a.rwEnd[w+j] = uint32(e0)
	}
	l.limit, l.past = newLimit, newPast
	l.rwHigh = max(l.rwHigh, i+len(m))
}

// appendWin appends one byte to the rewrite window.
func (l *lexer) appendWin(b byte, s, e uint32) {
	a := l.a
	a.rwBuf = append(a.rwBuf, b)
	a.rwStart = append(a.rwStart, s)
	a.rwEnd = append(a.rwEnd, e)
}

// maybeLeaveRW returns to normal mode once the position has passed every
// rewritten byte (and the end-of-line character is still in place): the
// rest of the buffer is then the rest of the source line.
func (l *lexer) maybeLeaveRW() {
	if l.eolGone || l.pos < l.rwHigh {
		return
	}
	p := l.pos
	var sp int
	switch w := p - l.wStart; {
	case p > l.limit:
		sp = l.srcLimit + 1
	case p == l.limit:
		sp = l.srcLimit
	case w < len(l.a.rwBuf):
		sp = int(l.a.rwStart[w])
	default:
		sp = l.tailSrc + w - len(l.a.rwBuf)
	}
	l.pos, l.limit, l.rw = sp, l.srcLimit, false
}
