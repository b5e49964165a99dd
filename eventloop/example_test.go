package eventloop_test

import (
	"fmt"

	"l0lex/eventloop"
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
