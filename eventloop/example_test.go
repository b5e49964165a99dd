package eventloop_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"l0lex/actors"
	"l0lex/eventloop"
	"l0lex/telemetry"
)

func ExampleTCPListenAddr() {
	a, err := eventloop.TCPListenAddr("127.0.0.1:7410", false)
	fmt.Println(a, err)
	_, err = eventloop.TCPListenAddr("0.0.0.0:7410", false)
	fmt.Println(err != nil)
	// Output:
	// tcp4://127.0.0.1:7410 <nil>
	// true
}

// Example wires the event loop to the actor pool and telemetry, as l0d
// does, and drains it.
func Example() {
	tel, err := telemetry.New(telemetry.Config{TailKeep: -1})
	if err != nil {
		log.Fatal(err)
	}
	pool, err := actors.New(actors.Config{Cores: []int{0}, Now: telemetry.Now}, tel)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := eventloop.New(eventloop.Config{
		UnixPath:  "/tmp/l0_example.sock",
		TCPAddr:   "127.0.0.1:7410",
		Telemetry: tel,
	}, pool)
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		log.Fatal(err) // e.g. another server answers on the socket
	}
	// ... until SIGTERM: stop taking requests, let the pool finish, write
	// the last replies, stop.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.BeginDrain()
	_ = pool.Close(ctx)
	_ = srv.Shutdown(ctx)
	_ = tel.Close(ctx)
}
