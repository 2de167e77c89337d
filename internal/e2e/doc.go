// Package e2e holds the provider's end-to-end tests. They build the provider and the
// ecs-simulator command, run the real Terraform (or OpenTofu) CLI against the provider through a
// dev_overrides CLI configuration, and judge the outcome by the simulator's ground truth: which
// passwords the servers hold, how often each was reset, and which requests arrived.
//
// The suite covers resilience (transient faults, a permanent failure, an interrupted apply),
// secrecy (no password, key or credential in logs, state, plans or diagnostics) and a catalogue
// of bad input that must end in a clear error with nothing recorded. It needs a CLI that
// supports write-only arguments (Terraform or OpenTofu 1.11 or later): terraform or tofu on
// PATH, or the binary named by TF_ACC_TERRAFORM_PATH.
package e2e
