// Package clirunner runs the Terraform or OpenTofu CLI, and the other child processes, that the
// demo and benchmark commands and the end-to-end tests need: it finds a CLI, writes a CLI
// configuration whose dev_overrides point at a freshly built provider, builds the repository's
// binaries, runs the CLI with a clean environment, and starts a process (such as ecs-simulator)
// whose first line of output is its base URL.
//
// Every child process is started in its own process group so that stopping it (or interrupting
// the parent) also stops anything it started, such as Terraform's provider plugins.
package clirunner
