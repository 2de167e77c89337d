// Command terraform-provider-ecs is the `ecs` Terraform provider, which
// manages the login passwords of Huawei Cloud Elastic Cloud Servers.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/provider"
)

// version and commit are set at build time with
// -ldflags "-X main.version=... -X main.commit=..." (see .goreleaser.yml).
var (
	version = "dev"
	commit  = ""
)

func main() {
	var debug, printVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	// Terraform never passes -version; it lets a person (or the release test) ask an installed
	// binary which release it is without starting the plugin protocol.
	flag.BoolVar(&printVersion, "version", false, "print the provider's version and exit")
	flag.Parse()

	if printVersion {
		fmt.Println(versionLine(version, commit))
		return
	}

	silenceUnshownLogs()

	// tf6server.Serve with the provider's own server constructor rather than
	// providerserver.Serve: see provider.NewProtocol6Server.
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	err := tf6server.Serve("registry.terraform.io/terraform-provider-ecs/ecs", provider.NewProtocol6Server(version), opts...)
	if err != nil {
		log.Fatal(err)
	}
}

// versionLine is what -version prints, such as "terraform-provider-ecs 0.1.0 (commit 6777fab)".
func versionLine(version, commit string) string {
	line := "terraform-provider-ecs " + version
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		line += " (commit " + commit + ")"
	}
	return line
}

// silenceUnshownLogs turns the plugin libraries' logging off when the CLI
// would not show it. Terraform and OpenTofu show a provider's log lines only
// when TF_LOG or TF_LOG_PROVIDER is set, but the libraries write every line,
// down to TRACE, whatever those say, and the CLI decodes each line before it
// drops it. In an apply over a thousand servers that costs more CPU than the
// apply's real work. Levels the user set explicitly are left alone.
func silenceUnshownLogs() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, name := range logLevelVariables {
		if os.Getenv(name) == "" {
			_ = os.Setenv(name, "off")
		}
	}
}

// logLevelVariables set the levels of the provider's own logger
// (TF_LOG_PROVIDER_ plus the provider's type name) and of the plugin
// libraries' loggers.
var logLevelVariables = []string{"TF_LOG_PROVIDER_ECS", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}
