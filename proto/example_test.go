package proto_test

import (
	"fmt"

	"l0lex/kernel"
	"l0lex/proto"
)

// A gnet-style read loop: decode every complete frame from the unread bytes,
// then keep the rest for the next read.
func ExampleDecoder() {
	var inbound []byte
	inbound, _ = proto.AppendLexRequest(inbound, proto.TypeLex, 1, []byte("a\n"))
	inbound = proto.AppendPing(inbound, 2)
	inbound = proto.AppendFrame(inbound, proto.TypePing, 3, []byte("x")) // bad: ping with a payload
	inbound = append(inbound, 0, 0, 0, 1)                                // start of a next frame

	d := proto.NewDecoder(proto.FromClient, proto.DefaultMaxRequest)
	for {
		f, n, err := d.Decode(inbound)
		if err != nil {
			fmt.Printf("req %d: error frame, code %d (%s)\n", f.ReqID, proto.CodeOf(err), proto.CodeOf(err))
			// a fatal *proto.FrameError would close the connection here
		} else if n == 0 {
			need, _ := d.Need(inbound)
			fmt.Printf("partial frame: %d of %d bytes\n", len(inbound), need)
			break
		} else {
			fmt.Printf("req %d: type %d, %q\n", f.ReqID, f.Type, proto.LexDoc(f.Payload))
		}
		inbound = inbound[n:]
	}
	// Output:
	// req 1: type 1, "a\n"
	// req 2: type 7, ""
	// req 3: error frame, code 1 (bad frame)
	// partial frame: 4 of 16 bytes
}

// Encode the full result of a lexed document and decode it again.
func ExampleParseFullReply() {
	doc := []byte("\\emph{x}\n")
	a := kernel.NewArena(kernel.SizeFor(doc))
	if err := kernel.Lex(a, doc, nil); err != nil {
		fmt.Println(err)
		return
	}
	frame := proto.AppendFullReply(nil, 7, proto.OriginPrimary, a)
	res, err := proto.ParseFullReply(frame[proto.HeaderLen:])
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range res.Tokens {
		fmt.Printf("%-7s cat=%-2d code=%-3d name=%-4q off=%d len=%d\n", t.Kind, t.Cat, t.Code, t.Name, t.Off, t.Len)
	}
	// Output:
	// control cat=0  code=0   name="emph" off=0 len=5
	// char    cat=1  code=123 name=""   off=5 len=1
	// char    cat=11 code=120 name=""   off=6 len=1
	// char    cat=2  code=125 name=""   off=7 len=1
	// char    cat=10 code=32  name=""   off=8 len=1
}
