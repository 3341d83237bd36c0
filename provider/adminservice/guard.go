package adminservice

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// RequireBasic wraps h so that every request must carry HTTP Basic
// credentials for user and password; others get 401 with a Basic
// challenge. It stands in for the Windows authentication of a real
// AdminService when a site is served for tests and demos (over TLS only).
func RequireBasic(h http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(strings.ToLower(u)), []byte(strings.ToLower(user))) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="tsctl local site", charset="UTF-8"`)
			writeJSONError(w, 401, "Unauthorized", "the user name or password is incorrect")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// readMethods are the static methods that change nothing on a site.
var readMethods = map[string]bool{"ImportSequence": true, "GetLockInformation": true}

// ReadOnly wraps h so that every request that would change the site gets
// 403, as for an account whose security role can read but not modify
// task sequences and packages.
func ReadOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if m := routeMethod.FindStringSubmatch(r.URL.Path); m == nil || !readMethods[canonicalMethod(m[2])] {
				class, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/AdminService/wmi/"), "(")
				class, _, _ = strings.Cut(class, ".")
				writeJSONError(w, 403, "Forbidden", fmt.Sprintf("the account has no permission to modify %s objects", class))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// canonicalMethod is a method name in the case readMethods uses.
func canonicalMethod(name string) string {
	for m := range readMethods {
		if strings.EqualFold(m, name) {
			return m
		}
	}
	return name
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}
