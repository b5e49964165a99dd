package proto_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"l0lex/kernel"
	"l0lex/proto"
)

// FuzzDecoder feeds arbitrary streams, split at arbitrary points (chunk
// sizes from splits), to both
// decoders through the gnet-style loop and through a Reader. Decoding must
// never panic; every frame is decoded or rejected with a *FrameError; the
// decoded frames re-encode to exactly the bytes they were read from; and
// the chunked loop, the one-shot loop and the Reader agree.
func FuzzDecoder(f *testing.F) {
	seed, _ := proto.AppendLexRequest(nil, proto.TypeLex, 1, []byte("a\n"))
	seed = proto.AppendPing(seed, 2)
	seed = proto.AppendCancel(seed, 1)
	seed = proto.AppendFault(seed, 3, proto.Fault{Kind: proto.FaultDelay, Actor: -1, Ms: 10})
	f.Add(seed, []byte{2, 15, 0, 200}, uint16(100), false)
	replies := proto.AppendReply(nil, 1, proto.Reply{NTokens: 2, Origin: 1})
	replies = proto.AppendError(replies, 2, proto.ErrBusy, "busy")
	replies = proto.AppendPong(replies, 3, proto.Pong{Version: "v", Kernel: "avx2", Actors: 2})
	full, _ := proto.AppendFullResult(nil, 4, exampleFull())
	replies = append(replies, full...)
	replies = proto.AppendFaultAck(replies, 5)
	f.Add(replies, []byte{0}, uint16(0), true)
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []byte{4}, uint16(64), false)
	f.Add(proto.AppendFrame(nil, proto.TypePing, 9, []byte("x")), []byte{15, 0}, uint16(0), false)
	f.Fuzz(func(t *testing.T, stream, splits []byte, max uint16, fromServer bool) {
		side := proto.FromClient
		if fromServer {
			side = proto.FromServer
		}
		d := proto.NewDecoder(side, uint32(max))
		frames, errs := decodeSplit(d, stream, splits, 1)
		whole, wholeErrs := decodeSplit(d, stream, nil, len(stream)+1)
		if !reflect.DeepEqual(frames, whole) || len(errs) != len(wholeErrs) {
			t.Fatalf("split (%v) and whole decoding differ: %d/%d frames, %d/%d errors",
				splits, len(frames), len(whole), len(errs), len(wholeErrs))
		}
		for _, err := range errs {
			var fe *proto.FrameError
			if !errors.As(err, &fe) || fe.Code == 0 || proto.CodeOf(err) != fe.Code {
				t.Fatalf("error %v is not a coded *FrameError", err)
			}
		}
		// Re-encoding: the frames and the skipped ones rebuild the stream's
		// consumed prefix in order.
		pos := 0
		var inbound = stream
		for {
			fr, n, err := d.Decode(inbound[pos:])
			if n == 0 {
				break
			}
			if err == nil {
				again := proto.AppendFrame(nil, fr.Type, fr.ReqID, fr.Payload)
				if !bytes.Equal(again, inbound[pos:pos+n]) {
					t.Fatalf("frame at %d re-encodes differently", pos)
				}
			}
			pos += n
		}
		// The Reader sees the same frames.
		r := proto.NewReader(bytes.NewReader(stream), d)
		var read []proto.Frame
		for {
			fr, err := r.ReadFrame()
			if err != nil {
				var fe *proto.FrameError
				if errors.As(err, &fe) && !fe.Fatal {
					continue
				}
				break
			}
			read = append(read, fr)
		}
		if len(read) != len(frames) {
			t.Fatalf("Reader read %d frames, Decode %d", len(read), len(frames))
		}
		for i := range read {
			if read[i].Header != frames[i].Header || !bytes.Equal(read[i].Payload, frames[i].Payload) {
				t.Fatalf("frame %d differs between Reader and Decode", i)
			}
		}
		// Payload parsers never panic on what the decoder passes.
		for _, fr := range frames {
			switch fr.Type {
			case proto.TypeReplyFull:
				_, _ = proto.ParseFullReply(fr.Payload)
			case proto.TypeLex, proto.TypeLexFull:
				if doc := proto.LexDoc(fr.Payload); len(doc) > len(fr.Payload) {
					t.Fatal("LexDoc grew the payload")
				}
			}
		}
	})
}

// FuzzParseFullReply parses arbitrary type-4 payloads: no panic; an
// accepted payload re-encodes (AppendFullResult) to one that parses to the
// same result.
func FuzzParseFullReply(f *testing.F) {
	full, _ := proto.AppendFullResult(nil, 4, exampleFull())
	f.Add(full[proto.HeaderLen:])
	a := lexed(f, []byte("\\documentclass{article}\n\\begin{x}$a^2$ ^^41 \\é\xe9\x7f\n\n}"))
	f.Add(proto.AppendFullReply(nil, 1, 2, a)[proto.HeaderLen:])
	f.Add([]byte{1, 1, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		res, err := proto.ParseFullReply(payload)
		if err != nil {
			return
		}
		if len(res.Tokens) > len(payload) {
			t.Fatalf("%d tokens from %d bytes", len(res.Tokens), len(payload))
		}
		again, err := proto.AppendFullResult(nil, 1, res)
		if err != nil {
			t.Fatalf("cannot re-encode an accepted result: %v", err)
		}
		res2, err := proto.ParseFullReply(again[proto.HeaderLen:])
		if err != nil {
			t.Fatalf("re-encoded result does not parse: %v", err)
		}
		res2.Names = res.Names // the dictionary may be laid out differently
		if !reflect.DeepEqual(res, res2) {
			t.Fatalf("re-encoded result differs:\n%+v\n%+v", res, res2)
		}
		if len(again)-proto.HeaderLen > len(payload) {
			t.Fatalf("re-encoding grew from %d to %d bytes", len(payload), len(again)-proto.HeaderLen)
		}
	})
}

// FuzzFullReplyArena lexes arbitrary documents with the kernel, encodes the
// arena and checks that the decoded result is the arena's, token by token
// (names included, rewritten ones too), and prints identically.
func FuzzFullReplyArena(f *testing.F) {
	for _, s := range []string{"a\n", "\\hi{a}\\hi{\n", "\\a^^62c d\\^^M\n", "\\\xe9\n^^^^^^2000e9 ~\x7f\r\n\r",
		"$$x$$ \\\\ \\ \\par\n\n%c\n\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		a := kernel.NewArena(kernel.SizeFor(doc))
		if err := kernel.Lex(a, doc, nil); err != nil {
			t.Skipf("kernel refused the document: %v", err)
		}
		frame := proto.AppendFullReply(nil, 1, proto.OriginPrimary, a)
		res := checkAgainstArena(t, frame, a, 1, proto.OriginPrimary)
		if !bytes.Equal(res.AppendDump(nil), a.AppendDump(nil)) {
			t.Fatal("dump of the decoded result differs from the arena's")
		}
	})
}
