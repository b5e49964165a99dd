package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"l0lex/client"
	"l0lex/kernel"
	"l0lex/proto"
)

// defaultSock is l0d's default Unix socket.
const defaultSock = "/tmp/l0_lex_svc.sock"

// target holds the flags that say how to reach l0d, shared by send, ping
// and fault.
type target struct {
	sock    string
	tcp     string
	timeout time.Duration
}

func addTarget(fs *flag.FlagSet) *target {
	t := &target{}
	def := os.Getenv("L0_SOCK")
	if def == "" {
		def = defaultSock
	}
	fs.StringVar(&t.sock, "sock", def, "Unix socket of l0d (env L0_SOCK)")
	fs.StringVar(&t.tcp, "tcp", "", "TCP address of l0d (host:port), used instead of --sock")
	fs.DurationVar(&t.timeout, "timeout", 10*time.Second, "deadline for the whole command (connect, request, reply)")
	return t
}

// dial connects within ctx.
func (t *target) dial(ctx context.Context) (*client.Conn, error) {
	if t.tcp != "" {
		return client.Dial(ctx, "tcp", t.tcp)
	}
	return client.Dial(ctx, "unix", t.sock)
}

// parseArgs parses args with fs, allowing flags after positional arguments
// (l0ctl send FILE --tokens), and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// sendIO carries the command's streams (tests replace them).
type sendIO struct {
	in       io.Reader
	out, err io.Writer
}

func stdIO() sendIO { return sendIO{in: os.Stdin, out: os.Stdout, err: os.Stderr} }

// runSend sends one document to l0d and prints the reply.
func runSend(args []string) int { return sendCmd(args, stdIO()) }

func sendCmd(args []string, sio sendIO) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(sio.err)
	t := addTarget(fs)
	tokens := fs.Bool("tokens", false, "ask for the full result and print its tokens in the texdump oracle format (issues go to stderr)")
	asJSON := fs.Bool("json", false, "print the reply (or with --tokens the full result) as JSON")
	fs.Usage = func() {
		fmt.Fprintln(sio.err, "usage: l0ctl send [--sock PATH | --tcp ADDR] [--timeout D] [--tokens] [--json] FILE (- for stdin)")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	var doc []byte
	if pos[0] == "-" {
		doc, err = io.ReadAll(sio.in)
	} else {
		doc, err = os.ReadFile(pos[0])
	}
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl send: cannot read document: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	c, err := t.dial(ctx)
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl send: %v\n", err)
		return 1
	}
	defer c.Close()
	start := time.Now()
	if *tokens {
		res, err := c.LexFull(ctx, doc)
		if err != nil {
			fmt.Fprintf(sio.err, "l0ctl send: %v\n", err)
			return 1
		}
		if *asJSON {
			return writeJSON(sio, fullJSON(res))
		}
		if _, err := sio.out.Write(res.AppendDump(nil)); err != nil {
			fmt.Fprintf(sio.err, "l0ctl send: cannot write tokens: %v\n", err)
			return 1
		}
		for _, is := range res.Issues {
			fmt.Fprintf(sio.err, "%s:%d:%d: %s %s: %s\n", pos[0], is.Line, is.Col, is.Severity, is.Code, issueMessage(is))
		}
		if res.Dropped > 0 {
			fmt.Fprintf(sio.err, "%s: %d more issues not sent\n", pos[0], res.Dropped)
		}
		return 0
	}
	rep, err := c.Lex(ctx, doc)
	elapsed := time.Since(start)
	var se *client.ServerError
	if err != nil && (!errors.As(err, &se) || rep.Status == 0) {
		// A connection error, or an error frame instead of a type-2 reply.
		fmt.Fprintf(sio.err, "l0ctl send: %v\n", err)
		return 1
	}
	if *asJSON {
		if code := writeJSON(sio, replyJSON{Status: rep.Status, StatusName: proto.ErrCode(rep.Status).String(),
			Tokens: rep.NTokens, Issues: rep.NIssues, Origin: originName(rep.Origin), Ms: ms(elapsed)}); code != 0 {
			return code
		}
	} else {
		fmt.Fprintf(sio.out, "status=%d (%s) tokens=%d issues=%d origin=%s time=%.3fms\n",
			rep.Status, proto.ErrCode(rep.Status), rep.NTokens, rep.NIssues, originName(rep.Origin), ms(elapsed))
	}
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl send: %v\n", err)
		return 1
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// originName names a reply's origin.
func originName(o uint8) string {
	switch o {
	case proto.OriginPrimary:
		return "primary"
	case proto.OriginHedge:
		return "hedge"
	}
	return fmt.Sprintf("none(%d)", o)
}

// issueMessage renders an issue's message with the kernel's wording.
func issueMessage(is proto.Issue) string {
	return kernel.Issue{Off: is.Off, Line: is.Line, Col: is.Col, Arg: is.Arg, Code: is.Code}.Message()
}

type replyJSON struct {
	Status     uint32  `json:"status"`
	StatusName string  `json:"status_name"`
	Tokens     uint32  `json:"tokens"`
	Issues     uint32  `json:"issues"`
	Origin     string  `json:"origin"`
	Ms         float64 `json:"ms"`
}

type tokenJSON struct {
	Kind      string `json:"kind"`
	Cat       uint32 `json:"cat,omitempty"`
	Code      uint32 `json:"code,omitempty"`
	Name      string `json:"name,omitempty"`       // valid UTF-8 names
	NameBytes []byte `json:"name_bytes,omitempty"` // other names (base64)
	Off       uint32 `json:"off"`
	Len       uint32 `json:"len"`
}

type fullResultJSON struct {
	Origin  string      `json:"origin"`
	Kernel  string      `json:"kernel"`
	DocLen  uint32      `json:"doc_len"`
	Tokens  []tokenJSON `json:"tokens"`
	Issues  []issueJSON `json:"issues"`
	Dropped uint32      `json:"dropped_issues"`
}

func fullJSON(r *proto.FullResult) fullResultJSON {
	out := fullResultJSON{Origin: originName(r.Origin), Kernel: r.Kernel, DocLen: r.DocLen, Dropped: r.Dropped,
		Tokens: make([]tokenJSON, len(r.Tokens)), Issues: make([]issueJSON, len(r.Issues))}
	for i, t := range r.Tokens {
		tj := tokenJSON{Kind: t.Kind.String(), Cat: t.Cat, Code: t.Code, Off: t.Off, Len: t.Len}
		if t.Kind == kernel.KindControl {
			if utf8.ValidString(t.Name) && t.Name != "" {
				tj.Name = t.Name
			} else {
				tj.NameBytes = []byte(t.Name)
			}
		}
		out.Tokens[i] = tj
	}
	for i, is := range r.Issues {
		out.Issues[i] = issueJSON{Code: int(is.Code), Name: is.Code.String(), Severity: is.Severity.String(),
			Offset: is.Off, Line: is.Line, Col: is.Col, Arg: is.Arg, Message: issueMessage(is)}
	}
	return out
}

func writeJSON(sio sendIO, v any) int {
	enc := json.NewEncoder(sio.out)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(sio.err, "l0ctl: cannot write JSON: %v\n", err)
		return 1
	}
	return 0
}

// runPing asks l0d for its health.
func runPing(args []string) int { return pingCmd(args, stdIO()) }

func pingCmd(args []string, sio sendIO) int {
	fs := flag.NewFlagSet("ping", flag.ContinueOnError)
	fs.SetOutput(sio.err)
	t := addTarget(fs)
	asJSON := fs.Bool("json", false, "print the health as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprintln(sio.err, "usage: l0ctl ping [--sock PATH | --tcp ADDR] [--timeout D] [--json]")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	c, err := t.dial(ctx)
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl ping: %v\n", err)
		return 1
	}
	defer c.Close()
	start := time.Now()
	p, err := c.Ping(ctx)
	rtt := time.Since(start)
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl ping: %v\n", err)
		return 1
	}
	if *asJSON {
		return writeJSON(sio, map[string]any{"version": p.Version, "kernel": p.Kernel, "actors": p.Actors,
			"queued": p.Queued, "uptime_ms": p.UptimeMs, "rtt_ms": ms(rtt)})
	}
	fmt.Fprintf(sio.out, "version=%s kernel=%s actors=%d queued=%d uptime=%s rtt=%.3fms\n",
		p.Version, p.Kernel, p.Actors, p.Queued, time.Duration(p.UptimeMs)*time.Millisecond, ms(rtt))
	return 0
}

// runFault sends a fault-injection control frame (l0d must run with
// L0_FAULT_CONTROL=1).
func runFault(args []string) int { return faultCmd(args, stdIO()) }

func faultCmd(args []string, sio sendIO) int {
	fs := flag.NewFlagSet("fault", flag.ContinueOnError)
	fs.SetOutput(sio.err)
	t := addTarget(fs)
	kind := fs.String("kind", "", "delay, stall, panic, rotate or clear")
	msFlag := fs.Uint("ms", 0, "delay length in ms (--kind delay)")
	count := fs.Int("count", 0, "requests the fault fires on per actor: 0 once, -1 every request until --kind clear")
	actor := fs.Int("actor", 0, "index of the target actor")
	all := fs.Bool("all", false, "target every actor")
	fs.Usage = func() {
		fmt.Fprintln(sio.err, "usage: l0ctl fault --kind delay|stall|panic|rotate|clear [--ms N] [--count C] [--actor I | --all] [--sock PATH | --tcp ADDR]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	k, err := proto.ParseFaultKind(*kind)
	if err != nil || len(pos) != 0 {
		if err != nil {
			fmt.Fprintf(sio.err, "l0ctl fault: %v\n", err)
		}
		fs.Usage()
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *all && set["actor"] {
		fmt.Fprintln(sio.err, "l0ctl fault: give --actor or --all, not both")
		return 2
	}
	f := proto.Fault{Kind: k, Actor: int32(*actor), Ms: uint32(*msFlag), Count: int32(*count)}
	if *all {
		f.Actor = proto.AllActors
	}
	if err := f.Validate(); err != nil {
		fmt.Fprintf(sio.err, "l0ctl fault: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	c, err := t.dial(ctx)
	if err != nil {
		fmt.Fprintf(sio.err, "l0ctl fault: %v\n", err)
		return 1
	}
	defer c.Close()
	if err := c.Fault(ctx, f); err != nil {
		fmt.Fprintf(sio.err, "l0ctl fault: %v\n", err)
		return 1
	}
	target := fmt.Sprintf("actor %d", f.Actor)
	if f.Actor == proto.AllActors {
		target = "all actors"
	}
	fmt.Fprintf(sio.out, "fault %s sent to %s\n", k, target)
	return 0
}
