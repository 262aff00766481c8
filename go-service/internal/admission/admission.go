// Package admission bounds the work in progress: a semaphore of Concurrency
// processing slots and at most QueueDepth requests waiting for one. Past that,
// a request is refused at once instead of piling up memory and latency.
package admission

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrOverloaded means every slot and every queue place is taken.
var ErrOverloaded = errors.New("admission: overloaded")

// Controller admits requests. The zero value is not usable; use New.
type Controller struct {
	tickets  chan struct{} // capacity concurrency+queueDepth: everyone admitted
	slots    chan struct{} // capacity concurrency: everyone processing
	inflight atomic.Int64
	queued   atomic.Int64
}

// New returns a controller with concurrency slots and queueDepth places to wait.
func New(concurrency, queueDepth int) *Controller {
	return &Controller{
		tickets: make(chan struct{}, concurrency+queueDepth),
		slots:   make(chan struct{}, concurrency),
	}
}

// Inflight is the number of requests holding a processing slot.
func (c *Controller) Inflight() int64 { return c.inflight.Load() }

// Queued is the number of admitted requests not processing yet.
func (c *Controller) Queued() int64 { return c.queued.Load() }

// Ticket is one admitted request. Release it exactly once.
type Ticket struct {
	c       *Controller
	holding bool
}

// Enter admits a request without blocking, or returns ErrOverloaded.
func (c *Controller) Enter() (*Ticket, error) {
	select {
	case c.tickets <- struct{}{}:
		c.queued.Add(1)
		return &Ticket{c: c}, nil
	default:
		return nil, ErrOverloaded
	}
}

// Acquire waits for a processing slot until ctx is done.
func (t *Ticket) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case t.c.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.holding = true
	t.c.queued.Add(-1)
	t.c.inflight.Add(1)
	return nil
}

// Release gives back the slot (if held) and the ticket.
func (t *Ticket) Release() {
	if t.holding {
		<-t.c.slots
		t.c.inflight.Add(-1)
		t.holding = false
	} else {
		t.c.queued.Add(-1)
	}
	<-t.c.tickets
}
