package provider

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestLogMasking(t *testing.T) {
	t.Parallel()
	const secret = "Sup3r!Secret-Value"
	var buf bytes.Buffer
	ctx := withSecretMasked(withLogMasking(tflogtest.RootLogger(context.Background(), &buf)), secret)

	// Fields named like secrets are masked in provider and client logs.
	tflog.Info(ctx, "provider entry", map[string]any{"secret_key": "sk-field-value", "server_id": "srv-1"})
	tflogLogger{}.Debug(ctx, "client entry", map[string]any{"token": "tok-field-value", "path": "/v1/x"})
	tflogLogger{}.Warn(ctx, "client warning", map[string]any{"authorization": "auth-field-value"})
	// A known secret is masked wherever it appears.
	tflog.Info(ctx, "message with "+secret, map[string]any{"note": "value " + secret})
	tflogLogger{}.Debug(ctx, "client message with "+secret, nil)

	out := buf.String()
	entries, err := tflogtest.MultilineJSONDecode(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Fatalf("got %d log entries, want 5:\n%s", len(entries), out)
	}
	for _, leaked := range []string{"sk-field-value", "tok-field-value", "auth-field-value", secret} {
		if strings.Contains(out, leaked) {
			t.Errorf("log output contains %q:\n%s", leaked, out)
		}
	}
	// Masking must not hide what is needed to follow the calls.
	for _, kept := range []string{"srv-1", "/v1/x", "client entry", "@module\":\"provider.ecsapi"} {
		if !strings.Contains(out, kept) {
			t.Errorf("log output lacks %q:\n%s", kept, out)
		}
	}
}
