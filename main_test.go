package main

import (
	"os"
	"testing"
)

func TestSilenceUnshownLogs(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		// want is the value of every level variable afterwards, except those set in env.
		want string
	}{
		{name: "no logging asked for", env: map[string]string{}, want: "off"},
		{name: "TF_LOG", env: map[string]string{"TF_LOG": "debug"}, want: ""},
		{name: "TF_LOG_PROVIDER", env: map[string]string{"TF_LOG_PROVIDER": "trace"}, want: ""},
		{name: "an explicit level is kept", env: map[string]string{"TF_LOG_SDK_FRAMEWORK": "trace"}, want: "off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, name := range append([]string{"TF_LOG", "TF_LOG_PROVIDER"}, logLevelVariables...) {
				t.Setenv(name, c.env[name])
			}
			silenceUnshownLogs()
			for _, name := range logLevelVariables {
				want := c.want
				if v, ok := c.env[name]; ok {
					want = v
				}
				if got := os.Getenv(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	if got, want := versionLine("0.1.0", "6777fab0123456789"), "terraform-provider-ecs 0.1.0 (commit 6777fab01234)"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	if got, want := versionLine("dev", ""), "terraform-provider-ecs dev"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
}
