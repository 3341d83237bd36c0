package provider

import "context"

// Limited is a Site that keeps at most n calls in flight, whoever makes
// them: apply's --parallelism bounds the calls a site sees at once, not
// only the objects being applied.
type Limited struct {
	Site
	slots chan struct{}
}

// NewLimited wraps site so that at most n calls (at least 1) run at once.
func NewLimited(site Site, n int) *Limited {
	return &Limited{Site: site, slots: make(chan struct{}, max(1, n))}
}

func (l *Limited) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Limited) release() { <-l.slots }

// Query implements Site.
func (l *Limited) Query(ctx context.Context, q Query) ([]*Instance, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.Site.Query(ctx, q)
}

// Get implements Site.
func (l *Limited) Get(ctx context.Context, path string) (*Instance, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.Site.Get(ctx, path)
}

// Put implements Site.
func (l *Limited) Put(ctx context.Context, in *Instance) (string, error) {
	if err := l.acquire(ctx); err != nil {
		return "", err
	}
	defer l.release()
	return l.Site.Put(ctx, in)
}

// Delete implements Site.
func (l *Limited) Delete(ctx context.Context, path string) error {
	if err := l.acquire(ctx); err != nil {
		return err
	}
	defer l.release()
	return l.Site.Delete(ctx, path)
}

// ExecMethod implements Site.
func (l *Limited) ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.Site.ExecMethod(ctx, target, method, in)
}
