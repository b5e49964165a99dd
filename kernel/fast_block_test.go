package kernel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// blockDoc returns a random document of about n bytes made mostly of what
// the block driver lexes by itself (letters, runs of spaces and TABs, line
// ends with and without stripped spaces, blank lines, runs of backslashes,
// control words and symbols, braces, dollars), with a few of the bytes it
// leaves to the line driver (CR, '^', '%', non-ASCII), so that blocks are
// cut at every position.
func blockDoc(r *rand.Rand, n int, hard bool) []byte {
	pieces := []string{
		"a", "Zq", "word", "text more ", " ", "  ", "    ", "\t", " \t ", "\n", "\n\n", " \n", "   \n", "\t\n",
		"\\", "\\\\", "\\\\\\", "\\foo", "\\foo ", "\\par", "\\par ", "\\pa", "\\part", "\\a1", "\\ ", "\\ x",
		"\\%", "\\~", "\\{", "\\$", "\\\t", "\\\x00", "\\\x7f", "{", "}", "$", "$$", "&", "#", "_", "0123", "!?.,;:",
		"x_{i} + \\alpha", "\\begin{equation}", "\\\\\n", "\\foo\n", "\\foo  \n", "\\, ", "\\,\n", "a\\ \n",
		// Comments (the block driver reads them too), escaped or not,
		// short and longer than a block, with what would be hard outside.
		"% c\n", "%\n", "text % comment {$ \\foo\n", "\\%", "\\\\% c\n", "%%% \n", "a%b\n", "  % c  \n", "\\foo% c\n",
		"% \\\n", "% ^^M \xe9 \x00 ~ \t\n", "% a comment that goes on and on, past the end of any block of sixty-four bytes\n",
		// Active characters and accents.
		"~", "Fig.~\\ref{x}", "~~", "a~\n", "\\^{o}", "\\^o", "\\^", "\\^\\^", "\\'e", "\\\"u",
		// UTF-8 characters the block driver reads (2, 3 and 4 bytes)...
		"é", "Größe ", "ä ", "ñ\n", "Ωμέγα", "Привет ", "—", "“quoted”", "日本語", "😀", "\\foo é", "é \n",
		// ...and what it leaves to the slow driver: invisible or
		// confusable code points, U+FFFD, overlong forms, surrogates,
		// code points above U+10FFFF, stray or missing continuation bytes.
		"\u00a0", "\u00ad", "\u200b", "\u2060", "\ufeff", "\ufffd", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\x80", "\xbf", "\xe2\x80", "\xf0\x9f\x98", "\\é", "\\ab\xc3\xa9",
	}
	hardPieces := []string{"\r", "\r\n", " \r\n", "\\\r", "^", "^^41", "\\foo^", "\\^", "%", "% c\n", "é", "\\é", "\\ab\xe9"}
	return piecesDoc(n, func() string {
		switch k := r.IntN(40); {
		case hard && k == 0:
			return hardPieces[r.IntN(len(hardPieces))]
		case k < 6:
			return "Lorem ipsum dolor sit amet, consectetur {adipiscing} elit $x$ sed do "
		}
		return pieces[r.IntN(len(pieces))]
	})
}

// TestBlockDriverRandom compares every fast variant with the reference on
// documents the block driver can lex for long stretches.
func TestBlockDriverRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	iters := 4000
	if testing.Short() {
		iters = 400
	}
	for i := 0; i < iters; i++ {
		src := blockDoc(r, 64+r.IntN(1500), i%3 != 0)
		checkFastVsRef(t, fmt.Sprint("block doc ", i), src, SizeFor(src))
		// The same with CR LF line ends (the block driver's CR LF mode).
		src = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
		checkFastVsRef(t, fmt.Sprint("CR LF block doc ", i), src, SizeFor(src))
	}
}

// TestPlanBlockEmitsAtOwnOffsets checks planBlock's contract on random
// blocks, in both line end modes: every emitted byte is below the cut,
// every escape below the cut is emitted, \par is emitted only at line ends
// (LFs, or the CRs of CR LF pairs), and no cut falls inside a CR LF pair.
func TestPlanBlockEmitsAtOwnOffsets(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for i := 0; i < 20000; i++ {
		src := blockDoc(r, 70, true)
		crlf := i%2 == 1
		if crlf {
			src = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
		}
		m := classifyGo((*[64]byte)(src[:64]))
		var pl blockPlan
		if m.hi != 0 {
			utf8Masks(&m, (*[64]byte)(src[:64]))
		}
		planBlock(&m, uint8(r.IntN(3)), r.IntN(4) == 0, int(src[64]), crlf, &pl)
		keep := ^uint64(0) >> (64 - uint(pl.cut))
		if pl.cut == 0 {
			keep = 0
		}
		ends := m.lf
		if crlf {
			ends = m.cr & (m.lf>>1 | uint64(b2u(src[64] == '\n'))<<63)
		}
		if pl.emit&^keep != 0 || pl.esc&^pl.emit != 0 || pl.par&^pl.emit != 0 || pl.par&^ends != 0 ||
			pl.eol&^(ends&keep) != 0 || !crlf && pl.eol != 0 || pl.cut > 0 && src[pl.cut-1] == '\r' && src[pl.cut] == '\n' {
			t.Fatalf("block %q (CR LF mode %v): cut %d emit %064b esc %064b par %064b eol %064b", src[:64], crlf, pl.cut, pl.emit, pl.esc, pl.par, pl.eol)
		}
	}
}

// TestBlockDriverReadsOn: on documents made only of what the block driver
// reads by itself (UTF-8 characters of every length, which blocks cut in
// two, comments, CR LF line ends, '~', accents), it reads the whole
// document but the last block, returning only at the cancel checks (and
// in a comment there): a cut that the next block settles must not hand the
// line to the slower drivers.
func TestBlockDriverReadsOn(t *testing.T) {
	if !simdUsable() {
		t.Skip("AVX2 kernels not usable here: " + simdReason())
	}
	pieces := []string{"Größe ", "日本語の文章", "😀 ", "Ωμέγα ", "text ", "Fig.~\\ref{x} ", "\\^{o} ", "% a comment ü\n", "line\n", "\\foo ", "{$x$} "}
	r := rand.New(rand.NewPCG(31, 32))
	for _, crlf := range []bool{false, true} {
		for round := 0; round < 20; round++ {
			var b bytes.Buffer
			for b.Len() < 20000 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			b.WriteString("\n")
			src := b.Bytes()
			if crlf {
				src = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
			}
			a := NewArena(SizeFor(src))
			var l lexer
			l.init(a, src, nil, true)
			if crlf {
				l.eolKinds = eolCRLF // as after the first line end
			}
			for l.pos < len(src)-64-3 {
				if l.pos >= l.checkAt {
					l.checkCancel() // a reason to return
					continue
				}
				if l.pos > l.limit {
					l.slow() // the rest of a comment's line: the next line
					continue
				}
				l.blockRun(true)
				if l.pos < l.checkAt && l.pos <= l.limit && l.pos < len(src)-64-3 {
					t.Fatalf("CR LF %v: the block driver stopped at %d of %d: %q before, %q after", crlf, l.pos, len(src), src[max(l.pos-16, 0):l.pos], src[l.pos:min(l.pos+16, len(src))])
				}
			}
		}
	}
}
