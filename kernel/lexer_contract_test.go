package kernel

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"l0lex/kernel/corpus"
)

// lexContract is a driver that follows the contract of lexer.go's file
// comment in the most irregular way: at every step it randomly either
// consumes some simple bytes itself or calls slow(). Any such driver must
// give the reference arena.
func lexContract(a *Arena, src []byte, r *rand.Rand) error {
	var l lexer
	l.init(a, src, nil, false)
	for !l.done {
		if l.rw || l.pos >= l.limit || r.IntN(3) == 0 {
			l.slow()
			continue
		}
		for k := r.IntN(8); k > 0 && l.pos < l.limit; k-- {
			b := l.src[l.pos]
			if b >= 0x80 {
				break
			}
			switch cat := asciiCat[b]; {
			case cat == CatSpace && l.state == stateM:
				l.emit(PackChar(CatSpace, ' '), l.pos, 1)
				l.state = stateS
			case cat == CatBeginGroup || cat == CatEndGroup || cat == CatMathShift || cat == CatAlignTab ||
				cat == CatParam || cat == CatSubscr || cat == CatLetter || cat == CatOther:
				l.emit(PackChar(uint32(cat), uint32(b)), l.pos, 1)
				l.state = stateM
			default:
				k = 0
				continue
			}
			l.pos++
		}
	}
	return l.finish()
}

func TestFastDriverContract(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := [][]byte{corpus.Generate(32<<10, 9)}
	for i := 0; i < 300; i++ {
		docs = append(docs, randomDoc(r, 400))
	}
	for i, doc := range docs {
		want := NewArena(SizeFor(doc))
		if err := lexRef(want, doc, nil); err != nil {
			t.Fatal(err)
		}
		got := NewArena(SizeFor(doc))
		if err := lexContract(got, doc, r); err != nil {
			t.Fatal(err)
		}
		if want.N != got.N || !slicesEq(want.Val[:want.N], got.Val[:got.N]) ||
			!slicesEq(want.Off[:want.N], got.Off[:got.N]) || !sameLens(want, got) ||
			!bytes.Equal(want.AppendDump(nil), got.AppendDump(nil)) || len(want.Issues()) != len(got.Issues()) {
			t.Fatalf("document %d %q: a contract-abiding driver differs from the reference", i, doc)
		}
		for j, is := range want.Issues() {
			if got.Issues()[j] != is {
				t.Fatalf("document %d: issue %d differs: %+v vs %+v", i, j, got.Issues()[j], is)
			}
		}
	}
}

// sameLens reports whether two arenas hold the same token lengths (long
// ones included).
func sameLens(a, b *Arena) bool {
	if a.N != b.N {
		return false
	}
	for i := 0; i < a.N; i++ {
		if a.TokenLen(i) != b.TokenLen(i) {
			return false
		}
	}
	return true
}

func slicesEq(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// randomDoc returns a document mixing simple bytes with everything slow()
// handles.
func randomDoc(r *rand.Rand, n int) []byte {
	alphabet := []string{"a", "b", "Z", "1", "{", "}", "$", "&", "#", "_", "@", " ", " ", "\t", "\n", "\r\n", "\r",
		"\\", "\\foo", "\\a^^62c", "^^41", "^", "%", "~", "\x00", "\x7f", "\x0c", "é", "\xe9", "\\\xe9", "^^^^00e9", "^^M"}
	var b []byte
	for len(b) < n {
		b = append(b, alphabet[r.IntN(len(alphabet))]...)
	}
	return b
}
