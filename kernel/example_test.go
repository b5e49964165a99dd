package kernel_test

import (
	"fmt"
	"os"

	"l0lex/kernel"
)

// Lexing a document: size an arena for it (or reuse a big one), lex, then
// read the tokens, their spans and the issues.
func Example() {
	src := []byte("\\section{Intro} % a comment\nSee $x^2$.\n\n\\end}\n")
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.Lex(a, src, nil); err != nil {
		fmt.Println("cannot lex:", err)
		return
	}
	for i := 0; i < 4; i++ {
		t := a.Token(i)
		line, col := a.LineCol(t.Off)
		switch t.Kind {
		case kernel.KindControl:
			fmt.Printf("%d:%d control sequence \\%s\n", line, col, a.Name(i))
		default:
			fmt.Printf("%d:%d %s %q catcode %d\n", line, col, t.Kind, rune(t.Code), t.Cat)
		}
	}
	fmt.Println(a.N, "tokens")
	for _, is := range a.Issues() {
		fmt.Printf("%d:%d: %s: %s\n", is.Line, is.Col, is.Code, is.Message())
	}
	// Output:
	// 1:1 control sequence \section
	// 1:9 char '{' catcode 1
	// 1:10 char 'I' catcode 11
	// 1:11 char 'n' catcode 11
	// 24 tokens
	// 4:5: unmatched-close: Too many }'s
}

// The oracle's format, one token per line: what `l0ctl lex --dump FILE`
// prints and `texdump FILE` prints for LuaTeX.
func ExampleArena_WriteDump() {
	src := []byte("\\foo  ~^^41\n\n\\é}")
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.Lex(a, src, nil); err != nil {
		fmt.Println("cannot lex:", err)
		return
	}
	if err := a.WriteDump(os.Stdout); err != nil {
		fmt.Println("cannot write:", err)
	}
	// Output:
	// s foo
	// a 126
	// c 11 65
	// c 10 32
	// s par
	// s %C3%A9
	// c 2 125
	// c 10 32
}

// Counting the tokens and finding the issues, when the tokens themselves
// are not needed: Count reads the document as Lex does without storing
// every token. Afterwards the arena says so, and its tokens must not be
// read.
func ExampleCount() {
	src := []byte("$x^2 {a}\n\n\\par}\n")
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := kernel.Count(a, src, nil); err != nil {
		fmt.Println("cannot count:", err)
		return
	}
	fmt.Println(a.N, "tokens; tokens stored:", !a.Counted())
	for _, is := range a.Issues() {
		fmt.Printf("%d:%d: %s\n", is.Line, is.Col, is.Code)
	}
	// Output:
	// 13 tokens; tokens stored: false
	// 1:1: unclosed-math
	// 3:5: unmatched-close
}
