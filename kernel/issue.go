package kernel

import "fmt"

// IssueCode identifies a kind of lexical issue. Codes are stable: they are
// part of the wire protocol and documented in docs/issues.md.
type IssueCode uint16

// Issue codes.
const (
	IssueInvalidChar      IssueCode = 1  // catcode-15 character (TeX error)
	IssueIgnoredChar      IssueCode = 2  // catcode-9 character dropped (NUL, U+FEFF)
	IssueInvalidUTF8      IssueCode = 3  // invalid UTF-8 sequence read as U+FFFD (TeX error)
	IssueUnmatchedClose   IssueCode = 4  // '}' with no open group
	IssueUnclosedGroup    IssueCode = 5  // '{' still open at end of file (at the '{')
	IssueUnclosedMath     IssueCode = 6  // '$' or '$$' not closed before \par or end of file
	IssueEscapeAtEOF      IssueCode = 7  // '\' as the last character of the file
	IssueIncompleteCaret  IssueCode = 8  // ^^^^ / ^^^^^^ without enough hex digits (TeX error)
	IssueInvisibleUnicode IssueCode = 9  // invisible or confusable code point
	IssueMixedLineEndings IssueCode = 10 // the file mixes LF, CR LF and CR line ends
	IssueTooMany          IssueCode = 11 // issues past the arena's capacity were dropped
)

// Severity of an issue.
type Severity uint8

// Severities.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

// Issue is one lexical diagnostic. Line and Col are 1-based (Col counts
// bytes). Arg carries a code-specific value (a code point, a count).
type Issue struct {
	Off  uint32
	Line uint32
	Col  uint32
	Arg  uint32
	Code IssueCode
}

const issueBytes = 20

// issueInfo describes one issue code.
type issueInfo struct {
	name     string
	severity Severity
	message  string // TeX's error text when TeX has one
	tex      bool   // TeX itself reports this as an error while reading
}

var issueInfos = [...]issueInfo{
	IssueInvalidChar:      {"invalid-char", SeverityError, "Text line contains an invalid character", true},
	IssueIgnoredChar:      {"ignored-char", SeverityWarning, "Ignored character (catcode 9) dropped", false},
	IssueInvalidUTF8:      {"invalid-utf8", SeverityError, "String contains an invalid utf-8 sequence", true},
	IssueUnmatchedClose:   {"unmatched-close", SeverityError, "Too many }'s", false},
	IssueUnclosedGroup:    {"unclosed-group", SeverityError, "(\\end occurred inside a group at level 1)", false},
	IssueUnclosedMath:     {"unclosed-math", SeverityError, "Missing $ inserted", false},
	IssueEscapeAtEOF:      {"escape-at-eof", SeverityWarning, "Escape character at end of file reads as the control symbol \\^^M", false},
	IssueIncompleteCaret:  {"incomplete-caret", SeverityError, "^^^^ needs four hex digits", true},
	IssueInvisibleUnicode: {"invisible-unicode", SeverityWarning, "Invisible or confusable character", false},
	IssueMixedLineEndings: {"mixed-line-endings", SeverityWarning, "File mixes line endings", false},
	IssueTooMany:          {"too-many-issues", SeverityInfo, "Too many issues; the rest were counted, not stored", false},
}

func (c IssueCode) info() issueInfo {
	if int(c) < len(issueInfos) && issueInfos[c].name != "" {
		return issueInfos[c]
	}
	return issueInfo{name: "unknown", severity: SeverityError, message: "Unknown issue"}
}

// String returns the code's stable name, such as "invalid-char".
func (c IssueCode) String() string { return c.info().name }

// Severity returns the code's severity.
func (c IssueCode) Severity() Severity { return c.info().severity }

// Message returns the code's generic message: TeX's error text when TeX has
// one. Issue.Message gives the text for one issue.
func (c IssueCode) Message() string { return c.info().message }

// TeXError reports whether LuaTeX itself raises an error for this code while
// reading (invalid character, invalid UTF-8, incomplete ^^^^ / ^^^^^^):
// exactly these issues correspond one to one with the errors texdump prints.
func (c IssueCode) TeXError() bool { return c.info().tex }

// ParseIssueCode returns the code with the given stable name.
func ParseIssueCode(name string) (IssueCode, bool) {
	for c, in := range issueInfos {
		if in.name == name && in.name != "" {
			return IssueCode(c), true
		}
	}
	return 0, false
}

// IssueCodes returns every issue code, in numeric order.
func IssueCodes() []IssueCode {
	var cs []IssueCode
	for c, in := range issueInfos {
		if in.name != "" {
			cs = append(cs, IssueCode(c))
		}
	}
	return cs
}

// String returns the severity's name: "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "unknown"
}

// Severity returns the issue's severity.
func (i Issue) Severity() Severity { return i.Code.Severity() }

// Message returns the issue's message: TeX's exact error text for the
// issues TeX reports (see TeXError), otherwise a description with the
// code point or count in Arg.
func (i Issue) Message() string {
	switch i.Code {
	case IssueIncompleteCaret:
		m := "^^^^ needs four hex digits"
		if i.Arg&0xFF == 6 {
			m = "^^^^^^ needs six hex digits"
		}
		if i.Arg&0x100 != 0 {
			m += ", end of input"
		}
		return m
	case IssueIgnoredChar:
		return fmt.Sprintf("Ignored character %s (catcode 9) dropped", codePoint(i.Arg))
	case IssueInvisibleUnicode:
		return fmt.Sprintf("Invisible or confusable character %s (%s)", codePoint(i.Arg), invisibleName(i.Arg))
	case IssueUnclosedGroup:
		return fmt.Sprintf("(\\end occurred inside a group at level %d)", i.Arg)
	case IssueUnclosedMath:
		if i.Arg == 2 {
			return "Missing $$ inserted"
		}
		return "Missing $ inserted"
	case IssueMixedLineEndings:
		return "File mixes line endings (" + eolKindNames(uint8(i.Arg)) + ")"
	case IssueTooMany:
		return fmt.Sprintf("Too many issues; %d more were counted, not stored", i.Arg)
	}
	return i.Code.Message()
}

// codePoint formats c as U+XXXX.
func codePoint(c uint32) string { return fmt.Sprintf("U+%04X", c) }

func invisibleName(c uint32) string {
	switch c {
	case 0xA0:
		return "NO-BREAK SPACE"
	case 0xAD:
		return "SOFT HYPHEN"
	case 0x200B:
		return "ZERO WIDTH SPACE"
	case 0x200C:
		return "ZERO WIDTH NON-JOINER"
	case 0x200D:
		return "ZERO WIDTH JOINER"
	case 0x2060:
		return "WORD JOINER"
	case 0xFEFF:
		return "ZERO WIDTH NO-BREAK SPACE, a byte order mark not at the start of the file"
	}
	return "invisible"
}

func eolKindNames(k uint8) string {
	s := ""
	for _, e := range []struct {
		bit  uint8
		name string
	}{{eolLF, "LF"}, {eolCRLF, "CRLF"}, {eolCR, "CR"}} {
		if k&e.bit != 0 {
			if s != "" {
				s += ", "
			}
			s += e.name
		}
	}
	return s
}
