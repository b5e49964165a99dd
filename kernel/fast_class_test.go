package kernel

import (
	"math/rand/v2"
	"testing"
)

// refMasks classifies b byte by byte with classByte.
func refMasks(b *[64]byte) blockMasks {
	var m blockMasks
	for i, c := range b {
		ord, sp, let := classByte(c)
		set := func(mask *uint64, v bool) {
			if v {
				*mask |= 1 << i
			}
		}
		set(&m.ord, ord)
		set(&m.sp, sp)
		set(&m.let, let)
		set(&m.gm, c == '{' || c == '}' || c == '$')
		set(&m.s20, c == ' ')
		set(&m.bs, c == '\\')
		set(&m.lf, c == '\n')
		set(&m.cr, c == '\r')
		set(&m.ch, c == '^' || c >= 0x80)
		set(&m.hi, c >= 0x80)
		set(&m.pct, c == '%')
		set(&m.ob, c == '{')
		set(&m.dol, c == '$')
		set(&m.car, c == '^')
		set(&m.hard, !ord && !sp && c != '\\' && c != '\n')
	}
	return m
}

// classifyBlocks yields blocks that put every byte value at every position
// and random mixes.
func classifyBlocks() [][64]byte {
	var out [][64]byte
	for c := 0; c < 256; c++ {
		var b [64]byte
		for i := range b {
			b[i] = byte(c + i)
		}
		out = append(out, b)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		var b [64]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out = append(out, b)
	}
	return out
}

func TestClassifyGo(t *testing.T) {
	for _, b := range classifyBlocks() {
		if got, want := classifyGo(&b), refMasks(&b); got != want {
			t.Fatalf("classifyGo(%q)\n got %+v\nwant %+v", b[:], got, want)
		}
	}
}

func TestClassifyGoLine(t *testing.T) {
	for _, b := range classifyBlocks() {
		want := refMasks(&b)
		want = blockMasks{ord: want.ord, sp: want.sp, let: want.let, gm: want.gm}
		var got blockMasks
		if classifyGoLine(&b, &got); got != want {
			t.Fatalf("classifyGoLine(%q)\n got %+v\nwant %+v", b[:], got, want)
		}
	}
}

func TestClassifyAVX2(t *testing.T) {
	if !simdUsable() {
		t.Skip("AVX2 kernels not usable here: " + simdReason())
	}
	for _, b := range classifyBlocks() {
		var vals blockVals
		var got blockMasks
		classifyAVX2(&b, &vals, &got)
		if want := refMasks(&b); got != want {
			t.Fatalf("classifyAVX2(%q)\n got %+v\nwant %+v", b[:], got, want)
		}
		for i, c := range b {
			if simpleVal[c] != 0 && vals.val(i) != simpleVal[c] {
				t.Fatalf("classifyAVX2: value of %q is %#x, want %#x", c, vals.val(i), simpleVal[c])
			}
		}
	}
}

// TestEmit checks both emitters against simpleVal on every simple byte.
func TestEmit(t *testing.T) {
	var simple []byte
	for c := 0; c < 256; c++ {
		if simpleVal[c] != 0 {
			simple = append(simple, byte(c))
		}
	}
	// Every printable ASCII byte but '\\', '%' and '^', and the two spaces.
	if len(simple) != 0x7f-0x21-3+2 {
		t.Fatalf("%d simple bytes, want %d", len(simple), 0x7f-0x21-3+2)
	}
	if simpleVal['\t'] != PackChar(CatSpace, ' ') || simpleVal['a'] != PackChar(CatLetter, 'a') || simpleVal['~'] != PackActive('~') ||
		simpleVal['{'] != PackChar(CatBeginGroup, '{') || simpleVal['1'] != PackChar(CatOther, '1') {
		t.Fatal("simpleVal is wrong")
	}
	r := rand.New(rand.NewPCG(3, 4))
	src := make([]byte, 4096)
	for i := range src {
		src[i] = simple[r.IntN(len(simple))]
	}
	for n := 0; n < 400; n++ {
		p, sh, k := 64+r.IntN(1000), r.IntN(64), r.IntN(50)
		cnt := r.IntN(64 - sh + 1)
		if n%2 == 0 {
			cnt = r.IntN(300)
		}
		for _, name := range []string{"go", "avx2"} {
			if name == "avx2" && (!simdUsable() || n%2 == 0) {
				continue
			}
			val := make([]uint32, k+cnt+slack)
			off := make([]uint32, k+cnt+slack)
			ln := make([]uint8, k+cnt+slack)
			if name == "go" {
				emitGo(val, off, ln, k, src, p, cnt)
			} else {
				var vals blockVals
				var m blockMasks
				classifyAVX2((*[64]byte)(src[p-sh:]), &vals, &m)
				emitAVX2(val, off, ln, k, &vals, sh, p, cnt)
			}
			for i := 0; i < cnt; i++ {
				if val[k+i] != simpleVal[src[p+i]] || off[k+i] != uint32(p+i) || ln[k+i] != 1 {
					t.Fatalf("%s: token %d of run (p=%d n=%d): got %#x/%d/%d want %#x/%d/1",
						name, i, p, cnt, val[k+i], off[k+i], ln[k+i], simpleVal[src[p+i]], p+i)
				}
			}
			for i := 0; i < k; i++ {
				if val[i] != 0 || off[i] != 0 || ln[i] != 0 {
					t.Fatalf("%s wrote before slot %d", name, k)
				}
			}
		}
	}
}
