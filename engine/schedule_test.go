package engine

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/plan"
)

// fakeChange is a change the scheduler runs without a site.
type fakeChange struct{ obj *plan.Object }

func (c *fakeChange) Object() *plan.Object                            { return c.obj }
func (c *fakeChange) apply(context.Context, *applier) (string, error) { return "", nil }
func (c *fakeChange) calls(bool) []int                                { return []int{1} }

// TestSchedulerPreparesAhead: while the jobs running wait, the jobs that
// start next (their dependencies done, every slot taken) are prepared, no
// more than parallelism of them ahead, in plan order; a job whose
// dependency has not finished is not.
func TestSchedulerPreparesAhead(t *testing.T) {
	objs := []*plan.Object{}
	changes := map[string]Change{}
	for i := range 6 {
		o := &plan.Object{Address: fmt.Sprint("sequence.s", i), Action: plan.Create}
		objs = append(objs, o)
		changes[o.Address] = &fakeChange{o}
	}
	objs[2].DependsOn = []string{objs[0].Address} // waits for the first
	s := newScheduler(objs, changes, func(ObjectResult) {})
	var mu sync.Mutex
	var prepared, whileFirstRan []string
	release := make(chan struct{})
	var once sync.Once
	open := func() {
		once.Do(func() {
			mu.Lock()
			whileFirstRan = slices.Clone(prepared)
			mu.Unlock()
			close(release)
		})
	}
	time.AfterFunc(5*time.Second, open) // a scheduler that prepares nothing fails, not hangs
	s.run(context.Background(), 2, func(j *job) error {
		if j.obj.Address == "sequence.s0" || j.obj.Address == "sequence.s1" {
			<-release
		}
		return nil
	}, func(j *job) {
		mu.Lock()
		prepared = append(prepared, j.obj.Address)
		n := len(prepared)
		mu.Unlock()
		if n == 2 {
			time.Sleep(50 * time.Millisecond) // a third, beyond the look-ahead, would show now
			open()
		}
	})
	slices.Sort(whileFirstRan)
	if !slices.Equal(whileFirstRan, []string{"sequence.s3", "sequence.s4"}) {
		t.Errorf("prepared while s0 and s1 ran: %v, want s3 and s4 (2 ahead; s2 waits on s0)", whileFirstRan)
	}
}
