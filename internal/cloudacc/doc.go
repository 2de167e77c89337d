// Package cloudacc holds the black-box acceptance tests: the provider's scenarios run against a
// real Huawei Cloud account (or anything that serves the same API at a URL), configured only
// through the HW_* environment variables and told which servers it may use through the ECS_ACC_*
// variables. They run with `make testacc-cloud` (TF_ACC=1 plus the opt-in ECS_ACC_CLOUD=1);
// README.md, "Testing against your account", lists the variables and what each scenario does to
// the servers.
//
// Unlike the tests in internal/provider, these tests see nothing but what the API shows a user:
// they never import the simulator (internal/ecssim) or the acceptance-test kit built on it
// (internal/acctest), a rule TestBlackBoxDependencies enforces. Where a check would need ground
// truth (did the guest get the new password?), a test checks what a user can observe instead and
// says in its comment what it cannot verify.
//
// CI proves the mode against a standalone ecs-simulator process reached only through its URL
// (.ci/testacc-cloud-sim), so the package holds only test files besides this one.
package cloudacc
