package corpus

import (
	"bytes"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	a := Generate(200_000, 7)
	b := Generate(200_000, 7)
	if !bytes.Equal(a, b) {
		t.Fatal("same size and seed gave different documents")
	}
	if c := Generate(200_000, 8); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same document")
	}
}

func TestGenerateShape(t *testing.T) {
	for _, n := range []int{0, 1000, 100_000, 1 << 20} {
		d := Generate(n, 1)
		if len(d) < n || len(d) > n+16<<10 {
			t.Errorf("Generate(%d): %d bytes, want [%d, %d]", n, len(d), n, n+16<<10)
		}
		if !bytes.HasSuffix(d, []byte("\\end{document}\n")) {
			t.Errorf("Generate(%d) does not end with \\end{document}", n)
		}
		if bytes.Contains(d, []byte("\\verb")) {
			t.Errorf("Generate(%d) contains \\verb", n)
		}
	}
}

// TestGenerateStatistics checks the byte mix of a large document: about one
// special byte in ten, every special character of LaTeX's regime used, and
// only printable ASCII plus line ends.
func TestGenerateStatistics(t *testing.T) {
	d := Generate(1<<20, 3)
	var count [256]int
	for _, b := range d {
		count[b]++
	}
	special := 0
	for _, c := range []byte("\\{}$&#^_%~\n") {
		if count[c] == 0 {
			t.Errorf("no %q in the document", c)
		}
		special += count[c]
	}
	if r := float64(special) / float64(len(d)); r < 0.07 || r > 0.16 {
		t.Errorf("special bytes are %.3f of the document, want about 0.1", r)
	}
	for b, c := range count {
		if c > 0 && b != '\n' && (b < 0x20 || b > 0x7e) {
			t.Errorf("unexpected byte %#x (%d times)", b, c)
		}
	}
	for _, env := range []string{"\\chapter{", "\\section{", "\\begin{align}", "\\begin{itemize}",
		"\\begin{tabular}", "\\begin{lstlisting}", "\n% "} {
		if !bytes.Contains(d, []byte(env)) {
			t.Errorf("no %q in the document", env)
		}
	}
}
