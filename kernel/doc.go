// Package kernel is l0lex's lexer: TeX's input processor ("eyes and mouth")
// under the LaTeX catcode regime, byte for byte as LuaTeX reads a file.
//
// A document goes in as bytes; the tokens come out in an [Arena], a
// preallocated struct-of-arrays buffer owned by the caller and reused across
// documents. Lexing never stops on bad input: TeX's errors and other lexical
// problems become [Issue] values with stable codes and positions. A caller
// that needs only the number of tokens and the issues uses [Count], which
// reads the document the same way without storing every token.
//
// Two implementations give identical results: a pure-Go path that is always
// built, and a SIMD path (AVX2, AVX-512 where present) built when the
// goexperiment.simd build tag is set (GOEXPERIMENT=simd) and not the purego
// tag. [Active] reports which one runs and why.
package kernel
