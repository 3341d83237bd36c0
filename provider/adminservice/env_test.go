package adminservice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuthFromEnv(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "krb5cc")
	if err := os.WriteFile(cache, []byte{5, 4}, 0o600); err != nil {
		t.Fatal(err)
	}
	noCache := filepath.Join(t.TempDir(), "none")
	for _, c := range []struct {
		name string
		env  map[string]string
		want string // a summary of the options chosen, or "error: ..." (a prefix)
		need bool
	}{
		{"nothing", map[string]string{"KRB5CCNAME": noCache}, "none", false},
		{"kinit cache", map[string]string{"KRB5CCNAME": "FILE:" + cache}, "kerberos cache FILE:" + cache, false},
		{"token", map[string]string{"TSCTL_TOKEN": "t0k", "KRB5CCNAME": "FILE:" + cache}, "token", false},
		{"token and user", map[string]string{"TSCTL_TOKEN": "t0k", "TSCTL_USERNAME": "u"}, "error: TSCTL_TOKEN is set with other credentials", false},
		{"ntlm", map[string]string{"TSCTL_USERNAME": `CORP\u`, "TSCTL_PASSWORD": "p", "KRB5CCNAME": "FILE:" + cache}, `ntlm CORP\u`, false},
		{"ntlm, password to ask", map[string]string{"TSCTL_USERNAME": `CORP\u`}, `ntlm CORP\u`, true},
		{"kerberos password", map[string]string{"TSCTL_AUTH": "Kerberos", "TSCTL_USERNAME": "u@CORP.EXAMPLE", "TSCTL_PASSWORD": "p"}, "kerberos password u@CORP.EXAMPLE", false},
		{"kerberos password to ask", map[string]string{"TSCTL_AUTH": "kerberos", "TSCTL_USERNAME": "u@CORP.EXAMPLE"}, "kerberos password u@CORP.EXAMPLE", true},
		{"keytab", map[string]string{"TSCTL_KEYTAB": "/etc/tsctl.keytab", "TSCTL_USERNAME": "svc-tsctl@CORP.EXAMPLE"}, "kerberos keytab /etc/tsctl.keytab svc-tsctl@CORP.EXAMPLE", false},
		{"keytab without user", map[string]string{"TSCTL_KEYTAB": "/etc/tsctl.keytab"}, "error: TSCTL_KEYTAB needs TSCTL_USERNAME", false},
		{"keytab with ntlm", map[string]string{"TSCTL_KEYTAB": "k", "TSCTL_USERNAME": "u", "TSCTL_AUTH": "ntlm"}, "error: TSCTL_KEYTAB is for Kerberos", false},
		{"forced kerberos, no cache yet", map[string]string{"TSCTL_AUTH": "kerberos", "KRB5CCNAME": noCache}, "kerberos cache " + noCache, false},
		{"forced ntlm without user", map[string]string{"TSCTL_AUTH": "ntlm"}, "error: TSCTL_AUTH=ntlm needs TSCTL_USERNAME", false},
		{"unknown scheme", map[string]string{"TSCTL_AUTH": "digest"}, "error: TSCTL_AUTH=digest: use kerberos or ntlm", false},
		{"spn", map[string]string{"TSCTL_AUTH": "kerberos", "TSCTL_SPN": "HTTP/cm01.corp.example", "KRB5CCNAME": noCache}, "kerberos cache " + noCache + " spn HTTP/cm01.corp.example", false},
	} {
		var opt Options
		need, err := AuthFromEnv(func(k string) string { return c.env[k] }, &opt)
		got := "none"
		switch k := opt.Kerberos; {
		case err != nil:
			got = "error: " + err.Error()
		case opt.Token != "":
			got = "token"
		case k != nil && k.Keytab != "":
			got = "kerberos keytab " + k.Keytab + " " + k.Principal
		case k != nil && k.Principal != "":
			got = "kerberos password " + k.Principal
		case k != nil:
			got = "kerberos cache " + k.CCache
		case opt.Username != "":
			got = "ntlm " + opt.Username
		}
		if k := opt.Kerberos; k != nil && k.SPN != "" {
			got += " spn " + k.SPN
		}
		if !strings.HasPrefix(got, c.want) || need != c.need {
			t.Errorf("%s: got %q (need password %v), want %q (%v)", c.name, got, need, c.want, c.need)
		}
	}
}

func TestSetPassword(t *testing.T) {
	o := Options{Username: "u"}
	o.SetPassword("p")
	if o.Password != "p" || o.User() != "u" {
		t.Errorf("ntlm: %+v", o)
	}
	k := Options{Kerberos: &Kerberos{Principal: "u@R"}}
	k.SetPassword("p")
	if k.Kerberos.Password != "p" || k.Password != "" || k.User() != "u@R" {
		t.Errorf("kerberos: %+v", k.Kerberos)
	}
}
