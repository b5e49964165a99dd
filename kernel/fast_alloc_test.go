package kernel_test

import (
	"testing"

	"l0lex/kernel"
	"l0lex/kernel/corpus"
)

// TestZeroAllocs proves that lexing allocates nothing per document once the
// arena exists, on every available path: a thesis, and a document full of
// issues, ^^ forms, rewritten names and odd line ends.
func TestZeroAllocs(t *testing.T) {
	docs := map[string][]byte{
		"thesis": corpus.Generate(256<<10, 2),
		"hostile": []byte("a\x00b\x7fc \\a^^62c \\^^5c x\r\n^^^^00e9 \xe9\xff } {\r$ x \\par\n" +
			"\\foo^^M\n\\\xe9\n% c\n\t \\\\ ~ \u200b \\ab\xc1\x81c ^^^^^^01f600 {"),
	}
	for name, src := range docs {
		a := kernel.NewArena(kernel.SizeFor(src))
		for _, p := range kernel.Paths {
			if ok, _ := kernel.Available(p); !ok {
				continue
			}
			var err error
			allocs := testing.AllocsPerRun(20, func() {
				err = kernel.LexWith(p, a, src, nil)
			})
			if err != nil {
				t.Fatalf("%s/%s: %v", name, p, err)
			}
			if allocs != 0 {
				t.Errorf("%s/%s: %.1f allocations per document, want 0", name, p, allocs)
			}
		}
		allocs := testing.AllocsPerRun(20, func() { _ = kernel.Lex(a, src, nil) })
		if allocs != 0 {
			t.Errorf("%s/Lex: %.1f allocations per document, want 0", name, allocs)
		}
	}
}
