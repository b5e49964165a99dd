package kernel

import "sync/atomic"

// TEMPORARY placeholder so that other packages compile while the real lexer
// is written (owned by the kernel work). It must be replaced.

// Path is a kernel implementation.
type Path uint8

// Kernel paths.
const (
	PathPureGo Path = iota
	PathAVX2
	PathAVX512
)

// String returns the path's name: "purego", "avx2" or "avx512".
func (p Path) String() string {
	switch p {
	case PathPureGo:
		return "purego"
	case PathAVX2:
		return "avx2"
	case PathAVX512:
		return "avx512"
	}
	return "unknown"
}

// Active returns the path Lex uses and why it was chosen.
func Active() (Path, string) { return PathPureGo, "placeholder" }

// Lex lexes src into a with the active path.
func Lex(a *Arena, src []byte, cancel *atomic.Bool) error {
	return LexWith(PathPureGo, a, src, cancel)
}

// LexWith lexes src into a with path p.
func LexWith(p Path, a *Arena, src []byte, cancel *atomic.Bool) error {
	a.Reset()
	a.src = src
	for i := range src {
		a.Val[i] = PackChar(CatOther, uint32(src[i]))
		a.Off[i] = uint32(i)
		a.Len[i] = 1
	}
	a.N = len(src)
	return nil
}
