package actors

import "sync/atomic"

// counters are the pool's cumulative event counts.
type counters struct {
	submitted, rejected, cancelled        atomic.Uint64
	hedges, hedgeWins, losersCancelled    atomic.Uint64
	crashes, retries, internal, rotations atomic.Uint64
	steals                                atomic.Uint64
}

// Stats are cumulative counts since New.
type Stats struct {
	Submitted       uint64 // requests given to Submit
	Rejected        uint64 // answered at once with BUSY or SHUTTING_DOWN
	Cancelled       uint64 // answered CANCELLED by Cancel or CancelConn
	Hedges          uint64 // duplicates sent by the supervisor
	HedgeWins       uint64 // replies that came from a hedge
	LosersCancelled uint64 // attempts dropped because their job was answered elsewhere
	Crashes         uint64 // panics caught inside actors
	Retries         uint64 // requests re-run after a crash
	Internal        uint64 // requests answered INTERNAL
	Rotations       uint64 // actors replaced (any reason)
	Steals          uint64 // queued attempts taken by an idle actor from another's mailbox
}

// Info describes the pool's current state.
type Info struct {
	Actors        int    // number of actor slots, spares included
	Spares        int    // spare actors (the last slots), which run only hedges
	Cores         []int  // core of each slot; -1 for a spare (any core of the pool)
	KernelPath    string // kernel.Active() path name
	KernelReason  string // why that path was chosen
	QueueDepths   []int  // mailbox depth of each slot's installed actor
	Loads         []int  // requests queued or running per slot
	Pinned        []bool // whether each slot's actor thread is pinned
	FIFO          []bool // whether each slot's actor may run under SCHED_FIFO (spares, for urgent hedges: Config.SpareFIFO)
	Inflight      int64  // requests accepted and not yet answered
	InflightBytes int64  // their document bytes
	HedgeNs       int64  // current hedge deadline in ns (0: hedging off)
	Stats         Stats
}

// Info returns a snapshot of the pool's state. Safe for concurrent use.
func (p *Pool) Info() Info {
	n := len(p.slots)
	in := Info{
		Actors: n, Spares: n - p.nCore, Cores: append([]int(nil), p.cfg.Cores...),
		KernelPath: p.kernelPath, KernelReason: p.kernelWhy,
		QueueDepths: make([]int, n), Loads: make([]int, n), Pinned: make([]bool, n),
		FIFO:     make([]bool, n),
		Inflight: p.inflight.Load(), InflightBytes: p.inflightBytes.Load(),
		HedgeNs: p.sup.hedgeNs.Load(),
		Stats: Stats{
			Submitted: p.stats.submitted.Load(), Rejected: p.stats.rejected.Load(),
			Cancelled: p.stats.cancelled.Load(), Hedges: p.stats.hedges.Load(),
			HedgeWins: p.stats.hedgeWins.Load(), LosersCancelled: p.stats.losersCancelled.Load(),
			Crashes: p.stats.crashes.Load(), Retries: p.stats.retries.Load(),
			Internal: p.stats.internal.Load(), Rotations: p.stats.rotations.Load(),
			Steals: p.stats.steals.Load(),
		},
	}
	for range n - p.nCore {
		in.Cores = append(in.Cores, -1)
	}
	for i := range p.slots {
		a := p.slots[i].Load()
		in.QueueDepths[i] = a.mbox.len()
		in.Loads[i] = int(a.load.Load())
		in.Pinned[i] = a.pinned.Load()
		in.FIFO[i] = a.fifo.Load()
	}
	return in
}
