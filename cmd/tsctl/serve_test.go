package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider/local"
)

// runTsctl runs tsctl in process and returns its exit code and output.
func runTsctl(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code := c.main(args)
	return code, out.String(), errb.String()
}

// servedForTest runs "tsctl site serve" in process on the site in dir and
// returns its URL, the CA file clients trust and a stop function.
func servedForTest(t *testing.T, dir string, extra ...string) (url, ca string, stop func() string) {
	t.Helper()
	tmp := t.TempDir()
	ca, urlFile := filepath.Join(tmp, "ca.pem"), filepath.Join(tmp, "url")
	ctx, cancel := context.WithCancel(context.Background())
	var errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb, serveCtx: ctx}
	done := make(chan int, 1)
	args := append([]string{"site", "serve", "--site", "local:" + dir, "--listen", "127.0.0.1:0", "--cert-out", ca, "--url-out", urlFile}, extra...)
	go func() { done <- c.main(args) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			url = string(b)
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("site serve exited %d: %s", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("site serve did not start")
		}
	}
	stopped := false
	stop = func() string {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
		return errb.String()
	}
	t.Cleanup(func() { stop() })
	return url, ca, stop
}

func trustClient(t *testing.T, ca string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + ca)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestServeStalledRequestBlocksNothing: a client that stops in the middle
// of its body keeps no other client waiting, and neither the site
// commands nor a clear refusal of the embedded path: before, the server
// opened the store for each request, exclusively, before reading the body,
// so a stalled client held every request and every CLI for a minute.
func TestServeStalledRequestBlocksNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if code, _, errs := runTsctl("site", "init", "--site", "local:"+dir); code != 0 {
		t.Fatal(errs)
	}
	url, ca, stop := servedForTest(t, dir)
	client := trustClient(t, ca)
	get := func() error {
		resp, err := client.Get(url + "/wmi/SMS_Package")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	if err := get(); err != nil { // the server now holds the store
		t.Fatal(err)
	}

	// A client sends headers and part of its body, then stalls.
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/AdminService"), "https://")
	conn, err := tls.Dial("tcp", host, client.Transport.(*http.Transport).TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /AdminService/wmi/SMS_Package HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"Name\":\"St", host)
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	for i := 0; i < 5; i++ {
		if err := get(); err != nil {
			t.Fatalf("request behind a stalled client: %v", err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("5 requests behind a stalled client took %v", d)
	}
	// The site commands work through the server that holds the store.
	start = time.Now()
	if code, out, errs := runTsctl("site", "lock", "Boot image (x64)", "--site", "local:"+dir, "--user", `CORP\jane`); code != 0 || !strings.Contains(out, `for CORP\jane on ADMIN-PC`) {
		t.Errorf("site lock while served: %d %s %s", code, out, errs)
	}
	if code, out, errs := runTsctl("site", "show", "--site", "local:"+dir); code != 0 || !strings.Contains(out, `locked by CORP\jane on ADMIN-PC`) {
		t.Errorf("site show while served: %d %s %s", code, out, errs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("site commands behind a stalled client took %v", d)
	}
	// The embedded path says at once that the server holds the site.
	start = time.Now()
	code, _, errs := runTsctl("plan", "-f", filepath.Join("..", "..", "testdata", "config", "all-kinds.yaml"), "--site", "local:"+dir)
	if code != 1 || !strings.Contains(errs, "is held by tsctl site serve (pid ") || !strings.Contains(errs, "hint: use --site "+url) || time.Since(start) > 5*time.Second {
		t.Errorf("plan on the served folder: %d after %v\n%s", code, time.Since(start), errs)
	}
	conn.Close()
	stop()
	if _, ok := local.Served(dir); ok {
		t.Errorf("server record left after the server stopped")
	}
}

// TestServeRefusesLargeBodiesAtOnce: a declared body over the limit is
// answered 413 before it is sent.
func TestServeRefusesLargeBodiesAtOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	url, ca, _ := servedForTest(t, dir)
	client := trustClient(t, ca)
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/AdminService"), "https://")
	conn, err := tls.Dial("tcp", host, client.Transport.(*http.Transport).TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /AdminService/wmi/SMS_TaskSequencePackage.ImportSequence HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", host, 60<<20)
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 413 ") {
		t.Errorf("60 MB declared body: %q, %v", buf[:n], err)
	}
	if local.Exists(dir) {
		t.Errorf("a refused request created the site")
	}
}

func TestServeReadOnlyCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	// (Were it to serve, it would stop after 5 s instead of running on.)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb, serveCtx: ctx}
	code := c.main([]string{"site", "serve", "--read-only", "--site", "local:" + dir, "--listen", "127.0.0.1:0"})
	errs := errb.String()
	if code != 1 || !strings.Contains(errs, "no site in "+dir+" to serve read-only") || !strings.Contains(errs, "hint: create it first with tsctl site init") {
		t.Errorf("read-only serve of a missing site: %d %s", code, errs)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("read-only serve created %s", dir)
	}

	if code, _, errs := runTsctl("site", "init", "--site", "local:"+dir); code != 0 {
		t.Fatal(errs)
	}
	before, _ := os.ReadFile(filepath.Join(dir, local.DBFile))
	url, ca, stop := servedForTest(t, dir, "--read-only")
	client := trustClient(t, ca)
	resp, err := client.Get(url + "/wmi/SMS_Package")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("read-only query: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = client.Post(url+"/wmi/SMS_Package", "application/json", strings.NewReader(`{"Name":"X"}`))
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("read-only create: %v %v", resp, err)
	}
	resp.Body.Close()
	// Readers share the store with the server.
	if code, out, errs := runTsctl("site", "show", "--site", "local:"+dir); code != 0 || !strings.Contains(out, "Boot image (x64)") {
		t.Errorf("site show beside a read-only server: %d %s", code, errs)
	}
	stop()
	after, _ := os.ReadFile(filepath.Join(dir, local.DBFile))
	if !bytes.Equal(before, after) {
		t.Errorf("read-only serve changed the store")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 {
		t.Errorf("site folder holds %v after a read-only serve, want only %s", names, local.DBFile)
	}
}

func TestServeCertificateIsALeaf(t *testing.T) {
	for _, c := range []struct {
		listen  string
		dns     []string
		ips     []string
		refused []string
	}{
		{"127.0.0.1", []string{"localhost"}, []string{"127.0.0.1", "::1"}, []string{"example.com", "10.1.2.3"}},
		{"127.0.0.2", []string{"localhost"}, []string{"127.0.0.1", "::1", "127.0.0.2"}, []string{"10.1.2.3"}},
		{"10.1.2.3", nil, []string{"10.1.2.3"}, []string{"localhost", "127.0.0.1", "10.1.2.4"}},
		{"cm01.corp.example", []string{"cm01.corp.example"}, nil, []string{"localhost", "127.0.0.1", "cm02.corp.example"}},
	} {
		now := time.Now()
		sc, err := newServeCert(serveNames(c.listen), now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		leaf := sc.leaf
		if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageCertSign != 0 || !leaf.BasicConstraintsValid {
			t.Errorf("%s: the server certificate can sign certificates", c.listen)
		}
		if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
			t.Errorf("%s: extended key usage %v", c.listen, leaf.ExtKeyUsage)
		}
		if fmt.Sprint(leaf.DNSNames) != fmt.Sprint(c.dns) && !(len(leaf.DNSNames) == 0 && len(c.dns) == 0) {
			t.Errorf("%s: DNS names %v, want %v", c.listen, leaf.DNSNames, c.dns)
		}
		var ips []string
		for _, ip := range leaf.IPAddresses {
			ips = append(ips, ip.String())
		}
		if fmt.Sprint(ips) != fmt.Sprint(c.ips) && !(len(ips) == 0 && len(c.ips) == 0) {
			t.Errorf("%s: IP addresses %v, want %v", c.listen, ips, c.ips)
		}
		block, _ := pem.Decode(sc.caPEM)
		ca, err := x509.ParseCertificate(block.Bytes)
		if err != nil || !ca.IsCA || !ca.MaxPathLenZero {
			t.Fatalf("%s: trusted certificate is not a CA limited to leaves: %v", c.listen, err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		for _, name := range append(append([]string{}, c.dns...), c.ips...) {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
				t.Errorf("%s: %s does not verify: %v", c.listen, name, err)
			}
		}
		for _, name := range c.refused {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err == nil {
				t.Errorf("%s: verifies for %s", c.listen, name)
			}
		}
	}
	// Listening on every interface: this machine's name and addresses.
	n := serveNames("0.0.0.0")
	host, _ := os.Hostname()
	if host != "" && host != "localhost" && !strings.Contains(fmt.Sprint(n.dns), host) {
		t.Errorf("0.0.0.0: names %v lack %s", n.dns, host)
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if in, ok := a.(*net.IPNet); ok && !in.IP.IsLoopback() && !in.IP.IsLinkLocalUnicast() && !strings.Contains(fmt.Sprint(n.ips), in.IP.String()) {
			t.Errorf("0.0.0.0: addresses %v lack %s", n.ips, in.IP)
		}
	}
}

// TestServeCertificateOnTheWire: what the server presents is the leaf,
// issued by the CA it wrote to --cert-out.
func TestServeCertificateOnTheWire(t *testing.T) {
	url, ca, _ := servedForTest(t, filepath.Join(t.TempDir(), "site"))
	client := trustClient(t, ca)
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/AdminService"), "https://")
	conn, err := tls.Dial("tcp", host, client.Transport.(*http.Transport).TLSClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	chain := conn.ConnectionState().PeerCertificates
	if len(chain) != 2 || chain[0].IsCA || !chain[1].IsCA {
		t.Errorf("presented chain: %d certificates, leaf CA=%v", len(chain), len(chain) > 0 && chain[0].IsCA)
	}
}

// TestServeAnswersConcurrently: requests are served at once, the injected
// latency of each running beside the others' (it once ran under the
// store's exclusive lock, so 8 requests at 300 ms took 2.4 s).
func TestServeAnswersConcurrently(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if code, _, errs := runTsctl("site", "init", "--site", "local:"+dir); code != 0 {
		t.Fatal(errs)
	}
	t.Setenv(local.FaultsEnv, "latency=300ms")
	url, ca, _ := servedForTest(t, dir)
	client := trustClient(t, ca)
	get := func() error {
		resp, err := client.Get(url + "/wmi/SMS_Package")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	if err := get(); err != nil { // opens the store
		t.Fatal(err)
	}
	start := time.Now()
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { errs <- get() }()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 1200*time.Millisecond {
		t.Errorf("8 requests at 300 ms each took %v: not served at once", d)
	}
}
