package admission

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestUploadBudget(t *testing.T) {
	b := NewUploadBudget(100)
	a, ok := b.Reserve(60)
	if !ok || a.Bytes() != 60 || b.Reserved() != 60 {
		t.Fatalf("Reserve(60) = %v, reserved %d", ok, b.Reserved())
	}
	if _, ok := b.Reserve(41); ok {
		t.Fatal("Reserve(41) fitted in the 40 bytes left")
	}
	c, ok := b.Reserve(0) // a chunked body starts with nothing
	if !ok {
		t.Fatal("Reserve(0) refused")
	}
	if !c.Grow(30) || !c.Grow(10) || c.Bytes() != 40 || b.Reserved() != 100 {
		t.Fatalf("grown to %d, reserved %d, want 40 and 100", c.Bytes(), b.Reserved())
	}
	if c.Grow(1) || c.Bytes() != 40 || b.Reserved() != 100 {
		t.Fatalf("Grow past the limit: reservation %d, reserved %d", c.Bytes(), b.Reserved())
	}
	if _, ok := b.Reserve(-1); ok || c.Grow(-1) {
		t.Fatal("a negative size was accepted")
	}
	a.Release()
	a.Release() // a second release gives nothing back twice
	if b.Reserved() != 40 || a.Bytes() != 0 {
		t.Fatalf("after releasing 60: reserved %d, released reservation %d", b.Reserved(), a.Bytes())
	}
	if a.Grow(1) {
		t.Fatal("a released reservation grew")
	}
	if !c.Grow(60) || b.Reserved() != 100 {
		t.Fatalf("the released bytes did not come back: reserved %d", b.Reserved())
	}
	c.Release()
	if b.Reserved() != 0 || b.Limit() != 100 {
		t.Fatalf("reserved %d after every release, limit %d", b.Reserved(), b.Limit())
	}
	var nilRes *Reservation
	nilRes.Release() // a failed Reserve's nil is safe to release
}

// TestUploadBudgetConcurrent: many goroutines reserving, growing and
// releasing never hold more than the limit together, and give it all back.
func TestUploadBudgetConcurrent(t *testing.T) {
	const limit = 1000
	b := NewUploadBudget(limit)
	var peak atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				r, ok := b.Reserve(int64(i%7) * 100)
				if !ok {
					continue
				}
				r.Grow(int64(g) * 5)
				now := b.Reserved()
				for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
				}
				r.Release()
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Errorf("peak of %d bytes reserved at once, limit %d", p, limit)
	}
	if b.Reserved() != 0 {
		t.Errorf("reserved %d after every release", b.Reserved())
	}
}
