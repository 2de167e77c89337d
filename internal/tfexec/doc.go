// Package tfexec holds the small pieces that the demo and benchmark commands share: finding a
// Terraform or OpenTofu CLI, writing a CLI configuration whose dev_overrides point at a freshly
// built provider, building the repository's binaries, running the CLI with a clean environment,
// and starting ecs-simulator as a child process whose first line of output is its base URL.
//
// Every child process is started in its own process group so that stopping it (or interrupting
// the parent) also stops anything it started, such as Terraform's provider plugins.
package tfexec
