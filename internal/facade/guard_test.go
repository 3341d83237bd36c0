package facade

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestGuards(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	h := RequireBasic(ReadOnly(ok), `CORP\tsctl`, "pw")
	for _, c := range []struct {
		method, path, user, pass string
		status                   int
	}{
		{"GET", "/AdminService/wmi/SMS_Package", "", "", 401},
		{"GET", "/AdminService/wmi/SMS_Package", `CORP\tsctl`, "bad", 401},
		{"GET", "/AdminService/wmi/SMS_Package", `corp\TSCTL`, "pw", 299},
		{"POST", "/AdminService/wmi/SMS_TaskSequencePackage.ImportSequence", `CORP\tsctl`, "pw", 299},
		{"POST", "/AdminService/wmi/SMS_ObjectLock.GetLockInformation", `CORP\tsctl`, "pw", 299},
		{"POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", `CORP\tsctl`, "pw", 403},
		{"POST", "/AdminService/wmi/SMS_Package", `CORP\tsctl`, "pw", 403},
		{"PUT", "/AdminService/wmi/SMS_Package('PS100001')", `CORP\tsctl`, "pw", 403},
		{"DELETE", "/AdminService/wmi/SMS_TaskSequencePackage('PS100002')", `CORP\tsctl`, "pw", 403},
	} {
		r := httptest.NewRequest(c.method, c.path, strings.NewReader("{}"))
		if c.user != "" {
			r.SetBasicAuth(c.user, c.pass)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("%s %s as %q: %d, want %d", c.method, c.path, c.user, w.Code, c.status)
		}
		if w.Code == 401 && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("401 without a Basic challenge")
		}
		if w.Code == 403 && !strings.Contains(w.Body.String(), `"code":"Forbidden"`) {
			t.Errorf("403 body: %s", w.Body.String())
		}
	}
}
