package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"l0lex/client"
	"l0lex/proto"
)

// tinyServer answers every request on one end of a pipe the way l0d would,
// with fixed results: enough to show the client's API.
func tinyServer(nc net.Conn) {
	r := proto.NewReader(nc, proto.NewDecoder(proto.FromClient, proto.DefaultMaxRequest))
	for {
		f, err := r.ReadFrame()
		if err != nil {
			nc.Close()
			return
		}
		switch f.Type {
		case proto.TypeLex:
			doc := proto.LexDoc(f.Payload)
			status := uint32(0)
			if len(doc) == 0 {
				status = uint32(proto.ErrInternal)
			}
			nc.Write(proto.AppendReply(nil, f.ReqID, proto.Reply{Status: status, NTokens: uint32(len(doc)), Origin: proto.OriginPrimary}))
		case proto.TypePing:
			nc.Write(proto.AppendPong(nil, f.ReqID, proto.Pong{Version: "0.1.0", Kernel: "avx2", Actors: 2, UptimeMs: 1000}))
		case proto.TypeFault:
			nc.Write(proto.AppendError(nil, f.ReqID, proto.ErrForbidden, "fault control is disabled"))
		}
	}
}

func Example() {
	// With a running l0d: c, err := client.Dial(ctx, "unix", "/tmp/l0_lex_svc.sock")
	cli, srv := net.Pipe()
	go tinyServer(srv)
	c := client.NewConn(cli)
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	pong, err := c.Ping(ctx)
	if err != nil {
		fmt.Println("ping:", err)
		return
	}
	fmt.Printf("server %s, kernel %s, %d actors\n", pong.Version, pong.Kernel, pong.Actors)

	rep, err := c.Lex(ctx, []byte("abc"))
	fmt.Println(rep.NTokens, "tokens, error:", err)

	// A non-zero status comes back as a *client.ServerError.
	_, err = c.Lex(ctx, nil)
	var se *client.ServerError
	if errors.As(err, &se) {
		fmt.Println("refused:", se.Code)
	}
	err = c.Fault(ctx, proto.Fault{Kind: proto.FaultDelay, Actor: proto.AllActors, Ms: 15})
	fmt.Println(err)
	// Output:
	// server 0.1.0, kernel avx2, 2 actors
	// 3 tokens, error: <nil>
	// refused: internal
	// l0d: forbidden (code 8): fault control is disabled
}
