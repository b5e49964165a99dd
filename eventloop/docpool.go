package eventloop

import (
	"math/bits"
	"sync"
)

// docPool recycles the buffers that hold lex payloads, so that a server
// under steady load allocates nothing per request (a megabyte document per
// request would otherwise start a garbage collection every hundred
// requests, and each one stops the actors for a moment). Buffers come in
// power-of-two size classes from docPoolMin bytes; smaller payloads are
// allocated as before. A buffer goes back to the pool when the actor pool
// releases its request (actors.Request.Release): no attempt reads it then.
//
// All methods are safe for concurrent use.
type docPool struct {
	classes [docPoolClasses]sync.Pool // *[]byte of cap docPoolMin<<i
}

const (
	docPoolMin     = 64 << 10 // smallest pooled buffer
	docPoolClasses = 16       // up to 2 GiB, past any L0_MAX_REQ_BYTES
)

// class returns the size class of a payload of n bytes, or -1 when n is
// too small or too large to pool.
func docClass(n int) int {
	if n <= 0 || n > docPoolMin<<(docPoolClasses-1) {
		return -1
	}
	if n <= docPoolMin {
		return 0
	}
	return bits.Len(uint(n-1)) - bits.Len(docPoolMin-1)
}

// get returns a buffer of length n (contents unspecified) and whether it
// belongs to the pool (then it must be given back with put).
func (d *docPool) get(n int) ([]byte, bool) {
	c := docClass(n)
	if n < docPoolMin/2 || c < 0 {
		return make([]byte, n), false
	}
	if b, ok := d.classes[c].Get().(*[]byte); ok {
		return (*b)[:n], true
	}
	return make([]byte, n, docPoolMin<<c), true
}

// put gives back a buffer from get.
func (d *docPool) put(b []byte) {
	c := docClass(cap(b))
	if c < 0 || cap(b) != docPoolMin<<c {
		return // not one of ours
	}
	b = b[:0]
	d.classes[c].Put(&b)
}
