package pace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

func TestSetAndRestore(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	restore := Set()
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit {
		t.Errorf("memory limit %d, want %d", got, MemoryLimit)
	}
	restore()
	if got := debug.SetGCPercent(before); got != before {
		t.Errorf("restored GC percent %d, want %d", got, before)
	}
	// A collection after restore leaves the pace alone: the floor stopped.
	runtime.GC()
	runtime.GC()
	settle()
	if got := debug.SetGCPercent(before); got != before {
		t.Errorf("after restore and two collections, GC percent %d, want %d", got, before)
	}

	// The user's settings win.
	t.Setenv("GOGC", "50")
	restore = Set()
	if got := debug.SetGCPercent(before); got != before {
		t.Errorf("with $GOGC set, the GC percent became %d", got)
	}
	restore()
}

func TestPercentFor(t *testing.T) {
	for _, tc := range []struct {
		base int
		live uint64
		want int
	}{
		{200, 0, 1600},        // before the first collection: a 64 MiB minimum
		{200, 2 << 20, 1600},  // the minimum (4 MiB × 16) is the floor
		{200, 8 << 20, 700},   // 8 MiB × 8 = 64 MiB
		{200, 16 << 20, 300},  // 16 MiB × 4
		{200, 32 << 20, 200},  // past the floor: the base pace (would be 100)
		{200, 200 << 20, 200}, // far past it
		{400, 16 << 20, 400},  // a base above what the floor needs
		{2000, 0, 2000},       // a base above the floor's minimum
	} {
		got := percentFor(tc.base, tc.live)
		if got != tc.want {
			t.Errorf("percentFor(%d, %d MiB) = %d, want %d", tc.base, tc.live>>20, got, tc.want)
		}
		// The runtime's goal at that pace: the larger of the two.
		goal := max(tc.live*uint64(100+got)/100, runtimeHeapMinimum*uint64(got)/100)
		if goal < HeapFloor || got > tc.base && goal != HeapFloor {
			t.Errorf("percentFor(%d, %d MiB): goal %d MiB, want the floor (or above it at the base pace)", tc.base, tc.live>>20, goal>>20)
		}
	}
}

// TestFloorFollowsEveryCollection: after each collection the pace is the
// one percentFor gives for what that collection left live, and a run that
// allocates 48 MiB while keeping little collects at most once, where the
// base pace alone collects several times.
func TestFloorFollowsEveryCollection(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	restore := Set()
	defer restore()

	// Twice, with different heaps live: the pace follows each collection,
	// not only the first after Set.
	var keep [][]byte
	for _, mib := range []int{16, 4} {
		keep = nil
		for range mib {
			keep = append(keep, make([]byte, 1<<20))
		}
		runtime.GC()
		settle()
		want := percentFor(GCPercent, liveHeap())
		if want <= GCPercent {
			t.Fatalf("live heap %d MiB: the floor should raise the pace", liveHeap()>>20)
		}
		// The poller read the live heap of the same collection: wait for
		// it (within a few percent: the heap read here is a moment later).
		got := gogc()
		for deadline := time.Now().Add(2 * time.Second); (got < want*95/100 || got > want*105/100) && time.Now().Before(deadline); {
			time.Sleep(pollEvery)
			got = gogc()
		}
		if got < want*95/100 || got > want*105/100 {
			t.Errorf("after a collection with %d MiB live, GC percent %d, want %d", liveHeap()>>20, got, want)
		}
		runtime.KeepAlive(keep)
	}
	keep = nil

	with := cyclesAllocating(t, 48<<20)
	restore()
	debug.SetGCPercent(GCPercent)
	runtime.GC()
	without := cyclesAllocating(t, 48<<20)
	debug.SetGCPercent(100)
	t.Logf("allocating 48 MiB: %d collections with the floor, %d without", with, without)
	if with >= without || with > 1 {
		t.Errorf("allocating 48 MiB: %d collections with the floor, %d at GOGC=%d alone", with, without, GCPercent)
	}
}

var sink []byte

func cyclesAllocating(t *testing.T, n int) uint64 {
	t.Helper()
	runtime.GC()
	settle()
	before := cycles()
	for range n / 4096 {
		sink = make([]byte, 4096)
	}
	return cycles() - before
}

func cycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/automatic:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// settle gives the floor's poller time to see the last collection.
func settle() { time.Sleep(20 * pollEvery) }

// gogc is the pace in force ($GOGC's value).
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestServingHasNoFloor: a server's pace replaces the command's floor,
// which then no longer moves it after a collection.
func TestServingHasNoFloor(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	restore := Set()
	defer restore()
	restoreServing := SetServing(400)
	defer restoreServing()
	runtime.GC()
	runtime.GC()
	settle()
	if got := gogc(); got != 400 {
		t.Errorf("serving at 400 after two collections: GC percent %d (the floor still runs)", got)
	}
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
