package eventloop

import (
	"fmt"
	"time"

	"github.com/panjf2000/gnet/v2"

	"l0lex/actors"
	"l0lex/proto"
)

// ping answers a ping with the server's version, the kernel path and the
// actors' state.
func (s *Server) ping(c gnet.Conn, reqID uint64) {
	in := s.pool.Info()
	queued := 0
	for _, d := range in.QueueDepths {
		queued += d
	}
	b := proto.AppendPong(s.getFrame(), reqID, proto.Pong{
		Version:  s.cfg.Version,
		Kernel:   in.KernelPath,
		Actors:   uint32(in.Actors),
		Queued:   uint32(queued),
		UptimeMs: uint64(time.Since(s.startTime) / time.Millisecond),
	})
	s.writeOnLoop(c, b)
	s.putFrame(b)
}

// fault carries out a fault control frame (already validated by the
// decoder), or refuses it when fault control is off.
func (s *Server) fault(c gnet.Conn, reqID uint64, payload []byte) {
	if !s.cfg.FaultControl {
		s.writeError(c, reqID, proto.ErrForbidden, "fault control is disabled (start l0d with L0_FAULT_CONTROL=1)")
		return
	}
	pf, err := proto.ParseFault(payload)
	if err != nil {
		s.writeError(c, reqID, proto.ErrBadFrame, err.Error())
		return
	}
	f, err := toActorsFault(pf)
	if err == nil && f.Actor != actors.AllActors && f.Actor >= s.pool.Info().Actors {
		err = fmt.Errorf("cannot inject a fault into actor %d: the pool has %d actors", f.Actor, s.pool.Info().Actors)
	}
	if err != nil {
		s.writeError(c, reqID, proto.ErrBadFrame, err.Error())
		return
	}
	if err := s.pool.Fault(f); err != nil {
		code := proto.ErrInternal
		if s.draining.Load() {
			code = proto.ErrShuttingDown
		}
		s.writeError(c, reqID, code, "cannot inject fault: "+err.Error())
		return
	}
	b := proto.AppendFaultAck(s.getFrame(), reqID)
	s.writeOnLoop(c, b)
	s.putFrame(b)
}

// toActorsFault maps a wire fault onto the pool's.
func toActorsFault(pf proto.Fault) (actors.Fault, error) {
	f := actors.Fault{Kind: pf.Kind, Actor: int(pf.Actor), Ms: int(pf.Ms), Count: int(pf.Count)}
	if pf.Kind < proto.FaultDelay || pf.Kind > proto.FaultClear {
		return f, fmt.Errorf("cannot inject fault kind %d: unknown", uint8(pf.Kind))
	}
	if pf.Actor == proto.AllActors {
		f.Actor = actors.AllActors
	}
	return f, nil
}
