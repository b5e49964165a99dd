package kernel

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
