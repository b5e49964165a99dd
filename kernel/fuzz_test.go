package kernel_test

import (
	"errors"
	"testing"

	"l0lex/kernel"
)

// FuzzLex checks that the reference lexer never panics and that every
// arena is well formed: spans in order and within the input, issues sorted
// with consistent positions, and an arena from SizeFor always big enough.
func FuzzLex(f *testing.F) {
	for _, s := range []string{
		"", "\\", "a\\", "^^", "\\a^^", "\\^^", "\\^^\xe9x", "\\\xe9", "\\a\xc1\x81b", "^^^^00e9\\^^^^00e",
		"\\ab^^5c^^5c^^^^^^20005c", "{$a$$}}\r\n\n\r", "\xef\xbb\xbf%\x00\x7f~\x0c", "\\a^^20^^^^0020b\\^^M",
		"\\^^^^^^^", "\\p^^61r $x\n\n", "\\x^^e9^^\xe9\n\\^^^\n",
	} {
		f.Add([]byte(s))
	}
	a := kernel.NewArena(kernel.SizeForBytes(1 << 12))
	f.Fuzz(func(t *testing.T, src []byte) {
		arena := a
		if !arena.Fits(kernel.SizeFor(src)) {
			arena = kernel.NewArena(kernel.SizeFor(src))
		}
		if err := kernel.LexReference(arena, src, nil); err != nil {
			if errors.Is(err, kernel.ErrArenaFull) {
				t.Fatalf("an arena from SizeFor is too small: %v", err)
			}
			t.Fatalf("lex: %v", err)
		}
		checkSpans(t, arena, src)
		for i := 0; i < arena.N; i++ {
			if arena.Token(i).Kind == kernel.KindControl {
				_ = arena.Name(i)
			}
		}
		_ = arena.AppendDump(nil)
	})
}
