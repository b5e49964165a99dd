package proto

import "l0lex/kernel"

// IssueSeverity returns the severity sent on the wire for an issue code:
// error for what TeX itself reports as an error (invalid character, invalid
// UTF-8, incomplete ^^^^), info for what is harmless by design (ignored
// characters, mixed line endings), warning for the rest.
func IssueSeverity(c kernel.IssueCode) kernel.Severity {
	switch c {
	case kernel.IssueInvalidChar, kernel.IssueInvalidUTF8, kernel.IssueIncompleteCaret:
		return kernel.SeverityError
	case kernel.IssueIgnoredChar, kernel.IssueMixedLineEndings:
		return kernel.SeverityInfo
	}
	return kernel.SeverityWarning
}
