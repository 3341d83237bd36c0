package adminservice

import (
	"fmt"
	"os"
	"strings"
)

// The environment variables AuthFromEnv reads. Credentials never come
// from flags, whose values other users can read in the process list.
const (
	EnvToken    = "TSCTL_TOKEN"    // bearer token
	EnvUsername = "TSCTL_USERNAME" // DOMAIN\user or user@domain (NTLM); user@REALM (Kerberos)
	EnvPassword = "TSCTL_PASSWORD"
	EnvAuth     = "TSCTL_AUTH"   // kerberos or ntlm: force a scheme
	EnvKeytab   = "TSCTL_KEYTAB" // Kerberos keytab for TSCTL_USERNAME
	EnvSPN      = "TSCTL_SPN"    // Kerberos service principal (default HTTP/<host>)
)

// AuthFromEnv sets the authentication of opt from the environment (getenv):
//
//   - TSCTL_TOKEN: a bearer token.
//   - TSCTL_KEYTAB with TSCTL_USERNAME (user@REALM): Kerberos with the keytab.
//   - TSCTL_USERNAME with TSCTL_PASSWORD: Windows authentication (NTLM,
//     also inside Negotiate), or Kerberos with TSCTL_AUTH=kerberos.
//   - nothing, or TSCTL_AUTH=kerberos without a user: Kerberos with the
//     tickets kinit left in the credential cache ($KRB5CCNAME, else
//     /tmp/krb5cc_<uid>), when there is one.
//
// needPassword reports a user without a password: the caller asks for it
// (SetPassword) or refuses.
func AuthFromEnv(getenv func(string) string, opt *Options) (needPassword bool, err error) {
	token, user, pw := getenv(EnvToken), getenv(EnvUsername), getenv(EnvPassword)
	scheme := strings.ToLower(strings.TrimSpace(getenv(EnvAuth)))
	keytab := getenv(EnvKeytab)
	switch scheme {
	case "", "kerberos", "ntlm":
	default:
		return false, fmt.Errorf("%s=%s: use kerberos or ntlm (or leave it unset)", EnvAuth, getenv(EnvAuth))
	}
	if token != "" {
		if scheme != "" || user != "" || keytab != "" {
			return false, fmt.Errorf("%s is set with other credentials (%s, %s or %s): set one kind", EnvToken, EnvUsername, EnvKeytab, EnvAuth)
		}
		opt.Token = token
		return false, nil
	}
	if keytab != "" && scheme == "ntlm" {
		return false, fmt.Errorf("%s is for Kerberos, but %s=ntlm", EnvKeytab, EnvAuth)
	}
	ccache := getenv("KRB5CCNAME")
	if ccache == "" && os.Getuid() >= 0 {
		ccache = fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
	}
	krb := func() *Kerberos { return &Kerberos{SPN: getenv(EnvSPN), CCache: ccache} }
	switch {
	case keytab != "":
		if user == "" {
			return false, fmt.Errorf("%s needs %s: the principal (user@REALM) whose keys it holds", EnvKeytab, EnvUsername)
		}
		k := krb()
		k.Keytab, k.Principal = keytab, user
		opt.Kerberos = k
		return false, nil
	case user != "" && scheme == "kerberos":
		k := krb()
		k.Principal, k.Password = user, pw
		opt.Kerberos = k
		return pw == "", nil
	case user != "":
		opt.Username, opt.Password = user, pw
		return pw == "", nil
	case scheme == "ntlm":
		return false, fmt.Errorf("%s=ntlm needs %s and %s", EnvAuth, EnvUsername, EnvPassword)
	case scheme == "kerberos":
		opt.Kerberos = krb()
		return false, nil
	}
	if path := strings.TrimPrefix(ccache, "FILE:"); path != "" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			opt.Kerberos = krb()
		}
	}
	return false, nil
}

// SetPassword sets the password AuthFromEnv found missing.
func (o *Options) SetPassword(pw string) {
	if o.Kerberos != nil {
		o.Kerberos.Password = pw
		return
	}
	o.Password = pw
}

// User names the user AuthFromEnv chose, for a password prompt.
func (o *Options) User() string {
	if o.Kerberos != nil && o.Kerberos.Principal != "" {
		return o.Kerberos.Principal
	}
	return o.Username
}
