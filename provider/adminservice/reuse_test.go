package adminservice

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// TestConnectionsReused: calls made in turn share one connection — each
// reply is read to its end, the newline encoding/json writes after a
// value included, and then decoded — and many at once keep
// their connections for the calls after them. A reply cut short is
// transient (worth a retry); one that is not JSON is a failure.
func TestConnectionsReused(t *testing.T) {
	h := &siteHandler{reply: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(r.URL.Path, "PS1CUT"):
			w.Header().Set("Content-Length", "4096")
			fmt.Fprint(w, `{"value":[{"PackageID":"PS1CUT","Name":"`)
		case strings.Contains(r.URL.Path, "PS1BAD"):
			fmt.Fprint(w, `{"value":[{"PackageID":}]}`)
		default:
			fmt.Fprintf(w, "{\"value\":[{\"PackageID\":\"PS100001\",\"Name\":\"%s\"}]}\n\n", strings.Repeat("x", 64<<10))
		}
	}}
	srv := httptest.NewUnstartedServer(h)
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := Open(ctx, srv.URL+"/AdminService", Options{CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 20; i++ {
		in, err := c.Get(ctx, `SMS_Package.PackageID="PS100001"`)
		if err != nil || len(in.String("Name")) != 64<<10 {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("21 calls in turn opened %d connections, want 1", n)
	}

	// 32 at once, twice: the second round finds the first round's
	// connections kept, so the two rounds open about as many as calls run
	// at once (33), not twice that (64) as with the default pool of two
	// idle connections. A connection goes back to the pool just after its
	// reply is read, on a goroutine of its own: some of the second round's
	// calls may start before theirs is back and open one more (up to 43
	// seen), which the pause between the rounds makes rarer.
	for round := 0; round < 2; round++ {
		if round == 1 {
			time.Sleep(20 * time.Millisecond)
		}
		errs := make(chan error, 32)
		for i := 0; i < 32; i++ {
			go func() {
				_, err := c.Get(ctx, `SMS_Package.PackageID="PS100001"`)
				errs <- err
			}()
		}
		for i := 0; i < 32; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := conns.Load(); n > 48 {
		t.Errorf("two rounds of 32 calls at once opened %d connections, want about 33 (64 without a pool)", n)
	}

	if _, err := c.Get(ctx, `SMS_Package.PackageID="PS1CUT"`); !provider.IsKind(err, provider.KindTransient) || !strings.Contains(err.Error(), "reading the reply") {
		t.Errorf("reply cut short: %v", err)
	}
	if _, err := c.Get(ctx, `SMS_Package.PackageID="PS1BAD"`); !provider.IsKind(err, provider.KindFailed) || !strings.Contains(err.Error(), "invalid JSON reply") {
		t.Errorf("reply not JSON: %v", err)
	}
}
