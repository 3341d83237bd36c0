package adminservice

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/tsctl/tsctl/internal/krbtest"
	"github.com/tsctl/tsctl/provider"
)

const testRealm = krbtest.Realm

// newKrbTestEnv writes a test realm's files for spn (see krbtest).
func newKrbTestEnv(t *testing.T, spn string) *krbtest.Files {
	t.Helper()
	f, err := krbtest.Write(t.TempDir(), spn)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// kerberosSite serves the site-code query behind SPNEGO authentication
// with kt, and records who was authenticated.
func kerberosSite(kt *keytab.Keytab) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var who []string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := goidentity.FromHTTPRequestContext(r); id != nil {
			mu.Lock()
			who = append(who, id.UserName()+"@"+id.Domain())
			mu.Unlock()
		}
		(&siteHandler{}).ServeHTTP(w, r)
	})
	return httptest.NewTLSServer(spnego.SPNEGOKRB5Authenticate(inner, kt)), &who
}

func TestKerberosFromCredentialCache(t *testing.T) {
	env := newKrbTestEnv(t, "HTTP/127.0.0.1")
	srv, who := kerberosSite(env.Key)
	defer srv.Close()
	opt := trusting(srv)
	opt.Kerberos = &Kerberos{CCache: "FILE:" + env.CCache, ConfigFile: env.Config}
	c, err := Open(context.Background(), srv.URL+"/AdminService", opt)
	if err != nil {
		t.Fatalf("open with a Kerberos ticket: %v", err)
	}
	if _, err := c.Query(context.Background(), provider.Query{Class: "SMS_Identification"}); err != nil {
		t.Fatalf("second request: %v", err)
	}
	if len(*who) != 2 || (*who)[0] != "cm-automation@"+testRealm {
		t.Errorf("the site authenticated %v, want cm-automation@%s twice", *who, testRealm)
	}

	// A site whose keytab does not hold the key the ticket was made for.
	other := newKrbTestEnv(t, "HTTP/127.0.0.1")
	srv2, _ := kerberosSite(other.Key)
	defer srv2.Close()
	opt2 := trusting(srv2)
	opt2.Kerberos = opt.Kerberos
	_, err = Open(context.Background(), srv2.URL+"/AdminService", opt2)
	if !provider.IsKind(err, provider.KindDenied) || !strings.Contains(err.Error(), "HTTP 401: authentication failed") ||
		!strings.Contains(err.Error(), "refused the Kerberos ticket from the credential cache FILE:"+env.CCache) {
		t.Errorf("ticket the site cannot read: %v", err)
	}
}

// TestKerberosOnlyWhenAsked: a site that asks for no authentication never
// causes a ticket request (this one could not be had: the KDC is closed).
func TestKerberosOnlyWhenAsked(t *testing.T) {
	env := newKrbTestEnv(t, "HTTP/127.0.0.1")
	h := &siteHandler{}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	opt := trusting(srv)
	opt.Kerberos = &Kerberos{CCache: env.CCache, ConfigFile: env.Config, SPN: "HTTP/cm02.example.test"}
	if _, err := Open(context.Background(), srv.URL+"/AdminService", opt); err != nil {
		t.Fatal(err)
	}
	if len(h.seen) != 1 {
		t.Errorf("requests: %v", h.seen)
	}
}

func TestKerberosErrors(t *testing.T) {
	env := newKrbTestEnv(t, "HTTP/127.0.0.1")
	srv, _ := kerberosSite(env.Key)
	defer srv.Close()
	open := func(k *Kerberos) error {
		opt := trusting(srv)
		opt.Kerberos = k
		_, err := Open(context.Background(), srv.URL+"/AdminService", opt)
		if err != nil && !provider.IsKind(err, provider.KindDenied) {
			t.Errorf("%v: kind is not denied", err)
		}
		return err
	}
	missing := filepath.Join(t.TempDir(), "none")
	for _, c := range []struct {
		name string
		k    *Kerberos
		want string
	}{
		{"no ticket for the SPN, KDC unreachable", &Kerberos{CCache: env.CCache, ConfigFile: env.Config, SPN: "HTTP/cm02.example.test"},
			"Kerberos: no ticket for HTTP/cm02.example.test from the credential cache " + env.CCache + ": cannot reach a KDC of the realm (dial tcp 127.0.0.1:1: connect: connection refused)\nhint: check the kdc lines of krb5.conf"},
		{"no cache", &Kerberos{CCache: missing, ConfigFile: env.Config}, "Kerberos: no credential cache at " + missing + "\nhint: run kinit first"},
		{"keyring cache", &Kerberos{CCache: "KEYRING:persistent:1000", ConfigFile: env.Config}, "is not a file\nhint: run kinit -c FILE:"},
		{"password, KDC unreachable", &Kerberos{Principal: "cm-automation@example.test", Password: "Kerb-S3cret", ConfigFile: env.Config},
			"Kerberos: no ticket for HTTP/127.0.0.1 from the password of cm-automation@example.test: cannot reach a KDC"},
		{"domain form", &Kerberos{Principal: `EXAMPLE\cm-automation`, Password: "Kerb-S3cret", ConfigFile: env.Config}, "give the user as user@REALM"},
		{"missing keytab", &Kerberos{Principal: "cm-automation", Keytab: missing, ConfigFile: env.Config}, "Kerberos: read keytab " + missing},
		{"missing krb5.conf", &Kerberos{Principal: "cm-automation", Password: "Kerb-S3cret", ConfigFile: missing}, "Kerberos: no " + missing + " (it names the realm's KDCs)\nhint: set KRB5_CONFIG"},
	} {
		err := open(c.k)
		t.Logf("%s: %v", c.name, err)
		if err == nil || !strings.Contains(withHint(err), c.want) {
			t.Errorf("%s: got %v\nwant %q", c.name, err, c.want)
		}
		if err != nil && c.k.Password != "" && strings.Contains(err.Error(), c.k.Password) {
			t.Errorf("%s: the password shows in %v", c.name, err)
		}
	}
}

// TestKerberosWrongPassword logs in with a password against a KDC that
// refuses the pre-authentication, as Active Directory does for a wrong
// password.
func TestKerberosWrongPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The first AS-REQ (no pre-authentication) gets PREAUTH_REQUIRED with
	// the salt to use; the second (with an encrypted timestamp) PREAUTH_FAILED.
	info, err := asn1.Marshal(types.ETypeInfo2{{EType: etypeID.AES256_CTS_HMAC_SHA1_96, Salt: testRealm + "cm-automation"}})
	if err != nil {
		t.Fatal(err)
	}
	edata, err := asn1.Marshal(types.PADataSequence{{PADataType: patype.PA_ETYPE_INFO2, PADataValue: info}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for try := 0; ; try++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			var n uint32
			if binary.Read(conn, binary.BigEndian, &n) == nil && n < 1<<16 {
				_, _ = io.ReadFull(conn, make([]byte, n))
				code := errorcode.KDC_ERR_PREAUTH_FAILED
				if try == 0 {
					code = errorcode.KDC_ERR_PREAUTH_REQUIRED
				}
				ke := messages.NewKRBError(types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "krbtgt/"+testRealm), testRealm, code, "")
				if try == 0 {
					ke.EData = edata
				}
				b, _ := ke.Marshal()
				_ = binary.Write(conn, binary.BigEndian, uint32(len(b)))
				_, _ = conn.Write(b)
			}
			conn.Close()
		}
	}()
	env := newKrbTestEnv(t, "HTTP/127.0.0.1")
	conf := "[libdefaults]\n default_realm = " + testRealm + "\n udp_preference_limit = 1\n" +
		"[realms]\n " + testRealm + " = {\n  kdc = " + ln.Addr().String() + "\n }\n"
	if err := os.WriteFile(env.Config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, _ := kerberosSite(env.Key)
	defer srv.Close()
	opt := trusting(srv)
	opt.Kerberos = &Kerberos{Principal: "cm-automation", Password: "Wr0ng-Kerb", ConfigFile: env.Config}
	_, err = Open(context.Background(), srv.URL+"/AdminService", opt)
	want := "query SMS_Identification: Kerberos: no ticket for HTTP/127.0.0.1 from the password of cm-automation: "
	if !provider.IsKind(err, provider.KindDenied) || !strings.HasPrefix(err.Error(), want) ||
		!strings.HasSuffix(withHint(err), "KDC_ERR_PREAUTH_FAILED Pre-authentication information was invalid\nhint: wrong password, or a stale keytab") ||
		strings.Contains(err.Error(), "Wr0ng-Kerb") {
		t.Errorf("got %v", err)
	}
}

func TestSplitPrincipal(t *testing.T) {
	for _, c := range []struct{ in, user, realm string }{
		{"cm-automation@contoso.com", "cm-automation", "CONTOSO.COM"},
		{"cm-automation", "cm-automation", "DEFAULT.REALM"},
	} {
		u, r, err := splitPrincipal(c.in, "DEFAULT.REALM")
		if err != nil || u != c.user || r != c.realm {
			t.Errorf("%s: %s %s %v", c.in, u, r, err)
		}
	}
	for _, bad := range []string{`CONTOSO\u`, "@CONTOSO.COM", "u@"} {
		if _, _, err := splitPrincipal(bad, ""); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
