package eventloop

// SetReadHook installs f, called at the start of every OnTraffic with the
// number of bytes buffered for the connection (tests only).
func (s *Server) SetReadHook(f func(buffered int)) { s.readHook = f }
