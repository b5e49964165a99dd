package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"l0lex/kernel"
	"l0lex/proto"
)

// serveFake answers l0ctl's requests on a Unix socket the way l0d does (real
// kernel, fixed health) and returns the socket path.
func serveFake(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l0.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFakeConn(nc)
		}
	}()
	return path
}

func serveFakeConn(nc net.Conn) {
	defer nc.Close()
	r := proto.NewReader(nc, proto.NewDecoder(proto.FromClient, proto.DefaultMaxRequest))
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return
		}
		var out []byte
		switch f.Type {
		case proto.TypeLex, proto.TypeLexFull:
			doc := proto.LexDoc(f.Payload)
			a := kernel.NewArena(kernel.SizeFor(doc))
			if err := kernel.Lex(a, doc, nil); err != nil {
				out = proto.AppendError(nil, f.ReqID, proto.ErrInternal, err.Error())
			} else if f.Type == proto.TypeLexFull {
				out = proto.AppendFullReply(nil, f.ReqID, proto.OriginHedge, a)
			} else {
				out = proto.AppendReply(nil, f.ReqID, proto.Reply{NTokens: uint32(a.N), NIssues: uint32(len(a.Issues())), Origin: proto.OriginHedge})
			}
		case proto.TypePing:
			out = proto.AppendPong(nil, f.ReqID, proto.Pong{Version: "test", Kernel: "purego", Actors: 3, UptimeMs: 2000})
		case proto.TypeFault:
			out = proto.AppendFaultAck(nil, f.ReqID)
		}
		nc.Write(out)
	}
}

// run runs one of the commands and returns its exit code and output.
func run(cmd func([]string, sendIO) int, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cmd(args, sendIO{in: strings.NewReader("\\x{y}\n"), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestSendCommands(t *testing.T) {
	sock := serveFake(t)
	doc := "\\documentclass{article}\n\\begin{document}\n{a \\\\ b\n"
	file := filepath.Join(t.TempDir(), "doc.tex")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	a := kernel.NewArena(kernel.SizeFor([]byte(doc)))
	if err := kernel.Lex(a, []byte(doc), nil); err != nil {
		t.Fatal(err)
	}

	code, out, errs := run(sendCmd, "--sock", sock, file)
	if code != 0 || !strings.Contains(out, "status=0 (ok)") || !strings.Contains(out, "origin=hedge") ||
		!strings.Contains(out, "tokens="+itoa(a.N)) {
		t.Errorf("send: %d %q %q", code, out, errs)
	}
	// Flags after the file, as in the issue's usage line.
	code, out, errs = run(sendCmd, file, "--tokens", "--sock", sock)
	if code != 0 || out != string(a.AppendDump(nil)) {
		t.Errorf("send --tokens: %d, dump differs from the local one (%q)", code, errs)
	}
	if len(a.Issues()) > 0 && !strings.Contains(errs, file+":") {
		t.Errorf("send --tokens: issues not reported: %q", errs)
	}
	code, out, _ = run(sendCmd, "--sock", sock, "--tokens", "--json", file)
	var full fullResultJSON
	if code != 0 || json.Unmarshal([]byte(out), &full) != nil || len(full.Tokens) != a.N || full.Tokens[0].Name != "documentclass" {
		t.Errorf("send --tokens --json: %d %.200q", code, out)
	}
	code, out, _ = run(sendCmd, "--sock", sock, "--json", "-")
	var rep replyJSON
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Tokens != 5 || rep.StatusName != "ok" {
		t.Errorf("send --json -: %d %q", code, out)
	}
	code, out, _ = run(pingCmd, "--sock", sock)
	if code != 0 || !strings.Contains(out, "version=test kernel=purego actors=3") {
		t.Errorf("ping: %d %q", code, out)
	}
	code, out, _ = run(faultCmd, "--sock", sock, "--kind", "delay", "--ms", "20", "--all")
	if code != 0 || out != "fault delay sent to all actors\n" {
		t.Errorf("fault: %d %q", code, out)
	}
	for _, bad := range [][]string{
		{"--kind", "boom"},
		{"--kind", "delay"},
		{"--kind", "stall", "--actor", "1", "--all"},
		{"--kind", "rotate", "--ms", "3"},
	} {
		if code, _, _ := run(faultCmd, append([]string{"--sock", sock}, bad...)...); code != 2 {
			t.Errorf("fault %v: exit %d, want 2", bad, code)
		}
	}
	if code, _, _ := run(sendCmd, "--sock", sock); code != 2 {
		t.Errorf("send without a file: exit %d", code)
	}
	missing := filepath.Join(t.TempDir(), "none.sock")
	if code, _, errs := run(pingCmd, "--sock", missing); code != 1 || !strings.Contains(errs, "cannot connect") {
		t.Errorf("ping without a server: %d %q", code, errs)
	}
	t.Setenv("L0_SOCK", sock)
	if code, _, _ := run(pingCmd); code != 0 {
		t.Errorf("ping with L0_SOCK: exit %d", code)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
