package planfile

import (
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/plan"
)

// Site is the site a plan was made for, named so that it means the same
// site whichever folder apply runs in.
type Site struct {
	// URL is absolute: local:/abs/path (symbolic links resolved),
	// https://server/AdminService or wmi://server/CODE.
	URL  string `json:"url"`
	Code string `json:"code"` // the site code the site reported
	// New marks a local site that did not exist when the plan was made
	// (planned against an empty one): apply creates it. Without it apply
	// refuses to create a site that has since disappeared.
	New bool `json:"new,omitempty"`
}

// IsLocal reports whether the site is an embedded local site.
func (s Site) IsLocal() bool { return strings.HasPrefix(s.URL, localScheme) }

// Dir is a local site's folder.
func (s Site) Dir() string { return strings.TrimPrefix(s.URL, localScheme) }

const localScheme = "local:"

// Absolute returns the site URL siteURL in its absolute form: a local
// site's folder made absolute with symbolic links resolved (as far as the
// path exists), a remote site's scheme and host in lower case. The result
// names the same site from any folder.
func Absolute(siteURL string) (string, error) {
	if dir, ok := strings.CutPrefix(siteURL, localScheme); ok {
		if dir == "" {
			return "", fmt.Errorf("site %q: local: needs a folder", siteURL)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("site %q: %w", siteURL, err)
		}
		return localScheme + resolveExisting(abs), nil
	}
	u, err := url.Parse(siteURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "wmi") {
		return siteURL, nil // not a URL tsctl opens; opening it says so
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if u.Scheme == "https" {
		u.Host = strings.TrimSuffix(u.Host, ":443")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// resolveExisting resolves the symbolic links of the longest part of abs
// that exists, so that a folder planned before it existed compares equal
// to the same folder once created.
func resolveExisting(abs string) string {
	rest := ""
	for p := abs; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// SameSite reports whether two site URLs name the same site. Both are
// made absolute first; remote paths and site codes compare without case
// (an AdminService path and a site code are case-insensitive), and so do
// local folders on Windows.
func SameSite(a, b string) (bool, error) {
	x, err := Absolute(a)
	if err != nil {
		return false, err
	}
	y, err := Absolute(b)
	if err != nil {
		return false, err
	}
	if strings.HasPrefix(x, localScheme) && runtime.GOOS != "windows" {
		return x == y, nil
	}
	return strings.EqualFold(x, y), nil
}

// SiteOf records the site a plan is made for: its URL as given, its code,
// and whether it is a local site that does not exist yet.
func SiteOf(siteURL, code string, isNew bool) (Site, error) {
	abs, err := Absolute(siteURL)
	if err != nil {
		return Site{}, err
	}
	return Site{URL: abs, Code: code, New: isNew && strings.HasPrefix(abs, localScheme)}, nil
}

// check refuses a site that is not named as tsctl plan names it — an
// absolute folder, or a remote URL in its absolute form — so that a plan
// file edited by hand to name a folder relative to wherever apply runs
// is not applied there.
func (s Site) check() error {
	bad := func() error {
		return diag.WithHint(fmt.Errorf("the plan names its site as %q, which is not the absolute identity tsctl plan records: the file was edited; nothing was changed", s.URL),
			"make a new plan with tsctl plan --out")
	}
	if s.IsLocal() {
		if dir := s.Dir(); !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
			return bad()
		}
		return nil
	}
	u, err := url.Parse(s.URL)
	if abs, aerr := Absolute(s.URL); err != nil || aerr != nil || abs != s.URL || (u.Scheme != "https" && u.Scheme != "wmi") {
		return bad()
	}
	return nil
}

// v1Site is what a format 1.0 file says about its site: its target when
// that is absolute, nothing (an empty URL) when it is a relative folder.
func v1Site(p *plan.Plan) Site {
	if p == nil {
		return Site{}
	}
	if dir, ok := strings.CutPrefix(p.Target, localScheme); ok && !filepath.IsAbs(dir) {
		return Site{Code: p.Site}
	}
	abs, err := Absolute(p.Target)
	if err != nil {
		return Site{Code: p.Site}
	}
	return Site{URL: abs, Code: p.Site}
}

// SiteFor picks the site apply runs the saved plan against. given is the
// site asked for — by --site or $TSCTL_SITE, which from names — or "" for
// none: then the plan's own site is used, wherever apply runs. A given
// site must be the plan's site; otherwise, and when the file does not name
// its site absolutely, the error says what to give instead.
func (f *File) SiteFor(given, from string) (string, error) {
	if f.Site.URL == "" {
		return "", diag.WithHint(fmt.Errorf("the plan was saved by an older tsctl (plan file format %s), which recorded its site as %s, relative to the folder it ran in, so which site it is for is unknown; nothing was changed", formatV1, f.Plan.Target),
			"run tsctl plan --out again: plan files now record the site's absolute path")
	}
	if given == "" {
		return f.Site.URL, nil
	}
	same, err := SameSite(given, f.Site.URL)
	if err != nil {
		return "", err
	}
	if !same {
		hint := fmt.Sprintf("to apply it to the site it was made for, run apply with --site %s", f.Site.URL)
		if from == "$TSCTL_SITE" {
			hint = fmt.Sprintf("to apply it to the site it was made for, unset TSCTL_SITE or set it to %s", f.Site.URL)
		}
		return "", diag.WithHint(fmt.Errorf("the plan was made for site %s at %s, but %s names %s; nothing was changed", f.Site.Code, f.Site.URL, from, given),
			hint+"; to change "+given+", make a plan for it with tsctl plan --site "+given+" --out")
	}
	return given, nil
}
