package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// groupsAndMathSimple is the group and math check written the plain way,
// one token at a time, as the specification of checkGroupsAndMath.
func groupsAndMathSimple(a *Arena, src []byte) []string {
	var out []string
	add := func(code IssueCode, off uint32, arg int) {
		out = append(out, fmt.Sprintf("%v@%d(%d)", code, off, arg))
	}
	n := a.N
	depth, math, open := 0, 0, 0
	for i := 0; i < n; i++ {
		v := a.Val[i]
		switch {
		case ValKind(v) == KindChar && ValCat(v) == CatBeginGroup:
			depth++
		case ValKind(v) == KindChar && ValCat(v) == CatEndGroup:
			if depth == 0 {
				add(IssueUnmatchedClose, a.Off[i], '}')
			} else {
				depth--
			}
		case ValKind(v) == KindChar && ValCat(v) == CatMathShift:
			double := i+1 < n && ValKind(a.Val[i+1]) == KindChar && ValCat(a.Val[i+1]) == CatMathShift
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
		case ValKind(v) == KindControl && string(a.Name(i)) == "par":
			if math != 0 {
				add(IssueUnclosedMath, a.Off[open], math)
				math = 0
			}
		}
	}
	if math != 0 {
		add(IssueUnclosedMath, a.Off[open], math)
	}
	var opens []int
	for i := 0; i < n; i++ {
		v := a.Val[i]
		if ValKind(v) == KindChar && ValCat(v) == CatBeginGroup {
			opens = append(opens, i)
		} else if ValKind(v) == KindChar && ValCat(v) == CatEndGroup && len(opens) > 0 {
			opens = opens[:len(opens)-1]
		}
	}
	for k := len(opens) - 1; k >= 0; k-- {
		add(IssueUnclosedGroup, a.Off[opens[k]], k+1)
	}
	return out
}

func TestGroupsAndMathBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"{", "}", "$", "$$", "a", "b", " ", "\n", "\n\n", "\\par", "\\par ", "\\partial", "\\foo",
		"^^5cpar ", "\\p^^61r ", "% \\par\n", "x", "yy", "1", "\\$", "\\{"}
	for d := 0; d < 2000; d++ {
		var src []byte
		noCarets := r.IntN(2) == 0
		size := r.IntN(400)
		for len(src) < size {
			p := alphabet[r.IntN(len(alphabet))]
			if noCarets && (p == "^^5cpar " || p == "\\p^^61r ") {
				continue
			}
			src = append(src, p...)
		}
		a := NewArena(SizeFor(src))
		if err := lexRef(a, src, nil); err != nil {
			t.Fatal(err)
		}
		want := groupsAndMathSimple(a, src)
		var got []string
		for _, is := range a.Issues() {
			switch is.Code {
			case IssueUnmatchedClose, IssueUnclosedMath, IssueUnclosedGroup:
				got = append(got, fmt.Sprintf("%v@%d(%d)", is.Code, is.Off, is.Arg))
			}
		}
		// The simple version lists unclosed groups innermost first; issues
		// are sorted by offset: compare as multisets.
		if !sameMultiset(got, want) {
			t.Fatalf("document %q:\n got %v\nwant %v", src, got, want)
		}
		// Rounds at any points while lexing give the same issues.
		b := NewArena(SizeFor(src))
		var l lexer
		l.init(b, src, nil, false)
		for !l.done {
			l.slow()
			if r.IntN(4) == 0 {
				l.gmAdvance(false)
			}
		}
		if err := l.finish(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(b.Issues()) != fmt.Sprint(a.Issues()) {
			t.Fatalf("document %q: issues with rounds %v, without %v", src, b.Issues(), a.Issues())
		}
	}
}

func sameMultiset(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
		if m[s] < 0 {
			return false
		}
	}
	return true
}
