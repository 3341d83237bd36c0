package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tsctl/tsctl/internal/workload"
)

// server is a "tsctl site serve" process.
type server struct {
	cmd *exec.Cmd
	url string
	ca  string
}

// serve starts "tsctl site serve" on the local site in dir, with env
// (injected latency) added, and waits until it listens.
func (o *options) serve(dir string, env ...string) (*server, error) {
	tmp, err := os.MkdirTemp(o.dir, "serve-")
	if err != nil {
		return nil, err
	}
	urlFile, ca := filepath.Join(tmp, "url"), filepath.Join(tmp, "ca.pem")
	cmd := exec.Command(o.tsctl, "site", "serve", "--site", "local:"+dir, "--listen", "127.0.0.1:0", "--url-out", urlFile, "--cert-out", ca)
	cmd.Env = append(append(append(os.Environ(), o.env...), env...), "TSCTL_RUNTIME_STATS=")
	logf, err := os.Create(filepath.Join(tmp, "serve.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			return &server{cmd: cmd, url: string(b), ca: ca}, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	log, _ := os.ReadFile(logf.Name())
	return nil, fmt.Errorf("site serve did not start:\n%s", log)
}

// stop stops the server as Ctrl-C does and returns its CPU time.
func (s *server) stop() time.Duration {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
	if s.cmd.ProcessState == nil {
		return 0
	}
	return s.cmd.ProcessState.UserTime() + s.cmd.ProcessState.SystemTime()
}

// remoteRows measures the no-op plan of n sequences and the apply of
// o.apply new ones over HTTPS on loopback, each paired with the same on
// the embedded site.
func (o *options) remoteRows(n int, workloadFile func(int) (string, error), siteHolding func(int) (string, error)) error {
	f, err := workloadFile(n)
	if err != nil {
		return err
	}
	s, err := siteHolding(n)
	if err != nil {
		return err
	}
	// The server holds a copy: the embedded runs open the original.
	served := s + "-served"
	if err := copyDir(s, served); err != nil {
		return err
	}
	srv, err := o.serve(served)
	if err != nil {
		return err
	}
	planArgs := func(site string, extra ...string) []string {
		return append([]string{"plan", "-f", f, "--site", site, "--detailed-exitcode"}, extra...)
	}
	if _, err := o.measure(nil, o.tsctl, planArgs(srv.url, "--ca-file", srv.ca)...); err != nil { // opens the store
		srv.stop()
		return err
	}
	remote, embedded, ratio, err := o.paired(
		func() (result, error) { return o.measure(nil, o.tsctl, planArgs(srv.url, "--ca-file", srv.ca)...) },
		func() (result, error) { return o.measure(nil, o.tsctl, planArgs("local:"+s)...) })
	serverCPU := srv.stop()
	if err != nil {
		return err
	}
	o.row(fmt.Sprintf("no-op plan, %d × %d, over HTTPS to site serve, memo warm", n, o.steps),
		fmt.Sprintf("%s against the embedded site's %s: **%.2f×**; CPU %s (and the server's %s for all %d runs) vs %s",
			secs(remote.wall), secs(embedded.wall), ratio, secs(remote.cpu), secs(serverCPU), o.runs+1, secs(embedded.cpu)), "≤ 1.5×")

	af := filepath.Join(o.dir, fmt.Sprintf("apply-%d.yaml", o.apply))
	if _, err := os.Stat(af); err != nil {
		if err := writeWorkload(af, workload.Spec{Sequences: o.apply, Steps: o.steps}); err != nil {
			return err
		}
	}
	latency := "TSCTL_LOCAL_FAULTS=latency=" + o.latency.String()
	i := 0
	var serverCPUs []float64
	applyArgs := func(site string, extra ...string) []string {
		return append([]string{"apply", "-f", af, "--site", site, "--auto-approve", "--parallelism", "8", "--quiet"}, extra...)
	}
	remoteApply := func() (result, error) {
		i++
		dir := filepath.Join(o.dir, fmt.Sprintf("remote-apply-%d", i))
		defer os.RemoveAll(dir)
		srv, err := o.serve(dir, latency)
		if err != nil {
			return result{}, err
		}
		r, err := o.measure([]string{"TSCTL_CACHE=off"}, o.tsctl, applyArgs(srv.url, "--ca-file", srv.ca)...)
		serverCPUs = append(serverCPUs, srv.stop().Seconds())
		return r, err
	}
	embeddedApply := func() (result, error) {
		i++
		dir := filepath.Join(o.dir, fmt.Sprintf("embedded-apply-%d", i))
		defer os.RemoveAll(dir)
		return o.measure([]string{"TSCTL_CACHE=off", latency}, o.tsctl, applyArgs("local:"+dir)...)
	}
	remote, embedded, ratio, err = o.paired(remoteApply, embeddedApply)
	if err != nil {
		return err
	}
	o.row(fmt.Sprintf("apply %d new sequences, %s per call, parallelism 8, over HTTPS to site serve", o.apply, o.latency),
		fmt.Sprintf("%s against the embedded site's %s: **%.2f×**; CPU %s and the server's %.2f s vs %s",
			secs(remote.wall), secs(embedded.wall), ratio, secs(remote.cpu), median(serverCPUs), secs(embedded.cpu)), "≤ 1.15×")
	return nil
}

// copyDir copies the files of a site's folder.
func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		src, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		dst, err := os.Create(filepath.Join(to, e.Name()))
		if err != nil {
			src.Close()
			return err
		}
		_, err = io.Copy(dst, src)
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
