package ecssim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkSignedReset measures one AK/SK-signed v1 reset through Handler:
// body read, signature verification, authorization, JSON decoding, the
// complexity check and the state update.
func BenchmarkSignedReset(b *testing.B) {
	h := newHarness(b, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	body := resetJSON("Nw0Pass!word", true)
	target := v1Path(srv.ID, "os-reset-password")
	template := newRequest(http.MethodPut, target, body)
	template.Header.Set("Content-Type", "application/json;charset=UTF-8")
	template.Header.Set("X-Project-Id", DefaultProjectID)
	signTestRequest(template, []byte(body), DefaultAccessKey, DefaultSecretKey, testNow, nil)
	handler := h.sim.Handler()
	b.ReportAllocs()
	for b.Loop() {
		r := template.Clone(template.Context())
		r.Body = readCloser(body)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			b.Fatalf("status %d: %s", w.Code, strings.TrimSpace(w.Body.String()))
		}
	}
}
