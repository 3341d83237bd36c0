package adminservice

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/spnego"
)

// Kerberos selects Kerberos authentication (SPNEGO, the "Negotiate" scheme
// of IIS) and says where the credentials come from: a keytab, a password,
// or else a credential cache filled by kinit.
type Kerberos struct {
	ConfigFile string // krb5.conf: realms and KDCs (default $KRB5_CONFIG, else /etc/krb5.conf)
	CCache     string // credential cache file, used when neither Keytab nor Password is set
	Keytab     string // keytab holding Principal's keys
	Principal  string // user@REALM, for Keytab or Password
	Password   string
	SPN        string // service principal (default HTTP/<host of the site URL>)
}

// AuthError is a failure to authenticate before a request is sent; it is
// not worth retrying.
type AuthError struct{ Msg, Hint string }

func (e *AuthError) Error() string { return e.Msg }

// ErrorHint returns the hint (see diag.HintOf).
func (e *AuthError) ErrorHint() string { return e.Hint }

// Source says where the credentials come from, for messages.
func (k *Kerberos) Source() string {
	switch {
	case k.Keytab != "":
		return fmt.Sprintf("keytab %s as %s", k.Keytab, k.Principal)
	case k.Password != "":
		return "password of " + k.Principal
	}
	return "credential cache " + k.CCache
}

// client makes the Kerberos client for k; every error is an *AuthError.
// Keytab and password clients log in to the KDC on first use; a cache
// client uses the tickets kinit left.
func (k *Kerberos) client() (*krbclient.Client, error) {
	cfg, err := k.config()
	if err != nil {
		return nil, err
	}
	// Active Directory KDCs do not support FAST pre-authentication.
	noFAST := krbclient.DisablePAFXFAST(true)
	if k.Keytab != "" || k.Password != "" {
		user, realm, err := splitPrincipal(k.Principal, cfg.LibDefaults.DefaultRealm)
		if err != nil {
			return nil, err
		}
		if k.Keytab != "" {
			kt, err := keytab.Load(k.Keytab)
			if err != nil {
				return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: read keytab %s: %v", k.Keytab, err)}
			}
			return krbclient.NewWithKeytab(user, realm, kt, cfg, noFAST), nil
		}
		return krbclient.NewWithPassword(user, realm, k.Password, cfg, noFAST), nil
	}
	if k.CCache == "" {
		return nil, &AuthError{Msg: "Kerberos: no keytab, password or credential cache", Hint: "run kinit, or set TSCTL_KEYTAB"}
	}
	path, ok := strings.CutPrefix(k.CCache, "FILE:")
	if !ok && strings.Contains(k.CCache, ":") && !isWindowsPath(k.CCache) {
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: credential cache %s is not a file", k.CCache),
			Hint: "run kinit -c FILE:/tmp/krb5cc_tsctl and set KRB5CCNAME to it"}
	}
	cc, err := credentials.LoadCCache(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: no credential cache at %s", path), Hint: "run kinit first"}
		}
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: read credential cache %s: %v", path, err)}
	}
	cl, err := krbclient.NewFromCCache(cc, cfg, noFAST)
	if err != nil {
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: credential cache %s: %v", path, err), Hint: "run kinit again"}
	}
	return cl, nil
}

func (k *Kerberos) config() (*krbconfig.Config, error) {
	path := k.ConfigFile
	if path == "" {
		path = os.Getenv("KRB5_CONFIG")
	}
	if path == "" {
		path = "/etc/krb5.conf"
	}
	if _, err := os.Stat(path); err != nil {
		if k.Keytab == "" && k.Password == "" && k.ConfigFile == "" {
			// A cache that already holds the service ticket needs no KDC.
			return krbconfig.New(), nil
		}
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: no %s (it names the realm's KDCs)", path), Hint: "set KRB5_CONFIG to use another file"}
	}
	cfg, err := krbconfig.Load(path)
	if err != nil {
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: read %s: %v", path, err)}
	}
	return cfg, nil
}

// splitPrincipal splits user@REALM; a bare user takes the default realm.
func splitPrincipal(p, defaultRealm string) (user, realm string, err error) {
	if strings.Contains(p, `\`) {
		return "", "", &AuthError{Msg: fmt.Sprintf("Kerberos: %q is not a Kerberos principal", p), Hint: "give the user as user@REALM (e.g. cm-automation@CONTOSO.COM), not DOMAIN\\user"}
	}
	user, realm, ok := strings.Cut(p, "@")
	if !ok {
		realm = defaultRealm
	}
	if user == "" || realm == "" {
		return "", "", &AuthError{Msg: fmt.Sprintf("Kerberos: %q is not a Kerberos principal", p), Hint: "give the user as user@REALM"}
	}
	return user, strings.ToUpper(realm), nil
}

func isWindowsPath(p string) bool {
	return len(p) > 2 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

// negotiate authenticates with SPNEGO once the site asks for it: the
// first request goes without a token, and after a 401 offering Negotiate
// every request carries a fresh token for the site's service principal (no
// extra round trip from then on). A site that asks for nothing never
// causes a ticket request.
type negotiate struct {
	next  http.RoundTripper
	krb   *krbclient.Client
	spn   string
	src   string
	mu    sync.Mutex // one login or ticket request at a time
	asked atomic.Bool
}

func (n *negotiate) RoundTrip(r *http.Request) (*http.Response, error) {
	if !n.asked.Load() {
		resp, err := n.next.RoundTrip(r)
		if err != nil || resp.StatusCode != http.StatusUnauthorized || !offersNegotiate(resp.Header) {
			return resp, err
		}
		if r.Body != nil && r.GetBody == nil {
			return resp, nil // cannot send the body again
		}
		n.asked.Store(true)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
	}
	r2 := r.Clone(r.Context())
	if r.Body != nil && r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		r2.Body = body
	}
	n.mu.Lock()
	err := spnego.SetSPNEGOHeader(n.krb, r2, n.spn)
	n.mu.Unlock()
	if err != nil {
		if r2.Body != nil {
			r2.Body.Close()
		}
		msg, hint := krbMessage(err, n.spn)
		return nil, &AuthError{Msg: fmt.Sprintf("Kerberos: no ticket for %s from the %s: %s", n.spn, n.src, msg), Hint: hint}
	}
	return n.next.RoundTrip(r2)
}

func offersNegotiate(h http.Header) bool {
	for _, v := range h.Values("Www-Authenticate") {
		if name, _, _ := strings.Cut(strings.TrimSpace(v), " "); strings.EqualFold(name, "Negotiate") {
			return true
		}
	}
	return false
}

// krbMessage shortens gokrb5's nested error text to its cause, with a
// hint for the KDC answers an admin can act on.
func krbMessage(err error, spn string) (msg, hint string) {
	msg = err.Error()
	if i := strings.Index(msg, "[Root cause: "); i >= 0 {
		if j := strings.Index(msg[i:], "] "); j >= 0 {
			msg = msg[i+j+2:]
		}
	}
	switch {
	case strings.HasPrefix(msg, "Networking_Error"):
		if i := strings.LastIndex(msg, "dial "); i >= 0 {
			msg = msg[i:]
		}
		return "cannot reach a KDC of the realm (" + msg + ")", "check the kdc lines of krb5.conf"
	case strings.Contains(msg, "KDC_ERR_PREAUTH_FAILED"):
		return msg, "wrong password, or a stale keytab"
	case strings.Contains(msg, "KDC_ERR_C_PRINCIPAL_UNKNOWN"):
		return msg, "the realm has no such user; check TSCTL_USERNAME"
	case strings.Contains(msg, "KDC_ERR_S_PRINCIPAL_UNKNOWN"):
		return msg, "no account holds the service principal " + spn + "; register it with setspn, or set TSCTL_SPN to the one the site uses"
	}
	return msg, ""
}
