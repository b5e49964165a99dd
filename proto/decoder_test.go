package proto_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"l0lex/proto"
)

// decodeAll runs the gnet-style loop over an inbound buffer fed in chunks
// of the given size: it appends each chunk, decodes every complete frame and
// discards it. It stops at the first fatal error.
func decodeAll(d *proto.Decoder, stream []byte, chunk int) (frames []proto.Frame, errs []error) {
	return decodeSplit(d, stream, []byte{byte(min(chunk, 256) - 1)}, chunk)
}

// decodeSplit is decodeAll with chunk sizes taken in turn from splits (each
// byte b is a chunk of b+1 bytes), or chunks of size bytes when splits is
// empty.
func decodeSplit(d *proto.Decoder, stream, splits []byte, size int) (frames []proto.Frame, errs []error) {
	var inbound []byte
	for k := 0; len(stream) > 0; k++ {
		n := size
		if len(splits) > 0 {
			n = int(splits[k%len(splits)]) + 1
		}
		n = min(n, len(stream))
		inbound = append(inbound, stream[:n]...)
		stream = stream[n:]
		for {
			f, used, err := d.Decode(inbound)
			if err != nil {
				errs = append(errs, err)
				var fe *proto.FrameError
				if !errors.As(err, &fe) || fe.Fatal {
					return frames, errs
				}
			} else if used == 0 {
				break
			} else {
				f.Payload = bytes.Clone(f.Payload)
				frames = append(frames, f)
			}
			inbound = inbound[used:]
		}
	}
	return frames, errs
}

func TestDecoderPipelinedAndSplit(t *testing.T) {
	var stream []byte
	stream, _ = proto.AppendLexRequest(stream, proto.TypeLex, 1, []byte("a\n"))
	stream, _ = proto.AppendLexRequest(stream, proto.TypeLexFull, 2, bytes.Repeat([]byte("x"), 70000))
	stream = proto.AppendPing(stream, 3)
	stream = proto.AppendCancel(stream, 2)
	stream = proto.AppendFault(stream, 4, proto.Fault{Kind: proto.FaultPanic, Actor: 1})
	stream = proto.AppendFrame(stream, proto.TypeLex, 5, nil) // empty document
	d := proto.NewDecoder(proto.FromClient, proto.DefaultMaxRequest)
	for _, chunk := range []int{1, 7, 16, 17, 4096, len(stream)} {
		frames, errs := decodeAll(d, stream, chunk)
		if len(errs) != 0 {
			t.Fatalf("chunk %d: errors %v", chunk, errs)
		}
		wantIDs := []uint64{1, 2, 3, 2, 4, 5}
		if len(frames) != len(wantIDs) {
			t.Fatalf("chunk %d: %d frames, want %d", chunk, len(frames), len(wantIDs))
		}
		var again []byte
		for i, f := range frames {
			if f.ReqID != wantIDs[i] {
				t.Errorf("chunk %d: frame %d req_id %d, want %d", chunk, i, f.ReqID, wantIDs[i])
			}
			again = proto.AppendFrame(again, f.Type, f.ReqID, f.Payload)
		}
		if !bytes.Equal(again, stream) {
			t.Errorf("chunk %d: re-encoded frames differ from the stream", chunk)
		}
		if doc := proto.LexDoc(frames[1].Payload); len(doc) != 70000 {
			t.Errorf("chunk %d: document of %d bytes", chunk, len(doc))
		}
	}
}

func TestDecoderNeed(t *testing.T) {
	d := proto.NewDecoder(proto.FromClient, 1<<20)
	f, _ := proto.AppendLexRequest(nil, proto.TypeLex, 1, make([]byte, 500000))
	for _, have := range []int{0, 5, 15} {
		if n, err := d.Need(f[:have]); n != proto.HeaderLen || err != nil {
			t.Errorf("Need(%d bytes) = %d, %v", have, n, err)
		}
	}
	if n, err := d.Need(f[:16]); n != len(f) || err != nil {
		t.Errorf("Need(header) = %d, %v; want %d", n, err, len(f))
	}
	if _, n, err := d.Decode(f[:len(f)-1]); n != 0 || err != nil {
		t.Errorf("Decode(incomplete) = %d, %v", n, err)
	}
}

func TestDecoderRejects(t *testing.T) {
	hdr := func(typ proto.Type, id uint64, n uint32) []byte {
		return proto.AppendHeader(nil, proto.Header{Type: typ, ReqID: id, Len: n})
	}
	tests := []struct {
		name  string
		side  proto.Side
		frame []byte
		code  proto.ErrCode
		fatal bool
	}{
		{"too large header only", proto.FromClient, hdr(proto.TypeLex, 1, 1001), proto.ErrTooLarge, true},
		{"too large any type", proto.FromClient, hdr(77, 1, 0xffffffff), proto.ErrTooLarge, true},
		{"reply from client", proto.FromClient, proto.AppendReply(nil, 2, proto.Reply{}), proto.ErrUnknownType, false},
		{"type 0", proto.FromClient, hdr(0, 3, 0), proto.ErrUnknownType, false},
		{"unknown type 11", proto.FromClient, proto.AppendFrame(nil, 11, 3, []byte("zz")), proto.ErrUnknownType, false},
		{"ping with payload", proto.FromClient, proto.AppendFrame(nil, proto.TypePing, 4, []byte{1}), proto.ErrBadFrame, false},
		{"cancel with payload", proto.FromClient, proto.AppendFrame(nil, proto.TypeCancel, 4, []byte{1}), proto.ErrBadFrame, false},
		{"fault short", proto.FromClient, proto.AppendFrame(nil, proto.TypeFault, 5, []byte{1, 0, 0}), proto.ErrBadFrame, false},
		{"fault kind", proto.FromClient, proto.AppendFrame(nil, proto.TypeFault, 5, []byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), proto.ErrBadFrame, false},
		{"request from server", proto.FromServer, proto.AppendPing(nil, 6), proto.ErrUnknownType, false},
		{"reply 12 bytes", proto.FromServer, proto.AppendFrame(nil, proto.TypeReply, 7, make([]byte, 12)), proto.ErrBadFrame, false},
		{"error code 0", proto.FromServer, proto.AppendFrame(nil, proto.TypeError, 8, make([]byte, 4)), proto.ErrBadFrame, false},
		{"pong short", proto.FromServer, proto.AppendFrame(nil, proto.TypePong, 9, []byte{3, 'a'}), proto.ErrBadFrame, false},
		{"full short", proto.FromServer, proto.AppendFrame(nil, proto.TypeReplyFull, 9, []byte{1}), proto.ErrBadFrame, false},
		{"ack payload", proto.FromServer, proto.AppendFrame(nil, proto.TypeFaultAck, 9, []byte{1}), proto.ErrBadFrame, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := proto.NewDecoder(tt.side, 1000)
			f, n, err := d.Decode(tt.frame)
			var fe *proto.FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %v, want a *FrameError", err)
			}
			if fe.Code != tt.code || fe.Fatal != tt.fatal || proto.CodeOf(err) != tt.code {
				t.Errorf("code %v fatal %v, want %v %v (%v)", fe.Code, fe.Fatal, tt.code, tt.fatal, err)
			}
			want := proto.ParseHeader(tt.frame)
			if f.Header != want || fe.Header != want {
				t.Errorf("header %+v / %+v, want %+v", f.Header, fe.Header, want)
			}
			if !tt.fatal && n != len(tt.frame) {
				t.Errorf("skip %d bytes, want %d", n, len(tt.frame))
			}
			if tt.fatal && n != 0 {
				t.Errorf("fatal error with n = %d", n)
			}
			// The Reader agrees with Decode.
			_, rerr := proto.NewReader(bytes.NewReader(tt.frame), d).ReadFrame()
			if proto.CodeOf(rerr) != tt.code {
				t.Errorf("ReadFrame: %v", rerr)
			}
		})
	}
}

func TestDecoderSkipsAndContinues(t *testing.T) {
	stream := proto.AppendFrame(nil, proto.TypePing, 1, []byte("junk"))
	stream = proto.AppendPing(stream, 2)
	frames, errs := decodeAll(proto.NewDecoder(proto.FromClient, 0), stream, 3)
	if len(errs) != 1 || len(frames) != 1 || frames[0].ReqID != 2 {
		t.Fatalf("frames %v errors %v", frames, errs)
	}
}

func TestReader(t *testing.T) {
	var stream []byte
	stream = proto.AppendReply(stream, 1, proto.Reply{NTokens: 3, Origin: 1})
	stream = proto.AppendError(stream, 2, proto.ErrBusy, "busy")
	stream = proto.AppendFrame(stream, proto.TypeReply, 3, []byte{1}) // bad, skipped
	stream = proto.AppendPong(stream, 4, proto.Pong{Version: "x"})
	r := proto.NewReader(bytes.NewReader(stream), proto.NewDecoder(proto.FromServer, 0))
	var ids []uint64
	var bad int
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *proto.FrameError
			if errors.As(err, &fe) && !fe.Fatal {
				bad++
				continue
			}
			t.Fatal(err)
		}
		ids = append(ids, f.ReqID)
	}
	if len(ids) != 3 || ids[0] != 1 || ids[1] != 2 || ids[2] != 4 || bad != 1 {
		t.Errorf("ids %v, bad %d", ids, bad)
	}
	_, err := proto.NewReader(bytes.NewReader(stream[:20]), proto.NewDecoder(proto.FromServer, 0)).ReadFrame()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut frame: %v", err)
	}
}

// TestReaderHugeHeader: a header announcing 4 GiB followed by a few bytes
// must fail without allocating the announced size.
func TestReaderHugeHeader(t *testing.T) {
	stream := append(proto.AppendHeader(nil, proto.Header{Type: proto.TypeReplyFull, ReqID: 1, Len: proto.MaxPayload}), "abc"...)
	r := proto.NewReader(bytes.NewReader(stream), proto.NewDecoder(proto.FromServer, 0))
	if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadFrame = %v, want ErrUnexpectedEOF", err)
	}
	big := bytes.Repeat([]byte{7}, 300000)
	ok := proto.AppendFrame(nil, proto.TypeReplyFull, 2, append(make([]byte, 27), big...))
	f, err := proto.NewReader(bytes.NewReader(ok), proto.NewDecoder(proto.FromServer, 0)).ReadFrame()
	if err != nil || len(f.Payload) != 27+len(big) || !bytes.Equal(f.Payload[27:], big) {
		t.Fatalf("large frame: %d bytes, %v", len(f.Payload), err)
	}
}
