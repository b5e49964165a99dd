package proto_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"l0lex/kernel"
	"l0lex/proto"
)

func TestLexDoc(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    []byte
	}{
		{"prefixed", []byte{0, 0, 0, 2, 'a', '\n'}, []byte("a\n")},
		{"prefixed empty", []byte{0, 0, 0, 0}, []byte{}},
		{"raw short", []byte("ab"), []byte("ab")},
		{"raw empty", nil, nil},
		{"raw prefix mismatch", []byte{0, 0, 0, 3, 'a', '\n'}, []byte{0, 0, 0, 3, 'a', '\n'}},
		{"raw text", []byte("\\documentclass{article}\n"), []byte("\\documentclass{article}\n")},
		{"prefix too large", []byte{0xff, 0xff, 0xff, 0xff, 'x'}, []byte{0xff, 0xff, 0xff, 0xff, 'x'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := proto.LexDoc(tt.payload); !bytes.Equal(got, tt.want) {
				t.Errorf("LexDoc(%q) = %q, want %q", tt.payload, got, tt.want)
			}
		})
	}
}

// golden returns the bytes of testdata/NAME.hex (hex digits; whitespace and
// '#' comments ignored).
func golden(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s.hex: %v", name, err)
	}
	return b
}

// exampleFull is the full result of docs/protocol.md's type-4 example, the
// document "\hi{a}\hi{" + LF.
func exampleFull() *proto.FullResult {
	return &proto.FullResult{
		Origin: proto.OriginPrimary, Kernel: "avx2", DocLen: 11,
		Tokens: []proto.Token{
			{Kind: kernel.KindControl, Name: "hi", Off: 0, Len: 3},
			{Kind: kernel.KindChar, Cat: 1, Code: '{', Off: 3, Len: 1},
			{Kind: kernel.KindChar, Cat: 11, Code: 'a', Off: 4, Len: 1},
			{Kind: kernel.KindChar, Cat: 2, Code: '}', Off: 5, Len: 1},
			{Kind: kernel.KindControl, Name: "hi", Off: 6, Len: 3},
			{Kind: kernel.KindChar, Cat: 1, Code: '{', Off: 9, Len: 1},
			{Kind: kernel.KindChar, Cat: 10, Code: ' ', Off: 10, Len: 1},
		},
		Issues: []proto.Issue{{Code: kernel.IssueUnclosedGroup, Severity: kernel.SeverityError,
			Off: 9, Line: 1, Col: 10, Arg: 1}},
		Names: 1,
	}
}

// TestGolden checks every encoder against the hex examples of
// docs/protocol.md (kept in testdata/).
func TestGolden(t *testing.T) {
	full, err := proto.AppendFullResult(nil, 4, exampleFull())
	if err != nil {
		t.Fatal(err)
	}
	req, err := proto.AppendLexRequest(nil, proto.TypeLex, 1, []byte("a\n"))
	if err != nil {
		t.Fatal(err)
	}
	docA := []byte("a\n")
	arenaA := kernel.NewArena(kernel.SizeFor(docA))
	if err := kernel.Lex(arenaA, docA, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []byte
	}{
		{"lex_request", req},
		{"full_reply_a", proto.AppendFullReplyPath(nil, 1, proto.OriginPrimary, "avx2", arenaA)},
		{"reply", proto.AppendReply(nil, 1, proto.Reply{NTokens: 2, Origin: proto.OriginPrimary})},
		{"reply_busy", proto.AppendReply(nil, 2, proto.Reply{Status: uint32(proto.ErrBusy), Origin: proto.OriginPrimary})},
		{"error_too_large", proto.AppendError(nil, 3, proto.ErrTooLarge, "payload too large")},
		{"full_reply", full},
		{"cancel", proto.AppendCancel(nil, 5)},
		{"ping", proto.AppendPing(nil, 6)},
		{"pong", proto.AppendPong(nil, 6, proto.Pong{Version: "0.1.0", Kernel: "avx2", Actors: 2, Queued: 0, UptimeMs: 1500})},
		{"fault", proto.AppendFault(nil, 7, proto.Fault{Kind: proto.FaultDelay, Actor: proto.AllActors, Ms: 100, Count: -1})},
		{"fault_ack", proto.AppendFaultAck(nil, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := golden(t, tt.name); !bytes.Equal(tt.got, want) {
				t.Errorf("encoding differs from testdata/%s.hex:\n got  %x\n want %x", tt.name, tt.got, want)
			}
		})
	}
}

func TestReplyRoundTrip(t *testing.T) {
	in := proto.Reply{Status: 4, NTokens: 1 << 31, NIssues: 7, Origin: proto.OriginHedge}
	f := proto.AppendReply(nil, 9, in)
	h := proto.ParseHeader(f)
	if h != (proto.Header{Type: proto.TypeReply, ReqID: 9, Len: proto.ReplyLen}) {
		t.Fatalf("header %+v", h)
	}
	out, err := proto.ParseReply(f[proto.HeaderLen:])
	if err != nil || out != in {
		t.Fatalf("ParseReply = %+v, %v; want %+v", out, err, in)
	}
	if _, err := proto.ParseReply(f[proto.HeaderLen+1:]); err == nil {
		t.Error("ParseReply accepted 12 bytes")
	}
}

func TestErrorRoundTrip(t *testing.T) {
	f := proto.AppendError(nil, 3, proto.ErrShuttingDown, "draining")
	e, err := proto.ParseError(f[proto.HeaderLen:])
	if err != nil || e.Code != proto.ErrShuttingDown || e.Message != "draining" {
		t.Fatalf("ParseError = %+v, %v", e, err)
	}
	for _, bad := range [][]byte{nil, {0, 0, 0}, {0, 0, 0, 0, 'x'}} {
		if _, err := proto.ParseError(bad); err == nil {
			t.Errorf("ParseError(%x) accepted", bad)
		}
	}
}

func TestPongRoundTrip(t *testing.T) {
	in := proto.Pong{Version: "v1", Kernel: "purego", Actors: 3, Queued: 12, UptimeMs: 1 << 40}
	f := proto.AppendPong(nil, 1, in)
	out, err := proto.ParsePong(f[proto.HeaderLen:])
	if err != nil || out != in {
		t.Fatalf("ParsePong = %+v, %v; want %+v", out, err, in)
	}
	p := f[proto.HeaderLen:]
	for n := 0; n < len(p); n++ {
		if _, err := proto.ParsePong(p[:n]); err == nil {
			t.Errorf("ParsePong accepted %d of %d bytes", n, len(p))
		}
	}
	if _, err := proto.ParsePong(append(p[:len(p):len(p)], 1, 2, 3)); err != nil {
		t.Errorf("ParsePong refused trailing fields: %v", err)
	}
	long := proto.AppendPong(nil, 1, proto.Pong{Version: strings.Repeat("v", 300)})
	if out, err := proto.ParsePong(long[proto.HeaderLen:]); err != nil || len(out.Version) != 255 {
		t.Errorf("long version: %d bytes, %v", len(out.Version), err)
	}
}

func TestFault(t *testing.T) {
	tests := []struct {
		f  proto.Fault
		ok bool
	}{
		{proto.Fault{Kind: proto.FaultDelay, Actor: 0, Ms: 5}, true},
		{proto.Fault{Kind: proto.FaultDelay, Actor: proto.AllActors, Ms: proto.MaxFaultMs}, true},
		{proto.Fault{Kind: proto.FaultStall, Actor: 1}, true},
		{proto.Fault{Kind: proto.FaultPanic, Actor: proto.AllActors}, true},
		{proto.Fault{Kind: proto.FaultRotate, Actor: 7}, true},
		{proto.Fault{Kind: proto.FaultClear, Actor: proto.AllActors}, true},
		{proto.Fault{Kind: proto.FaultDelay, Actor: 0, Ms: 15, Count: -1}, true},
		{proto.Fault{Kind: proto.FaultStall, Actor: 0, Count: 3}, true},
		{proto.Fault{Kind: proto.FaultRotate, Actor: 0, Count: 3}, false},
		{proto.Fault{Kind: proto.FaultClear, Actor: 0, Count: -1}, false},
		{proto.Fault{Kind: proto.FaultDelay, Actor: 0}, false},
		{proto.Fault{Kind: proto.FaultDelay, Actor: 0, Ms: proto.MaxFaultMs + 1}, false},
		{proto.Fault{Kind: proto.FaultStall, Actor: 0, Ms: 3}, false},
		{proto.Fault{Kind: 0}, false},
		{proto.Fault{Kind: 6}, false},
		{proto.Fault{Kind: proto.FaultPanic, Actor: -2}, false},
	}
	for _, tt := range tests {
		f := proto.AppendFault(nil, 1, tt.f)
		got, err := proto.ParseFault(f[proto.HeaderLen:])
		if tt.ok && (err != nil || got != tt.f) {
			t.Errorf("ParseFault(%+v) = %+v, %v", tt.f, got, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("ParseFault accepted %+v", tt.f)
		}
	}
	for _, name := range []string{"delay", "stall", "panic", "rotate", "clear"} {
		k, err := proto.ParseFaultKind(name)
		if err != nil || k.String() != name {
			t.Errorf("ParseFaultKind(%q) = %v, %v", name, k, err)
		}
	}
	if _, err := proto.ParseFaultKind("explode"); err == nil {
		t.Error("ParseFaultKind accepted explode")
	}
}

func TestCodeOf(t *testing.T) {
	d := proto.NewDecoder(proto.FromClient, 10)
	_, _, err := d.Decode(proto.AppendHeader(nil, proto.Header{Type: proto.TypeLex, ReqID: 1, Len: 11}))
	if proto.CodeOf(err) != proto.ErrTooLarge || !errors.Is(err, proto.ErrIsTooLarge) || errors.Is(err, proto.ErrIsBadFrame) {
		t.Errorf("CodeOf(%v) = %v", err, proto.CodeOf(err))
	}
	if proto.CodeOf(nil) != 0 || proto.CodeOf(errors.New("x")) != proto.ErrInternal {
		t.Error("CodeOf of nil or a plain error")
	}
	for c := proto.ErrCode(0); c <= proto.ErrForbidden+1; c++ {
		if c.String() == "" {
			t.Errorf("ErrCode(%d) has no name", c)
		}
	}
}
