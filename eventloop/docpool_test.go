package eventloop

import "testing"

func TestDocClass(t *testing.T) {
	for _, c := range []struct{ n, class int }{
		{0, -1}, {1, 0}, {docPoolMin, 0}, {docPoolMin + 1, 1}, {2 * docPoolMin, 1},
		{1101324, 5}, {8 << 20, 7}, {docPoolMin << 15, 15}, {docPoolMin<<15 + 1, -1},
	} {
		if got := docClass(c.n); got != c.class {
			t.Errorf("docClass(%d) = %d, want %d", c.n, got, c.class)
		}
		if c.class >= 0 && c.n > 0 && docPoolMin<<c.class < c.n {
			t.Errorf("class %d too small for %d bytes", c.class, c.n)
		}
	}
}

func TestDocPoolReuse(t *testing.T) {
	var d docPool
	b, pooled := d.get(1101324)
	if !pooled || len(b) != 1101324 || cap(b) != docPoolMin<<5 {
		t.Fatalf("get: len %d cap %d pooled %v", len(b), cap(b), pooled)
	}
	b[0] = 7
	d.put(b)
	if small, pooled := d.get(100); pooled || len(small) != 100 {
		t.Fatalf("a small payload is pooled (%v) or has length %d", pooled, len(small))
	}
	d.put(make([]byte, 10, 1000)) // not a pool buffer: ignored
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := d.get(1 << 20)
		d.put(b)
	})
	if allocs > 1 {
		t.Errorf("%.1f allocations per get/put of a pooled size", allocs)
	}
}
