package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"l0lex/kernel"
)

// runLex lexes one file locally. With --dump it prints the tokens in the
// texdump oracle's format; otherwise a summary and the issues
// compiler-style (FILE:LINE:COL: name: message), or JSON with --json.
// Exit status: 0, 1 when issues of error severity exist, 2 on usage or I/O
// errors.
func runLex(args []string) int {
	fs := flag.NewFlagSet("lex", flag.ContinueOnError)
	dump := fs.Bool("dump", false, "print the tokens in the oracle's format (diff it against texdump)")
	asJSON := fs.Bool("json", false, "print the summary and issues as JSON")
	pathName := fs.String("path", "", "kernel path: ref, purego, avx2 (default: the active path)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: l0ctl lex [--dump | --json] [--path ref|purego|avx2] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || (*dump && *asJSON) {
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	lex, used, err := lexerFor(*pathName)
	if err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl lex: %v\n", err)
		return 2
	}
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl lex: cannot read the input: %v\n", err)
		return 2
	}
	a := kernel.NewArena(kernel.SizeFor(src))
	if err := lex(a, src); err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl lex: cannot lex %s: %v\n", file, err)
		return 2
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	switch {
	case *dump:
		err = a.WriteDump(out)
	case *asJSON:
		err = writeLexJSON(out, file, used, src, a)
	default:
		err = writeLexText(out, file, used, src, a)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "l0ctl lex: cannot write the output: %v\n", err)
		return 2
	}
	for _, is := range a.Issues() {
		if is.Severity() == kernel.SeverityError {
			return 1
		}
	}
	return 0
}

// lexerFor returns the lexing function for a --path value and its name.
func lexerFor(name string) (func(*kernel.Arena, []byte) error, string, error) {
	if name == "ref" {
		return func(a *kernel.Arena, src []byte) error { return kernel.LexReference(a, src, nil) }, "ref", nil
	}
	if name == "" {
		p, _ := kernel.Active()
		return func(a *kernel.Arena, src []byte) error { return kernel.Lex(a, src, nil) }, p.String(), nil
	}
	for _, p := range kernel.Paths {
		if p.String() == name {
			if ok, why := kernel.Available(p); !ok {
				return nil, "", fmt.Errorf("cannot use the %s path: %s", name, why)
			}
			return func(a *kernel.Arena, src []byte) error { return kernel.LexWith(p, a, src, nil) }, name, nil
		}
	}
	return nil, "", fmt.Errorf("unknown --path %q (want ref, purego, avx2 or avx512)", name)
}

// issueCounts counts issues by severity.
func issueCounts(a *kernel.Arena) (errs, warns, infos int) {
	for _, is := range a.Issues() {
		switch is.Severity() {
		case kernel.SeverityError:
			errs++
		case kernel.SeverityWarning:
			warns++
		default:
			infos++
		}
	}
	return
}

func writeLexText(w io.Writer, file, path string, src []byte, a *kernel.Arena) error {
	for _, is := range a.Issues() {
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", file, is.Line, is.Col, is.Code, is.Message()); err != nil {
			return err
		}
	}
	errs, warns, infos := issueCounts(a)
	_, err := fmt.Fprintf(w, "%s: %d bytes, %d lines, %d tokens (%s path); %d errors, %d warnings, %d notes",
		file, len(src), a.Lines(), a.N, path, errs, warns, infos)
	if err == nil && a.DroppedIssues() > 0 {
		_, err = fmt.Fprintf(w, ", %d issues not stored", a.DroppedIssues())
	}
	if err == nil {
		_, err = fmt.Fprintln(w)
	}
	return err
}

// lexJSON is the --json output.
type lexJSON struct {
	File     string      `json:"file"`
	Path     string      `json:"path"`
	Bytes    int         `json:"bytes"`
	Lines    int         `json:"lines"`
	Tokens   int         `json:"tokens"`
	Errors   int         `json:"errors"`
	Warnings int         `json:"warnings"`
	Notes    int         `json:"notes"`
	Dropped  int         `json:"dropped_issues"`
	Issues   []issueJSON `json:"issues"`
}

type issueJSON struct {
	Code     int    `json:"code"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Offset   uint32 `json:"offset"`
	Line     uint32 `json:"line"`
	Col      uint32 `json:"col"`
	Arg      uint32 `json:"arg"`
	Message  string `json:"message"`
}

func writeLexJSON(w io.Writer, file, path string, src []byte, a *kernel.Arena) error {
	out := lexJSON{File: file, Path: path, Bytes: len(src), Lines: a.Lines(), Tokens: a.N,
		Dropped: a.DroppedIssues(), Issues: []issueJSON{}}
	out.Errors, out.Warnings, out.Notes = issueCounts(a)
	for _, is := range a.Issues() {
		out.Issues = append(out.Issues, issueJSON{Code: int(is.Code), Name: is.Code.String(),
			Severity: is.Severity().String(), Offset: is.Off, Line: is.Line, Col: is.Col, Arg: is.Arg,
			Message: is.Message()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
