package admission

import "sync/atomic"

// UploadBudget bounds the bytes of request bodies held at once
// (MAX_INFLIGHT_UPLOAD_BYTES; contract README, "Edge policy"). A body
// reserves its declared length before it is read, or, when chunked, grows
// its reservation as its bytes arrive; what does not fit is refused at once,
// never waited for. Safe for concurrent use.
type UploadBudget struct {
	limit    int64
	reserved atomic.Int64
}

// NewUploadBudget returns a budget of limit bytes.
func NewUploadBudget(limit int64) *UploadBudget { return &UploadBudget{limit: limit} }

// Limit is the budget's size in bytes.
func (b *UploadBudget) Limit() int64 { return b.limit }

// Reserved is the number of bytes reserved now.
func (b *UploadBudget) Reserved() int64 { return b.reserved.Load() }

// take adds n to the reserved bytes if they stay within the limit.
func (b *UploadBudget) take(n int64) bool {
	for {
		cur := b.reserved.Load()
		if n > b.limit-cur {
			return false
		}
		if b.reserved.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// Reservation is the part of the budget held by one body. Use it from one
// goroutine; Release it exactly once (later calls do nothing).
type Reservation struct {
	b        *UploadBudget
	n        int64
	released bool
}

// Reserve takes n bytes without blocking; false when they do not fit.
func (b *UploadBudget) Reserve(n int64) (*Reservation, bool) {
	if n < 0 || !b.take(n) {
		return nil, false
	}
	return &Reservation{b: b, n: n}, true
}

// Grow adds n bytes to the reservation without blocking; false (and the
// reservation unchanged) when they do not fit.
func (r *Reservation) Grow(n int64) bool {
	if n < 0 || r.released || !r.b.take(n) {
		return false
	}
	r.n += n
	return true
}

// Bytes is the size of the reservation (0 once released).
func (r *Reservation) Bytes() int64 { return r.n }

// Release gives the reservation back to the budget.
func (r *Reservation) Release() {
	if r == nil || r.released {
		return
	}
	r.released = true
	r.b.reserved.Add(-r.n)
	r.n = 0
}
