package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"l0lex/actors"
	"l0lex/eventloop"
	"l0lex/kernel"
	"l0lex/telemetry"
)

// serve starts telemetry, the actor pool and the event loop, waits for a
// stop signal (or a failure of the event loop) and drains.
func serve(cfg *config, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	logger := log.New(stderr, "l0d: ", log.LstdFlags|log.Lmicroseconds)
	version := buildVersion()
	path, why := kernel.Active()
	cfg.print(stdout, version, path.String(), why)
	if msg := simdGuard(path, why, cfg.AllowScalar); msg != "" {
		fmt.Fprintf(stderr, "l0d: %s\n", msg)
		return exitNoSIMD
	}

	nActors := len(cfg.Cores) + cfg.spares() // spares included

	// Before anything else binds or starts: is another server there?
	if err := eventloop.CheckUnixPath(cfg.Sock); err != nil {
		logger.Printf("%v", err)
		return exitFail
	}

	tel, err := telemetry.New(telemetry.Config{
		Prom: cfg.Prom, PromAddr: cfg.PromAddr, OmitLegacyLatencyMs: !cfg.PromLegacyMs,
		TailCSV: cfg.TailCSV, TailKeep: cfg.TailKeep, LogEvery: cfg.LogEvery,
		Logger:  slog.New(slog.NewTextHandler(stderr, nil)),
		Version: version, KernelPath: path.String(), Actors: nActors,
	})
	if err != nil {
		logger.Printf("%v", err)
		return exitFail
	}
	closeTel := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := tel.Close(ctx); err != nil {
			logger.Printf("%v", err)
		}
	}

	logger.Printf("GOMAXPROCS %d (one per CPU plus one per actor unless GOMAXPROCS is set)", raiseProcs(nActors))
	logger.Printf("%s", lowerGC())
	pool, err := actors.New(actors.Config{
		Cores:            cfg.Cores,
		MailboxLen:       cfg.MailboxLen,
		MaxInflightBytes: cfg.MaxInflightBytes,
		HedgeMs:          cfg.HedgeMs,
		HedgeAuto:        cfg.HedgeAuto,
		HedgeMaxPct:      cfg.HedgeMaxPct,
		HedgeSpares:      cfg.HedgeSpares,
		SpareFIFO:        cfg.SpareFIFO,
		Nice:             cfg.ActorNice,
		RotateReqs:       cfg.RotateReqs,
		RotateBytes:      cfg.RotateBytes,
		FaultMs:          cfg.FaultMs,
		FaultRatePPM:     cfg.FaultRatePPM,
		FaultPhase:       cfg.FaultPhase,
		Now:              telemetry.Now,
		Logf:             logger.Printf,
	}, tel)
	if err != nil {
		logger.Printf("%v", err)
		closeTel()
		return exitFail
	}
	closePool := func(ctx context.Context) {
		if err := pool.Close(ctx); err != nil {
			logger.Printf("%v", err)
		}
	}

	srv, err := eventloop.New(eventloop.Config{
		UnixPath:         cfg.Sock,
		TCPAddr:          cfg.TCP,
		AllowNonLoopback: cfg.TCPAnyAddr,
		MaxReqBytes:      cfg.MaxReqBytes,
		FaultControl:     cfg.FaultControl,
		Loops:            cfg.Loops,
		Now:              telemetry.Now,
		Telemetry:        tel,
		Version:          version,
		Logf:             logger.Printf,
	}, pool)
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		logger.Printf("%v", err)
		closePool(context.Background())
		closeTel()
		return exitFail
	}
	if cfg.PidFile != "" {
		if err := writePIDFile(cfg.PidFile); err != nil {
			logger.Printf("%v", err)
			stopAll(srv, pool, tel, 0, logger)
			closeTel()
			return exitFail
		}
		defer func() {
			if err := removePIDFile(cfg.PidFile); err != nil {
				logger.Printf("%v", err)
			}
		}()
	}
	go func() {
		if err := tel.Serve(); err != nil {
			logger.Printf("%v", err)
		}
	}()
	tel.SetReady(true)
	for _, a := range srv.Addrs() {
		logger.Printf("listening on %s", a)
	}

	code := exitOK
	select {
	case s := <-stop:
		logger.Printf("%v: draining (at most %d ms; a second signal exits at once)", s, cfg.DrainMs)
		go func() {
			s := <-stop
			logger.Printf("%v during the drain: exiting now", s)
			if cfg.PidFile != "" {
				_ = removePIDFile(cfg.PidFile)
			}
			os.Exit(exitFail)
		}()
	case <-srv.Done():
		logger.Printf("event loop stopped unexpectedly")
		code = exitFail
	}
	tel.SetReady(false)
	in := pool.Info()
	logger.Printf("in flight at the stop: %d in the event loop, %d in the pool (loads %v, mailboxes %v)",
		srv.InFlight(), in.Inflight, in.Loads, in.QueueDepths)
	stopAll(srv, pool, tel, time.Duration(cfg.DrainMs)*time.Millisecond, logger)
	closeTel()
	st, ps := srv.Snapshot(), pool.Info().Stats
	logger.Printf("stopped: %d connections, %d requests, %d replies, %d dropped (peer gone), %d frame errors, %d half-closes",
		st.Conns, st.Requests, st.Replies, st.Dropped, st.FrameErrors, st.HalfCloses)
	logger.Printf("pool: %d submitted, %d rejected, %d cancelled, %d hedges (%d won), %d crashes, %d retries, %d internal, %d rotations, %d steals",
		ps.Submitted, ps.Rejected, ps.Cancelled, ps.Hedges, ps.HedgeWins, ps.Crashes, ps.Retries, ps.Internal, ps.Rotations, ps.Steals)
	return code
}

// stopAll drains within drain: the event loop stops taking requests, the
// pool finishes (or, at the deadline, answers SHUTTING_DOWN to) what is in
// flight, the replies are written, then gnet stops.
func stopAll(srv *eventloop.Server, pool *actors.Pool, tel *telemetry.Telemetry, drain time.Duration, logger *log.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	srv.BeginDrain()
	if err := pool.Close(ctx); err != nil {
		logger.Printf("%v", err)
	}
	// The replies of the last requests still have to reach their sockets.
	wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
	defer wcancel()
	if err := srv.Shutdown(wctx); err != nil {
		logger.Printf("%v", err)
	}
}

// buildVersion is the module version and VCS revision of this binary.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "-dirty"
		}
	}
	return v
}
