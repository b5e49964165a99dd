package actors

import (
	"sync"
	"sync/atomic"
)

// mailbox is an actor's bounded FIFO of attempts. Unlike a channel it shows
// when its oldest attempt was queued, so that an actor looking for work can
// take the oldest attempt of the pool, from its own mailbox or another's.
// Its methods are safe for concurrent use.
type mailbox struct {
	mu     sync.Mutex
	buf    []*attempt // ring of capacity len(buf)
	head   int
	closed bool
	n      atomic.Int32  // attempts queued; written under mu
	ready  chan struct{} // capacity 1: an attempt was put or the mailbox closed
}

func newMailbox(capacity int) *mailbox {
	return &mailbox{buf: make([]*attempt, max(capacity, 1)), ready: make(chan struct{}, 1)}
}

// put queues att (att.tEnq set) unless the mailbox is full or closed.
func (m *mailbox) put(att *attempt) enqResult {
	m.mu.Lock()
	n := int(m.n.Load())
	switch {
	case m.closed:
		m.mu.Unlock()
		return enqRetired
	case n == len(m.buf):
		m.mu.Unlock()
		return enqFull
	}
	m.buf[(m.head+n)%len(m.buf)] = att
	m.n.Store(int32(n + 1))
	m.mu.Unlock()
	m.signal()
	return enqOK
}

// take removes and returns the oldest attempt, or nil when empty; closed
// reports whether the mailbox is closed.
func (m *mailbox) take() (att *attempt, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := int(m.n.Load())
	if n == 0 {
		return nil, m.closed
	}
	att = m.buf[m.head]
	m.buf[m.head] = nil
	m.head = (m.head + 1) % len(m.buf)
	m.n.Store(int32(n - 1))
	return att, m.closed
}

// oldest returns when the oldest queued attempt was queued; ok is false
// when the mailbox is empty.
func (m *mailbox) oldest() (tEnq int64, ok bool) {
	if m.n.Load() == 0 {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n.Load() == 0 {
		return 0, false
	}
	return m.buf[m.head].tEnq, true
}

// close refuses further puts; what is queued stays to be taken.
func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.signal()
}

// len returns the number of attempts queued.
func (m *mailbox) len() int { return int(m.n.Load()) }

func (m *mailbox) signal() {
	select {
	case m.ready <- struct{}{}:
	default:
	}
}
