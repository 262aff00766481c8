package admission

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAdmission(t *testing.T) {
	c := New(1, 1)
	a, err := c.Enter()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := c.Enter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enter(); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("third Enter: err = %v, want ErrOverloaded", err)
	}
	if c.Inflight() != 1 || c.Queued() != 1 {
		t.Fatalf("inflight %d queued %d, want 1 1", c.Inflight(), c.Queued())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := b.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued Acquire: err = %v, want deadline", err)
	}
	b.Release()

	got := make(chan error, 1)
	d, err := c.Enter()
	if err != nil {
		t.Fatal(err)
	}
	go func() { got <- d.Acquire(context.Background()) }()
	// a holds the only slot: d must not have one before a lets go (b's deadline above shows it waits).
	select {
	case err := <-got:
		t.Fatalf("Acquire returned (%v) while the only slot was held", err)
	default:
	}
	a.Release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	d.Release()
	if c.Inflight() != 0 || c.Queued() != 0 {
		t.Fatalf("inflight %d queued %d after release, want 0 0", c.Inflight(), c.Queued())
	}
}
