// Command terraform-provider-ecs is the `ecs` Terraform provider, which
// manages the login passwords of Huawei Cloud Elastic Cloud Servers.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/terraform-provider-ecs/ecs",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
