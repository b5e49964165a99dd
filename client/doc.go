// Package client is the Go client of l0d: persistent connections that
// pipeline requests, match replies by req_id and honour context deadlines.
//
// A Conn is safe for concurrent use: any number of goroutines may call its
// methods at once. Requests are written one at a time (whole frames) and one
// reader goroutine hands each reply to the call waiting for its req_id, so
// replies may arrive in any order. See docs/protocol.md for the wire format.
//
// A Client holds one Conn and dials again when it failed (a restarted
// server, a connection the server closed), repeating once on the new
// connection a lex or ping request whose connection failed under it. Long
// running programs (editors, linters) want a Client; a Conn suits one-off
// tools and tests that need to see each connection.
package client
